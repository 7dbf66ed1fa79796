"""Scenario files: the built-ins load and mean what they say; custom files; errors name the problem."""

from __future__ import annotations

import json
import time
from pathlib import Path

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
