"""`mfaguard doctor`: endpoint, token, permissions against each command's needs, licence."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mfaguard.emulator import RunningEmulator
from mfaguard.graph.auth import TokenInfo
from mfaguard.read.doctor import granted, permission_checks
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e


def checks(document: dict[str, Any]) -> dict[str, bool | None]:
    return {f"{c['area']}|{c['name']}": c["ok"] for c in document["checks"]}


def test_doctor_all_good_against_the_emulator(emulator_server: RunningEmulator) -> None:
    result = run_cli(["doctor", "--format", "json"], env=emulator_server.env())
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is True
    assert document["token"]["tenant_id"] == emulator_server.env()["AZURE_TENANT_ID"]
    assert all(document["checks"][i]["ok"] for i in range(len(document["checks"])))
    assert "client secret" in document["credential"]


def test_doctor_shows_missing_permissions_and_licence(emulator_server: RunningEmulator) -> None:
    emu = emulator_server.emulator
    emu.set_premium(False)
    app = emu.add_app(roles=["Policy.Read.AuthenticationMethod", "AuditLog.Read.All"], secret="s4")
    env = {**emulator_server.env(), "AZURE_CLIENT_ID": app.client_id, "AZURE_CLIENT_SECRET": "s4"}
    result = run_cli(["doctor", "--format", "json"], env=env)
    assert result.returncode == 0  # audit still works
    got = checks(json.loads(result.stdout))
    assert got["permissions: read|Policy.Read.AuthenticationMethod"] is True
    assert got["permissions: write|Policy.ReadWrite.AuthenticationMethod"] is False
    assert got["permissions: detect|IdentityRiskEvent.Read.All"] is False
    assert got["licence|read sign-in logs (licence check)"] is False  # 403 non-premium
    assert got["probe|read risk detections"] is False  # 403 missing permission
    table = run_cli(["doctor"], env=env)
    assert "✗" in table.stdout and "✓" in table.stdout
    assert "Policy.ReadWrite.Authe" in table.stdout
    assert "audit will work." in table.stdout


def test_doctor_fails_when_the_endpoint_is_unreachable() -> None:
    env = {"MFAGUARD_ACCESS_TOKEN": "x.y.z", "MFAGUARD_GRAPH_ENDPOINT": "http://127.0.0.1:9"}
    result = run_cli(["doctor", "--format", "json"], env=env)
    assert result.returncode == 3
    document = json.loads(result.stdout)
    assert document["checks"][0]["ok"] is False
    assert (
        "cannot reach Microsoft Graph at 127.0.0.1:9 (connection refused)" in document["checks"][0]["detail"]
    )


def test_permission_checks_accept_broader_grants() -> None:
    assert granted("Policy.Read.AuthenticationMethod", frozenset({"policy.readwrite.authenticationmethod"}))
    assert granted("GroupMember.Read.All", frozenset({"Directory.Read.All"})) == "Directory.Read.All"
    assert granted("AuditLog.Read.All", frozenset({"Directory.Read.All"})) is None
    info = TokenInfo(None, None, None, "user", frozenset({"AuditLog.Read.All"}), None)
    failed = [c for c in permission_checks(info) if not c.ok]
    assert failed and all("delegated permission" in c.fix for c in failed)


def test_doctor_flags_a_token_for_another_resource(emulator_server: RunningEmulator) -> None:
    token = emulator_server.emulator.issue_token(audience="https://management.azure.com")
    env = {
        "MFAGUARD_ACCESS_TOKEN": token,
        "MFAGUARD_GRAPH_ENDPOINT": emulator_server.graph_endpoint,
        "MFAGUARD_CA_BUNDLE": str(emulator_server.ca_path),
    }
    result = run_cli(["doctor", "--format", "json"], env=env)
    assert result.returncode == 3
    [token_check] = [c for c in json.loads(result.stdout)["checks"] if c["area"] == "token"]
    assert token_check["ok"] is False
    assert "management.azure.com" in token_check["detail"]
    assert "resource-type ms-graph" in token_check["fix"]
