"""Files mfaguard writes are private to its user (issue 11, items 4 and 12): the history store's folder
0700 and its database, -wal and -shm files 0600; report outputs 0600; the emulator's key 0600 even
over an existing file, never written through a symlink. Under the usual umask 022, through the CLI."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders.directory import write_snapshot
from tests.builders.signins import first_example, write_json
from tests.conftest import SRC, run_cli


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """022, as on most systems: a file created without an explicit mode would be 0644."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_the_default_store_folder_and_database_are_private(tmp_path: Path) -> None:
    data = tmp_path / "xdg-data"
    result = run_cli(["store", "upgrade"], env={"XDG_DATA_HOME": str(data)})
    assert result.returncode == 0, result.stderr
    assert mode(data) == 0o700 and mode(data / "mfaguard") == 0o700
    assert mode(data / "mfaguard" / "history.db") == 0o600


def test_a_configured_store_path_is_private_and_an_old_loose_one_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "new" / "deeper" / "history.db"
    result = run_cli(["store", "upgrade", "--store", f"sqlite:///{db}"])
    assert result.returncode == 0, result.stderr
    assert mode(db.parent) == 0o700 and mode(db.parent.parent) == 0o700 and mode(db) == 0o600
    db.chmod(0o644)  # written by an older mfaguard
    assert run_cli(["store", "upgrade", "--store", f"sqlite:///{db}"]).returncode == 0
    assert mode(db) == 0o600


def test_wal_and_shm_files_are_private_while_the_store_is_open(tmp_path: Path) -> None:
    from mfaguard.store import open_store

    db = tmp_path / "history.db"
    with open_store(f"sqlite:///{db}") as store:
        store.upsert_tenant("contoso", tenant_id="00000000-0000-0000-0000-000000000001")
        files = [db, db.with_name("history.db-wal"), db.with_name("history.db-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    for f in files:
        if f.exists():
            f.chmod(0o644)  # as an older mfaguard left them
    with open_store(f"sqlite:///{db}") as store:
        store.upsert_tenant("fabrikam", tenant_id="00000000-0000-0000-0000-000000000002")
        assert {f.name: mode(f) for f in files if f.exists()} == {f.name: 0o600 for f in files if f.exists()}


def test_report_outputs_are_private(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "snap.json")
    signins = write_json(tmp_path / "signins.json", first_example())
    outputs = {
        name: tmp_path / name for name in ("coverage.csv", "coverage.txt", "explain.json", "alerts.csv")
    }
    outputs["coverage.txt"].write_text("an older report\n")
    outputs["coverage.txt"].chmod(0o644)
    runs = [
        ["coverage", "--snapshot", str(snap), "--format", "csv", "-o", str(outputs["coverage.csv"])],
        ["coverage", "--snapshot", str(snap), "-o", str(outputs["coverage.txt"])],
        [
            "explain",
            "alice@contoso.example",
            "--snapshot",
            str(snap),
            "-f",
            "json",
            "-o",
            str(outputs["explain.json"]),
        ],
        ["detect", "--signins", str(signins), "--format", "csv", "-o", str(outputs["alerts.csv"])],
    ]
    for args in runs:
        result = run_cli(args)
        assert result.returncode in (0, 1), (args, result.stderr)
    for name, path in outputs.items():
        assert mode(path) == 0o600, name
    assert "older report" not in outputs["coverage.txt"].read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary files left


def _start_emulator(cert_dir: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFAGUARD_")}
    env["PYTHONPATH"] = str(SRC)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mfaguard",
            "emulator",
            "--scenario",
            "compliant",
            "--cert-dir",
            str(cert_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


def test_emulator_key_file_is_rewritten_private(tmp_path: Path) -> None:
    cert_dir = tmp_path / "certs"
    cert_dir.mkdir()
    key = cert_dir / "server-key.pem"
    key.write_text("an old key, world-readable\n")
    key.chmod(0o644)
    proc = _start_emulator(cert_dir)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("export "), (line, proc.stderr.read() if proc.poll() is not None else "")
        assert mode(key) == 0o600
        assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")
        assert {p.name: mode(p) for p in cert_dir.iterdir()} == {
            "ca.pem": 0o600,
            "server.pem": 0o600,
            "server-key.pem": 0o600,
        }
    finally:
        _stop(proc)


def test_emulator_never_writes_its_key_through_a_symlink(tmp_path: Path) -> None:
    cert_dir = tmp_path / "certs"
    cert_dir.mkdir()
    elsewhere = tmp_path / "victim.txt"
    elsewhere.write_text("not a key\n")
    elsewhere.chmod(0o644)
    (cert_dir / "server-key.pem").symlink_to(elsewhere)
    result = run_cli(["emulator", "--scenario", "compliant", "--cert-dir", str(cert_dir)], timeout=60)
    assert result.returncode == 2, result.stderr
    assert "server-key.pem" in result.stderr and "symlink" in result.stderr
    assert "Traceback" not in result.stderr
    assert elsewhere.read_text() == "not a key\n" and mode(elsewhere) == 0o644
