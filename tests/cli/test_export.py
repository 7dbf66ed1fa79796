"""`mfaguard export`: a snapshot file that re-audits offline to the same report as the live audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mfaguard.emulator import RunningEmulator
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e


def test_export_then_offline_audit_equals_live_audit(
    emulator_server: RunningEmulator, tmp_path: Path
) -> None:
    env = emulator_server.env()
    target = tmp_path / "snap.json"
    result = run_cli(["export", "--output", str(target)], env=env)
    assert result.returncode == 0, result.stderr
    assert "Wrote the snapshot" in result.stderr
    document = json.loads(target.read_text())
    assert document["format"] == "mfaguard-snapshot"
    assert document["api_version"] == "beta"
    assert document["tenant"]["id"] == env["AZURE_TENANT_ID"]
    assert document["raw"]["groups"]  # the groups the policy names were resolved
    assert env["AZURE_CLIENT_SECRET"] not in target.read_text()

    live = run_cli(["audit", "--format", "json", "--no-directory"], env=env)
    offline = run_cli(["audit", "--format", "json", "--snapshot", str(target)])
    assert live.returncode == offline.returncode == 1
    assert json.loads(live.stdout)["findings"] == json.loads(offline.stdout)["findings"]
    # With the directory on both sides (a live audit reads it by default), they agree again.
    with_directory = tmp_path / "snap-directory.json"
    assert run_cli(["export", "--with-directory", "--output", str(with_directory)], env=env).returncode == 0
    live = run_cli(["audit", "--format", "json"], env=env)
    offline = run_cli(["audit", "--format", "json", "--snapshot", str(with_directory)])
    assert json.loads(live.stdout)["findings"] == json.loads(offline.stdout)["findings"]


def test_export_to_stdout_and_partial_read_exits_3(emulator_server: RunningEmulator, tmp_path: Path) -> None:
    app = emulator_server.emulator.add_app(roles=["Policy.Read.AuthenticationMethod"], secret="s3")
    env = {**emulator_server.env(), "AZURE_CLIENT_ID": app.client_id, "AZURE_CLIENT_SECRET": "s3"}
    result = run_cli(["export", "--output", "-"], env=env)
    assert result.returncode == 3
    document = json.loads(result.stdout)
    assert "GroupMember.Read.All" in document["read_errors"]["groups"]
    assert "could not read groups" in result.stderr
    # Offline, the recorded read error keeps MFA-015 at ERROR (never PASS).
    (tmp_path / "partial.json").write_text(result.stdout)
    offline = run_cli(["audit", "--format", "json", "--snapshot", str(tmp_path / "partial.json")])
    mfa015 = [f for f in json.loads(offline.stdout)["findings"] if f["control_id"] == "MFA-015"]
    assert [f["status"] for f in mfa015] == ["ERROR"]


def test_export_requires_output() -> None:
    result = run_cli(["export"])
    assert result.returncode == 2
    assert "--output" in result.stderr


def test_export_with_directory_lets_the_offline_audit_judge_coverage(
    emulator_server: RunningEmulator, tmp_path: Path
) -> None:
    target = tmp_path / "full.json"
    result = run_cli(["export", "--with-directory", "--output", str(target)], env=emulator_server.env())
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text())["directory"]["users"]
    offline = run_cli(["audit", "--format", "json", "--snapshot", str(target)])
    by_control = {f["control_id"]: f["status"] for f in json.loads(offline.stdout)["findings"]}
    assert by_control["MFA-016"] != "NOT_APPLICABLE"  # judged from the exported directory data
    coverage = run_cli(["coverage", "--format", "json", "--snapshot", str(target)])
    assert coverage.returncode in (0, 1), coverage.stderr
