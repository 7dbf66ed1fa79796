"""The built-in ``recommended`` baseline brings a tenant to green (issue 12, item 2), through the real
CLI against the emulator.

``exclusions: break_glass_only`` keeps the break-glass groups (``--config`` / ``--break-glass-group``)
and removes every other exclusion MFA-014 judges, through the lock-out guard; ``plan`` ends with what it
leaves failing and what to do about it by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mfaguard.emulator import RunningEmulator
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e

BREAK_GLASS = "f34b5b02-931d-53fb-bed9-5ae0601ec544"  # weak: 'Break Glass Accounts'
LEGACY = "337bf4c1-2977-5a3d-bd77-dfe58072d608"  # weak: 'MFA Exclusions (legacy)', excluded in three places
KIOSK = "6b524170-2b37-510e-85fc-2ce4657a1456"  # weak: excluded from system-preferred MFA


def group(group_id: str) -> dict[str, str]:
    return {"targetType": "group", "id": group_id}


@pytest.fixture
def weak_with_break_glass(emulator_server: RunningEmulator, tmp_path: Path) -> tuple[RunningEmulator, Path]:
    """The weak tenant, whose admins also excluded the break-glass group from Authenticator and from
    the registration campaign; an audit config that names that group."""
    emu = emulator_server.emulator
    emu.edit_configuration("MicrosoftAuthenticator", {"excludeTargets": [group(LEGACY), group(BREAK_GLASS)]})
    campaign = dict(
        emu.stored_policy().root["registrationEnforcement"]["authenticationMethodsRegistrationCampaign"]
    )
    campaign["excludeTargets"] = [group(LEGACY), group(BREAK_GLASS)]
    emu.edit_policy({"registrationEnforcement": {"authenticationMethodsRegistrationCampaign": campaign}})
    config = tmp_path / "audit.yaml"
    config.write_text(f"break_glass_groups: [{BREAK_GLASS}]\n", encoding="utf-8")
    return emulator_server, config


def _fails(document: dict[str, Any]) -> list[str]:
    policy = {f"MFA-{n:03d}" for n in range(1, 16)}
    return sorted({f["control_id"] for f in document["findings"] if f["status"] == "FAIL"} & policy)


def test_apply_recommended_leaves_no_fail_and_keeps_the_break_glass_exclusion(
    weak_with_break_glass: tuple[RunningEmulator, Path], tmp_path: Path
) -> None:
    server, config = weak_with_break_glass
    env = server.env()
    emu = server.emulator
    before = json.loads(run_cli(["audit", "--config", str(config), "--format", "json"], env=env).stdout)
    assert "MFA-014" in _fails(before)

    plan = run_cli(["plan", "--baseline", "recommended", "--config", str(config)], env=env)
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.rstrip().endswith("after this plan: no FAIL in MFA-001..015")

    store = ["--store", f"sqlite:///{tmp_path / 'history.db'}"]
    args = [
        "apply",
        "--baseline",
        "recommended",
        "--config",
        str(config),
        "--yes",
        "--force",
        "--format",
        "json",
    ]
    applied = run_cli([*args, *store], env=env)
    assert applied.returncode == 0, applied.stderr
    document = json.loads(applied.stdout)
    assert (document["result"], document["verified"]) == ("applied", True)
    assert document["lockout"]["checked"] is True  # the exclusions went through the lock-out guard

    after = json.loads(run_cli(["audit", "--config", str(config), "--format", "json"], env=env).stdout)
    assert _fails(after) == [], [f for f in after["findings"] if f["status"] == "FAIL"]
    authenticator = emu.stored_configuration("MicrosoftAuthenticator")
    assert [t["id"] for t in authenticator["excludeTargets"]] == [BREAK_GLASS]
    features = authenticator["featureSettings"]
    assert features["displayLocationInformationRequiredState"]["excludeTarget"]["id"] != LEGACY
    root = emu.stored_policy().root
    campaign = root["registrationEnforcement"]["authenticationMethodsRegistrationCampaign"]
    assert [t["id"] for t in campaign["excludeTargets"]] == [BREAK_GLASS]
    assert root["systemCredentialPreferences"]["excludeTargets"] == []  # the kiosk group is gone


def test_break_glass_group_option_and_what_a_plan_cannot_fix(emulator_server: RunningEmulator) -> None:
    emu = emulator_server.emulator
    # An exclusion on number matching, which Graph no longer lets anyone write: only by hand.
    features = dict(emu.stored_configuration("MicrosoftAuthenticator")["featureSettings"])
    features["numberMatchingRequiredState"] = {
        **features["numberMatchingRequiredState"],
        "excludeTarget": group(KIOSK),
    }
    emu.edit_configuration("MicrosoftAuthenticator", {"featureSettings": features}, force=True)
    result = run_cli(
        ["plan", "--baseline", "recommended", "--break-glass-group", BREAK_GLASS], env=emulator_server.env()
    )
    assert result.returncode == 0, result.stderr
    tail = result.stdout.rstrip().splitlines()
    head = next(i for i, line in enumerate(tail) if line.startswith("still FAIL after this plan:"))
    assert tail[head] == "still FAIL after this plan: MFA-014 — fix by hand:"
    assert (
        KIOSK in tail[head + 1]
        and "numberMatchingRequiredState" in tail[head + 1]
        and "Portal:" in tail[head + 1]
    )
    document = json.loads(
        run_cli(
            ["plan", "--baseline", "recommended", "--break-glass-group", BREAK_GLASS, "--format", "json"],
            env=emulator_server.env(),
        ).stdout
    )
    assert [r["control_id"] for r in document["still_failing"]] == ["MFA-014"]
    assert document["break_glass_groups"] == [BREAK_GLASS]


def test_baseline_show_and_schema_know_the_exclusions_key() -> None:
    shown = run_cli(["baseline", "show", "recommended"])
    assert "exclusions: break_glass_only" in shown.stdout
    schema = json.loads(run_cli(["baseline", "schema"]).stdout)
    assert schema["properties"]["exclusions"]["anyOf"][0]["const"] == "break_glass_only"
