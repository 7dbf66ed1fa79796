"""``.ci/audit-deps``: a known vulnerability fails CI; an advisory source that cannot judge is never a pass.

pip-audit runs for real against a loopback stand-in for PyPI's vulnerability feed (advisory_proxy.py),
and against a proxy address where nothing listens (the source unreachable). On this project's
machines PyPI's per-release JSON API answers 404 to everything: pip-audit then skips every package and
prints "No known vulnerabilities found" with exit 0, which the step must report as NOT RUN.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.packaging.advisory_proxy import advisory_proxy

SCRIPT = ROOT / ".ci" / "audit-deps"

if importlib.util.find_spec("pip_audit") is None:
    if os.environ.get("CI", "").lower() == "true":
        raise RuntimeError("pip-audit is not installed under CI=true (it is in the test extra)")
    pytest.skip("pip-audit is not installed (pip install -e '.[test]')", allow_module_level=True)


def _load_script() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("audit_deps", str(SCRIPT))
    spec = importlib.util.spec_from_loader("audit_deps", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_deps"] = module  # dataclasses look their module up
    loader.exec_module(module)
    return module


audit_deps = _load_script()


def _lock_subset(path: Path, names: tuple[str, ...]) -> None:
    """Write a lock file holding just ``names``' entries (pins and hashes) from requirements/core.txt."""
    text = (ROOT / "requirements" / "core.txt").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[a-z0-9])", text)
    chosen = [b.split("\n    # via")[0] for b in blocks if b.split("==")[0] in names]
    assert len(chosen) == len(names), chosen
    path.write_text("\n".join(chosen) + "\n", encoding="utf-8")


def _pins(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([a-z0-9-]+)==([^ ;\\]+)", path.read_text(encoding="utf-8"), re.M))


def _run(lock: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--timeout", "10", str(lock)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


VULN: dict[str, Any] = {
    "id": "PYSEC-2099-1",
    "aliases": ["CVE-2099-0001"],
    "summary": "a made-up advisory for this test",
    "fixed_in": ["99.0"],
    "details": "",
    "link": "https://osv.dev/vulnerability/PYSEC-2099-1",
    "source": "osv",
    "withdrawn": None,
}


@pytest.fixture
def lock(tmp_path: Path) -> Path:
    path = tmp_path / "lock.txt"
    _lock_subset(path, ("sniffio", "croniter"))
    return path


def test_a_known_vulnerability_fails_the_step(tmp_path: Path, lock: Path) -> None:
    pins = _pins(lock)
    advisories = {("sniffio", pins["sniffio"]): [VULN], ("croniter", pins["croniter"]): []}
    with advisory_proxy(tmp_path, advisories) as (env, seen):
        result = _run(lock, env)
    assert result.returncode == 1, result.stderr
    assert "VULNERABILITY AUDIT FAILED: 1 known vulnerabilities" in result.stderr
    assert f"sniffio {pins['sniffio']}: PYSEC-2099-1 (CVE-2099-0001), fixed in 99.0" in result.stderr
    assert sorted(seen) == sorted(f"/pypi/{name}/{version}/json" for name, version in pins.items())


def test_every_package_audited_and_clean_passes(tmp_path: Path, lock: Path) -> None:
    advisories = {(name, version): [] for name, version in _pins(lock).items()}
    with advisory_proxy(tmp_path, advisories) as (env, _):
        result = _run(lock, env)
    assert result.returncode == 0, result.stderr
    assert "vulnerability audit passed: 2 locked packages" in result.stdout


def test_packages_the_source_does_not_know_are_not_a_pass(tmp_path: Path, lock: Path) -> None:
    # What this machine's network does: 404 for every release. pip-audit alone then exits 0.
    with advisory_proxy(tmp_path, {}) as (env, _):
        bare = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "-r",
                str(lock),
                "--no-deps",
                "--disable-pip",
                "--cache-dir",
                str(tmp_path / "cache"),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=120,
        )
        result = _run(lock, env)
    assert bare.returncode == 0 and "No known vulnerabilities found" in bare.stdout + bare.stderr
    assert result.returncode == 3, result.stderr
    assert "VULNERABILITY AUDIT NOT RUN" in result.stderr and "This is NOT a pass" in result.stderr
    assert "2 of 2 locked packages could not be audited" in result.stderr
    assert "passed" not in result.stdout and "No known vulnerabilities" not in result.stdout + result.stderr


def test_an_unreachable_source_is_not_a_pass(lock: Path) -> None:
    with socket.socket() as probe:  # a loopback port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = _run(
        lock, {"HTTPS_PROXY": f"http://127.0.0.1:{port}", "https_proxy": f"http://127.0.0.1:{port}"}
    )
    assert result.returncode == 3, result.stderr
    assert "VULNERABILITY AUDIT NOT RUN" in result.stderr
    assert f"127.0.0.1', port={port}" in result.stderr  # the reason names the address that failed
    assert "Traceback" not in result.stderr


def test_judge_never_passes_a_report_without_an_audited_package() -> None:
    empty = audit_deps.judge({"dependencies": [], "fixes": []})
    skipped = audit_deps.judge({"dependencies": [{"name": "x", "skip_reason": "not found"}], "fixes": []})
    missing = audit_deps.judge(None, error="pip-audit exited 1: ConnectionError")
    assert {empty.status, skipped.status, missing.status} == {audit_deps.NOT_RUN}
    clean = audit_deps.judge({"dependencies": [{"name": "x", "version": "1", "vulns": []}], "fixes": []})
    assert clean.status == audit_deps.PASSED
