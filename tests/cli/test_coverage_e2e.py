"""End to end: the real CLI (subprocess) against the emulator over HTTPS on 127.0.0.1 (``weak`` tenant).

The expected levels below were worked out by hand from the scenario (SMS and voice on for everyone,
Authenticator for all_users plus push mode for Field Ops, 'MFA Exclusions (legacy)' excluded, OTP codes
on, app/location context Microsoft-managed, FIDO2 off), independently of the code under test.
"""

from __future__ import annotations

import json

import pytest

from mfaguard.emulator import RunningEmulator
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e

BREAK_GLASS = "f34b5b02-931d-53fb-bed9-5ae0601ec544"


def test_coverage_counts_and_levels(emulator_server: RunningEmulator) -> None:
    result = run_cli(["coverage", "--format", "json"], env=emulator_server.env())
    assert result.returncode == 1, result.stderr  # MFA-016 / MFA-017 FAIL
    doc = json.loads(result.stdout)
    assert doc["levels"] == {
        "phishing_resistant": 1,
        "push_with_context": 0,
        "push": 18,
        "otp": 1,
        "phone_only": 8,
        "none": 6,
    }
    assert doc["admins"] == {
        "phishing_resistant": 0,
        "push_with_context": 0,
        "push": 2,
        "otp": 0,
        "phone_only": 1,
        "none": 1,
    }
    assert doc["guests"] == 4
    levels = {u["userPrincipalName"]: u["level"] for u in doc["users"]}
    assert "former.employee@contoso.onmicrosoft.com" not in levels  # disabled
    assert levels["johanna.lorenz@contoso.onmicrosoft.com"] == "phishing_resistant"
    assert levels["pradeep.gupta@contoso.onmicrosoft.com"] == "otp"
    assert levels["brian.johnson@contoso.onmicrosoft.com"] == "none"
    assert levels["breakglass01@contoso.onmicrosoft.com"] == "none"  # fido2 registered, Fido2 off
    brian = next(u for u in doc["users"] if u["userPrincipalName"] == "brian.johnson@contoso.onmicrosoft.com")
    assert any(
        "excluded from MicrosoftAuthenticator by group 'MFA Exclusions (legacy)'" in r
        for r in brian["reasons"]
    )
    assert doc["unavailable"] == []


def test_explain_shows_the_nesting_chain(emulator_server: RunningEmulator) -> None:
    result = run_cli(["explain", "luis.ortega@contoso.onmicrosoft.com"], env=emulator_server.env())
    assert result.returncode == 0, result.stderr
    assert "level: push" in result.stdout
    assert "← nested in 'Field Ops - North'" in result.stdout
    assert "(mode push)" in result.stdout


def test_licence_error_degrades_clearly(emulator_server: RunningEmulator) -> None:
    emulator_server.emulator.set_premium(False)
    env = emulator_server.env()
    result = run_cli(["coverage", "--format", "json", "--break-glass-group", BREAK_GLASS], env=env)
    assert result.returncode == 0, result.stderr
    assert "could not read registration" in result.stderr and "P1" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["unavailable"][0]["what"] == "registration" and doc["unavailable"][0]["kind"] == "license"
    assert {f["control_id"]: f["status"] for f in doc["findings"]} == {
        "MFA-016": "ERROR",
        "MFA-017": "ERROR",
        "MFA-018": "ERROR",
    }
    strict = run_cli(["coverage", "--strict"], env=env)
    assert strict.returncode == 3
