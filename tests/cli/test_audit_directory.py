"""A live audit reads the directory by default, when permitted (issue 12, item 7), through the real CLI.

MFA-016..018 are judged instead of NOT_APPLICABLE; ``--no-directory`` skips the read; a token without
the directory permissions requests nothing and those controls say what to grant (ERROR) without
failing the run; fleet files switch it per tenant or in ``defaults`` with ``directory: true|false``.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mfaguard.emulator import RunningEmulator
from tests.cli.fixtures import write_fleet
from tests.conftest import SRC, run_cli

pytestmark = pytest.mark.e2e

COVERAGE = ("MFA-016", "MFA-017", "MFA-018")
BREAK_GLASS = "f34b5b02-931d-53fb-bed9-5ae0601ec544"  # weak: 'Break Glass Accounts'


def statuses(document: dict[str, Any]) -> dict[str, str]:
    return {f["control_id"]: f["status"] for f in document["findings"] if f["control_id"] in COVERAGE}


def directory_requests(server: RunningEmulator) -> list[str]:
    return [
        r["path"]
        for r in server.emulator.requests()
        if "/users" in r["path"] or "userRegistrationDetails" in r["path"] or "members" in r["path"]
    ]


def test_a_live_audit_judges_the_coverage_controls(emulator_server: RunningEmulator) -> None:
    args = ["audit", "--format", "json", "--break-glass-group", BREAK_GLASS]
    result = run_cli(args, env=emulator_server.env())
    assert result.returncode == 1, result.stderr
    got = statuses(json.loads(result.stdout))
    assert got["MFA-016"] == "FAIL" and got["MFA-017"] == "FAIL"  # phone-only members, weak admins
    assert got["MFA-018"] in ("PASS", "FAIL")  # judged: the break-glass group's members were read
    assert directory_requests(emulator_server)

    emulator_server.emulator.clear_requests()
    skipped = run_cli([*args, "--no-directory"], env=emulator_server.env())
    assert statuses(json.loads(skipped.stdout)) == dict.fromkeys(COVERAGE, "NOT_APPLICABLE")
    assert directory_requests(emulator_server) == []


def test_without_the_permissions_nothing_is_requested_and_the_controls_say_why(
    emulator_server: RunningEmulator,
) -> None:
    emu = emulator_server.emulator
    app = emu.add_app(roles=["Policy.Read.AuthenticationMethod", "GroupMember.Read.All"], secret="s-dir")
    env = {**emulator_server.env(), "AZURE_CLIENT_ID": app.client_id, "AZURE_CLIENT_SECRET": "s-dir"}
    emu.clear_requests()
    result = run_cli(["audit", "--format", "json"], env=env)
    assert result.returncode == 1, result.stderr  # the policy FAILs decide; not 3 for the directory
    document = json.loads(result.stdout)
    got = statuses(document)
    assert got["MFA-016"] == "ERROR" and got["MFA-017"] == "ERROR"
    detail = next(f["detail"] for f in document["findings"] if f["control_id"] == "MFA-016")
    assert "the token lacks AuditLog.Read.All, User.Read.All" in detail and "--no-directory" in detail
    assert directory_requests(emulator_server) == []
    strict = run_cli(["audit", "--strict"], env=env)
    assert strict.returncode == 3  # --strict: an ERROR is a reason to stop


def test_fleet_files_switch_the_directory_read_per_tenant(
    emulator_server: RunningEmulator, tmp_path: Path
) -> None:
    emu = emulator_server.emulator
    compliant = emu.add_tenant("compliant")
    file = write_fleet(
        tmp_path / "mfaguard.yaml",
        emulator_server,
        [("contoso", emu.default_tenant.id, "FLEET_SECRET"), ("fabrikam", compliant.id, "FLEET_SECRET")],
    )
    text = file.read_text(encoding="utf-8").replace(
        f"    tenant_id: {compliant.id}\n", f"    tenant_id: {compliant.id}\n    directory: false\n"
    )
    file.write_text(text, encoding="utf-8")
    result = run_cli(
        ["fleet", "audit", "--config", str(file), "--format", "json"],
        env={"FLEET_SECRET": emu.default_secret},
    )
    assert result.returncode == 1, result.stderr
    by_name = {t["name"]: statuses(t) for t in json.loads(result.stdout)["tenants"]}
    assert by_name["contoso"]["MFA-016"] == "FAIL"  # read by default
    assert by_name["fabrikam"] == dict.fromkeys(COVERAGE, "NOT_APPLICABLE")  # directory: false


def test_a_terminal_sees_the_directory_read_progress(emulator_server: RunningEmulator) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFAGUARD_")}
    env.update(emulator_server.env())
    env["PYTHONPATH"] = str(SRC)
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mfaguard", "audit", "--format", "json"],
            stdout=subprocess.PIPE,
            stderr=follower,
            env=env,
            text=True,
        )
        out, _ = proc.communicate(timeout=120)
        os.close(follower)
        follower = -1
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert json.loads(out)["findings"]
    assert b"reading users" in seen
