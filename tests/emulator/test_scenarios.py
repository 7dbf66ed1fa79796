"""Scenario files: the built-ins load and mean what they say; custom files; errors name the problem."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from mfaguard.emulator import SCENARIOS, Emulator, ScenarioError, load_scenario
from mfaguard.emulator.graph_policy import ZERO_GUID


@pytest.mark.parametrize("name", SCENARIOS)
def test_builtin_scenarios_load(name: str) -> None:
    emu = Emulator(name)
    tenant = emu.default_tenant
    assert tenant.scenario == name
    state = tenant.policy.truth
    assert state.find("MicrosoftAuthenticator") is not None
    # every group a target names exists (so PATCHing back what a GET returned is always valid)
    for config in state.configs:
        for target in [*config.get("includeTargets", []), *config.get("excludeTargets", [])]:
            if target["id"] != "all_users":
                assert tenant.directory.group(target["id"]) is not None, (name, config["id"], target)
        for feature in (config.get("featureSettings") or {}).values():
            for key in ("includeTarget", "excludeTarget"):
                target_id = feature[key]["id"]
                assert target_id in ("all_users", ZERO_GUID) or tenant.directory.group(target_id) is not None


def test_weak_scenario_is_weak() -> None:
    state = Emulator("weak").default_tenant.policy.truth
    auth = state.find("MicrosoftAuthenticator")
    assert auth is not None
    assert auth["isSoftwareOathEnabled"] is True
    assert {t["authenticationMode"] for t in auth["includeTargets"]} == {"any", "push"}
    assert auth["featureSettings"]["displayAppInformationRequiredState"]["state"] == "default"
    assert auth["featureSettings"]["companionAppAllowedState"]["state"] == "default"
    assert state.find("Sms")["state"] == "enabled"  # type: ignore[index]
    assert state.find("Voice")["state"] == "enabled"  # type: ignore[index]
    assert state.root["reportSuspiciousActivitySettings"]["state"] == "default"
    assert auth["excludeTargets"]


def test_tenants_flag_derives_distinct_tenants() -> None:
    emu = Emulator(["weak", "compliant"], tenants=3)
    assert len(emu.tenants) == 6
    assert len({t.domain for t in emu.tenants.values()}) == 6
    assert emu.find_tenant("t2-contoso.onmicrosoft.com") is not None


def test_big_is_generated_lazily_and_deterministically() -> None:
    started = time.perf_counter()
    first = Emulator("big")
    assert time.perf_counter() - started < 1.0
    second = Emulator("big")
    a = next(first.default_tenant.directory.iter_users(54_321))[1]
    b = next(second.default_tenant.directory.iter_users(54_321))[1]
    assert a == b
    assert first.default_tenant.directory.user(a["userPrincipalName"]) == a
    assert first.default_tenant.directory.user(a["id"]) == a


def test_custom_scenario_file(tmp_path: Path) -> None:
    data = load_scenario("compliant")
    data["name"] = "mine"
    data["tenant"] = {
        "id": "11111111-2222-4333-8444-555555555555",
        "displayName": "Mine",
        "domain": "mine.example",
        "premium": False,
    }
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data))
    emu = Emulator(path)
    assert emu.default_tenant.id == "11111111-2222-4333-8444-555555555555"
    assert emu.default_tenant.premium is False


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"bad\.json:1: not valid JSON"),
        ("[]", "JSON object"),
        ('{"policy": {}}', "'tenant'"),
        ('{"tenant": {"id": "x"}, "policy": {}, "era": "2019"}', "era"),
    ],
)
def test_bad_scenario_files_name_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ScenarioError, match=message):
        load_scenario(path)


def test_unknown_scenario_name() -> None:
    with pytest.raises(ScenarioError, match="not a built-in"):
        load_scenario("nonexistent")


def test_docs_cover_every_knob_scenario_and_fault_kind() -> None:
    from dataclasses import fields

    from mfaguard.emulator import Knobs
    from mfaguard.emulator.faults import FAULT_KINDS

    docs = (Path(__file__).resolve().parents[2] / "docs" / "emulator.md").read_text()
    for knob in fields(Knobs):
        assert knob.name in docs, f"docs/emulator.md does not mention the knob {knob.name}"
    for name in SCENARIOS:
        assert f"`{name}`" in docs
    for kind in FAULT_KINDS:
        assert f"`{kind}`" in docs


# ------------------------------------------------------------------------------- conditional access


def _policies(name: str) -> dict[str, dict[str, Any]]:
    return {p["displayName"]: p for p in Emulator(name).stored_ca_policies()}


def test_compliant_conditional_access() -> None:
    emu = Emulator("compliant")
    tenant = emu.default_tenant
    assert tenant.premium and tenant.p2 and not tenant.ca.security_defaults
    policies = _policies("compliant")
    break_glass = next(
        g["id"] for _, g in tenant.directory.iter_groups(0) if g["displayName"] == "Break Glass Accounts"
    )
    assert all(p["state"] == "enabled" for p in policies.values())
    assert all(p["conditions"]["users"]["excludeGroups"] == [break_glass] for p in policies.values())
    legacy = policies["CA003: Block legacy authentication"]
    assert legacy["conditions"]["clientAppTypes"] == ["exchangeActiveSync", "other"]
    assert legacy["grantControls"]["builtInControls"] == ["block"]
    admins = policies["CA002: Phishing-resistant MFA for administrators"]
    assert admins["grantControls"]["authenticationStrength"] == {"id": "00000000-0000-0000-0000-000000000004"}
    assert policies["CA004: Block high-risk sign-ins"]["conditions"]["signInRiskLevels"] == ["high"]
    assert policies["CA005: High-risk users must change password"]["conditions"]["userRiskLevels"] == ["high"]
    registration = policies["CA006: Register security info from a compliant device"]
    assert registration["conditions"]["applications"]["includeUserActions"] == [
        "urn:user:registersecurityinfo"
    ]
    assert registration["grantControls"]["builtInControls"] == ["compliantDevice"]
    # the break-glass account holds Global Administrator; a role comes through a role-assignable group
    principals = {a["principalId"] for a in tenant.ca.role_assignments}
    assert any(
        tenant.directory.group(p) and tenant.directory.group(p).get("isAssignableToRole") for p in principals
    )  # type: ignore[union-attr]
    assert set(tenant.directory.direct_members(break_glass)) <= principals
    assert [c["displayName"] for c in tenant.ca.custom_strengths] == ["Fabrikam passkeys and Windows Hello"]


def test_weak_conditional_access() -> None:
    emu = Emulator("weak")
    tenant = emu.default_tenant
    assert tenant.premium and not tenant.p2
    policies = _policies("weak")
    report_only = policies["Require MFA for all users"]
    assert report_only["state"] == "enabledForReportingButNotEnforced"
    staff = policies["Contoso staff: MFA or terms of use"]
    assert staff["state"] == "enabled"
    assert staff["grantControls"]["operator"] == "OR" and staff["grantControls"]["builtInControls"] == ["mfa"]
    assert len(staff["grantControls"]["termsOfUse"]) == 1
    excluded = staff["conditions"]["users"]["excludeGroups"][0]
    # three deep: Field Ops - North ← Field Ops ← Operations (excluded)
    north = next(
        g["id"] for _, g in tenant.directory.iter_groups(0) if g["displayName"] == "Field Ops - North"
    )
    chain = tenant.directory.transitive_member_of(north)
    assert chain.index(excluded) == 1 and len(chain) == 3
    assert not any(
        p["state"] == "enabled" and {"exchangeActiveSync", "other"} <= set(p["conditions"]["clientAppTypes"])
        for p in policies.values()
    )  # no legacy block
    assert {n["@odata.type"] for n in tenant.ca.named_locations} == {
        "#microsoft.graph.ipNamedLocation",
        "#microsoft.graph.countryNamedLocation",
    }


@pytest.mark.parametrize(("name", "defaults"), [("fresh-tenant", True), ("no-premium", False)])
def test_non_premium_scenarios(name: str, defaults: bool) -> None:
    tenant = Emulator(name).default_tenant
    assert not tenant.premium and tenant.ca.security_defaults is defaults
    assert tenant.ca.store.truth.policies == ()
    assert len(tenant.ca.role_assignments) == 1


def test_big_has_forty_generated_policies_of_every_kind() -> None:
    first = Emulator("big").stored_ca_policies()
    assert first == Emulator("big").stored_ca_policies()  # deterministic
    assert len(first) == 40
    conditions = [p["conditions"] for p in first]
    assert sum(p["state"] == "enabledForReportingButNotEnforced" for p in first) >= 3
    assert any(c["users"]["includeRoles"] for c in conditions)
    assert any(c["locations"] and c["locations"]["excludeLocations"] for c in conditions)
    assert any(c["platforms"] for c in conditions)
    assert any(c["devices"] and c["devices"]["deviceFilter"] for c in conditions)
    assert any(
        p["grantControls"]
        and len(p["grantControls"]["builtInControls"]) == 2
        and p["grantControls"]["operator"] == "OR"
        for p in first
    )
    directory = Emulator("big").default_tenant.directory
    nested = [c["users"]["excludeGroups"][0] for c in conditions if len(c["users"]["excludeGroups"]) == 2]
    assert nested and any(len(directory.transitive_member_of(g)) >= 3 for g in nested)


def test_a_scenario_policy_graph_would_refuse_is_a_scenario_error(tmp_path: Path) -> None:
    data = load_scenario("weak")
    data["conditionalAccess"]["policies"][0]["conditions"]["users"] = None
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ScenarioError, match="a conditional access policy Graph would refuse: 1007"):
        Emulator(path)
