"""`mfaguard audit` live, end to end over a socket: the real CLI in a subprocess, a client-secret
credential whose token comes from the emulator's HTTPS token endpoint (azure-identity, the emulator's
own CA passed through MFAGUARD_CA_BUNDLE while REQUESTS_CA_BUNDLE points elsewhere)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mfaguard.emulator import RunningEmulator
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e


def audit_json(env: dict[str, str], *extra: str) -> tuple[int, dict[str, Any], str]:
    result = run_cli(["audit", "--format", "json", *extra], env=env)
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.returncode, document, result.stderr


def statuses(document: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for finding in document["findings"]:
        out.setdefault(finding["control_id"], []).append(finding["status"])
    return out


def test_live_audit_with_client_secret_from_the_token_endpoint(emulator_server: RunningEmulator) -> None:
    env = emulator_server.env()
    code, document, _ = audit_json(env)
    assert code == 1  # the weak tenant has FAIL findings
    assert document["tenant"]["id"] == env["AZURE_TENANT_ID"]
    assert document["api_version"] == "beta"
    got = statuses(document)
    assert "FAIL" in got["MFA-007"]  # SMS on
    assert got["MFA-015"] == ["PASS"]  # groups were resolved
    log = emulator_server.emulator.requests()
    token_calls = [e for e in log if e["version"] == "entra" and e["path"].endswith("/oauth2/v2.0/token")]
    assert [e["status"] for e in token_calls] == [200]  # one token, from the HTTPS token endpoint
    graph_calls = emulator_server.emulator.requests(path_contains="authenticationMethodsPolicy")
    assert graph_calls and all(e["status"] == 200 for e in graph_calls)


def test_faults_and_latency_do_not_change_the_report(emulator_server: RunningEmulator) -> None:
    env = emulator_server.env()
    clean_code, clean, _ = audit_json(env)
    emu = emulator_server.emulator
    emu.set_latency(20)
    emu.add_fault(kind="status", status=429, retry_after=1, rate=0.3)
    emu.add_fault(kind="status", status=503, rate=0.3)
    code, faulty, _ = audit_json(env)
    injected = [e for e in emu.requests() if e["fault"]]
    assert injected, "the fault rules should have fired"
    assert code == clean_code
    assert faulty["findings"] == clean["findings"]


def test_permanent_403_on_the_policy_makes_every_control_error(emulator_server: RunningEmulator) -> None:
    emu = emulator_server.emulator
    app = emu.add_app(roles=["User.Read.All"], secret="no-policy-secret")
    env = {
        **emulator_server.env(),
        "AZURE_CLIENT_ID": app.client_id,
        "AZURE_CLIENT_SECRET": "no-policy-secret",
    }
    code, document, stderr = audit_json(env)
    assert code == 3
    assert {s for v in statuses(document).values() for s in v} == {"ERROR"}
    assert "Policy.Read.AuthenticationMethod" in document["findings"][0]["detail"]
    assert "Policy.Read.AuthenticationMethod" in stderr


def test_permanent_403_on_groups_makes_mfa015_error(emulator_server: RunningEmulator) -> None:
    emu = emulator_server.emulator
    app = emu.add_app(roles=["Policy.Read.AuthenticationMethod"], secret="policy-only")
    env = {**emulator_server.env(), "AZURE_CLIENT_ID": app.client_id, "AZURE_CLIENT_SECRET": "policy-only"}
    code, document, stderr = audit_json(env)
    assert code == 3
    got = statuses(document)
    assert got["MFA-015"] == ["ERROR"]
    assert "FAIL" in got["MFA-007"]  # the rest is judged normally
    assert "GroupMember.Read.All" in stderr


def test_unreadable_configuration_is_error_never_pass(emulator_server: RunningEmulator) -> None:
    emulator_server.emulator.edit_configuration("MicrosoftAuthenticator", {"state": 5}, force=True)
    code, document, _ = audit_json(emulator_server.env())
    assert code == 3
    assert {s for v in statuses(document).values() for s in v} == {"ERROR"}
    assert "state" in document["findings"][0]["detail"]


def test_token_for_another_tenant_is_refused(emulator_server: RunningEmulator) -> None:
    env = {**emulator_server.env(), "MFAGUARD_TENANT_ID": "11111111-2222-3333-4444-555555555555"}
    result = run_cli(["audit"], env=env)
    assert result.returncode == 3
    assert "Traceback" not in result.stderr


def test_static_token_and_plain_http_rules(emulator_server: RunningEmulator) -> None:
    token = emulator_server.emulator.issue_token()
    env = {
        "MFAGUARD_ACCESS_TOKEN": token,
        "MFAGUARD_GRAPH_ENDPOINT": emulator_server.graph_endpoint,
        "MFAGUARD_CA_BUNDLE": str(emulator_server.ca_path),
    }
    code, document, _ = audit_json(env)
    assert code == 1 and document["findings"]
    result = run_cli(["audit"], env={**env, "MFAGUARD_GRAPH_ENDPOINT": "http://graph.example.com"})
    assert result.returncode == 2
    assert "loopback" in result.stderr


def test_debug_log_shows_requests_but_never_the_token(emulator_server: RunningEmulator) -> None:
    token = emulator_server.emulator.issue_token()
    env = {
        "MFAGUARD_ACCESS_TOKEN": token,
        "MFAGUARD_GRAPH_ENDPOINT": emulator_server.graph_endpoint,
        "MFAGUARD_CA_BUNDLE": str(emulator_server.ca_path),
    }
    result = run_cli(["--debug", "audit", "--format", "json"], env=env)
    assert result.returncode == 1
    assert "GET https://127.0.0.1" in result.stderr and "client-request-id" in result.stderr
    assert token not in result.stderr and token.split(".")[1] not in result.stderr
    assert "Authorization" not in result.stderr
