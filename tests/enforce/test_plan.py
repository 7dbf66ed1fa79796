from __future__ import annotations

import json
from typing import Any

import pytest

from mfaguard.enforce.baseline import Baseline, load_baseline
from mfaguard.enforce.plan import Plan, PlanSettings, plan
from mfaguard.model.settings import NumberMatchingMode
from tests.builders.policy import GROUP_H, PILOT, ZERO, apply_body, weak_policy

SERVICE = PlanSettings()
CONFIGURABLE = PlanSettings(number_matching=NumberMatchingMode.CONFIGURABLE)


def recommended() -> Baseline:
    return load_baseline("recommended").baseline


def _apply_all(policy: dict[str, Any], p: Plan) -> dict[str, Any]:
    for obj in p.objects:
        policy = apply_body(policy, obj.path, dict(obj.body))
    return policy


def _config(policy: dict[str, Any], config_id: str) -> dict[str, Any]:
    return next(c for c in policy["authenticationMethodConfigurations"] if c["id"] == config_id)


def _fields(p: Plan) -> set[tuple[str, str]]:
    return {(c.path.rsplit("/", 1)[1], c.field) for c in p.changes}


def test_recommended_on_weak_lists_every_change_per_object() -> None:
    p = plan(weak_policy(), recommended(), SERVICE, baseline_name="recommended")
    assert [o.object_id for o in p.objects] == [
        "MicrosoftAuthenticator",
        "Sms",
        "Voice",
        "Email",
        "authenticationMethodsPolicy",
    ]
    assert {
        ("MicrosoftAuthenticator", "includeTargets"),
        ("MicrosoftAuthenticator", "isSoftwareOathEnabled"),
        ("MicrosoftAuthenticator", "featureSettings.displayAppInformationRequiredState.state"),
        ("MicrosoftAuthenticator", "featureSettings.displayLocationInformationRequiredState.state"),
        ("MicrosoftAuthenticator", "featureSettings.companionAppAllowedState.state"),
        ("Sms", "state"),
        ("Voice", "state"),
        ("Email", "state"),
        ("authenticationMethodsPolicy", "reportSuspiciousActivitySettings.state"),
        ("authenticationMethodsPolicy", "systemCredentialPreferences.state"),
        (
            "authenticationMethodsPolicy",
            "registrationEnforcement.authenticationMethodsRegistrationCampaign.state",
        ),
        ("authenticationMethodsPolicy", "policyMigrationState"),
    } == _fields(p)
    by_field = {(c.path.rsplit("/", 1)[1], c.field): c for c in p.changes}
    sms = by_field[("Sms", "state")]
    assert (sms.before, sms.after, sms.control_id) == ("enabled", "disabled", "MFA-007")
    assert by_field[("authenticationMethodsPolicy", "policyMigrationState")].control_id == "MFA-013"
    assert any("number_matching is enforced by Microsoft" in n for n in p.notes)


def test_method_bodies_are_read_modify_write() -> None:
    p = plan(weak_policy(), recommended(), SERVICE)
    for obj in p.objects:
        text = json.dumps(obj.body)
        assert "numberMatchingRequiredState" not in text
        assert "@odata.context" not in text
        if obj.is_policy:
            assert set(obj.body) == {
                "policyMigrationState",
                "registrationEnforcement",
                "reportSuspiciousActivitySettings",
                "systemCredentialPreferences",
            }
        else:
            assert obj.body["@odata.type"].startswith("#microsoft.graph.")
            assert "id" not in obj.body
    auth = p.objects[0].body
    # The push-only group keeps its mode and flags; all_users is added with the baseline's mode.
    assert auth["includeTargets"] == [
        {"targetType": "group", "id": GROUP_H, "isRegistrationRequired": True, "authenticationMode": "push"},
        {
            "targetType": "group",
            "id": "all_users",
            "isRegistrationRequired": False,
            "authenticationMode": "any",
        },
    ]
    # Whole feature objects, untouched ones included.
    assert set(auth["featureSettings"]) == {
        "displayAppInformationRequiredState",
        "displayLocationInformationRequiredState",
        "companionAppAllowedState",
    }
    assert auth["featureSettings"]["displayAppInformationRequiredState"] == {
        "state": "enabled",
        "includeTarget": {"targetType": "group", "id": "all_users"},
        "excludeTarget": {"targetType": "group", "id": ZERO},
    }
    sms = p.objects[1].body
    assert sms["includeTargets"][0]["isUsableForSignIn"] is True


def test_plan_is_pure_and_converges() -> None:
    policy = weak_policy()
    snapshot = json.dumps(policy, sort_keys=True)
    p = plan(policy, recommended(), SERVICE)
    assert json.dumps(policy, sort_keys=True) == snapshot  # input untouched
    after = _apply_all(policy, p)
    assert plan(after, recommended(), SERVICE).empty


def test_configurable_tenant_gets_number_matching() -> None:
    p = plan(weak_policy(), recommended(), CONFIGURABLE)
    auth = p.objects[0]
    assert auth.body["featureSettings"]["numberMatchingRequiredState"]["state"] == "enabled"
    assert ("MicrosoftAuthenticator", "featureSettings.numberMatchingRequiredState.state") in _fields(p)
    assert plan(_apply_all(weak_policy(), p), recommended(), CONFIGURABLE).empty


def test_pilot_targets_the_group_then_widens() -> None:
    pilot = PlanSettings(pilot_group=PILOT)
    p = plan(weak_policy(), recommended(), pilot)
    after = _apply_all(weak_policy(), p)
    auth = _config(after, "MicrosoftAuthenticator")
    for name in ("displayAppInformationRequiredState", "displayLocationInformationRequiredState"):
        assert auth["featureSettings"][name]["includeTarget"]["id"] == PILOT
        assert auth["featureSettings"][name]["state"] == "enabled"
    # Authenticator Lite turned off for G only: on for the others, G excluded.
    lite = auth["featureSettings"]["companionAppAllowedState"]
    assert (lite["state"], lite["excludeTarget"]["id"]) == ("enabled", PILOT)
    assert auth["isSoftwareOathEnabled"] is True  # cannot be scoped to a group: deferred
    for method in ("Sms", "Voice", "Email"):
        config = _config(after, method)
        assert config["state"] == "enabled"
        assert [t["id"] for t in config["excludeTargets"]] == [PILOT]
    assert after["reportSuspiciousActivitySettings"]["includeTarget"]["id"] == PILOT
    assert after["systemCredentialPreferences"]["includeTargets"] == [{"id": PILOT, "targetType": "group"}]
    assert after["policyMigrationState"] == "preMigration"
    assert any("isSoftwareOathEnabled" in n for n in p.notes)
    # The same pilot again: nothing to do.
    assert plan(after, recommended(), pilot).empty
    # Without the pilot group: widens to everyone.
    wide = plan(after, recommended(), SERVICE)
    final = _apply_all(after, wide)
    auth = _config(final, "MicrosoftAuthenticator")
    assert auth["featureSettings"]["displayAppInformationRequiredState"]["includeTarget"]["id"] == "all_users"
    assert auth["featureSettings"]["companionAppAllowedState"]["state"] == "disabled"
    assert _config(final, "Sms")["state"] == "disabled"
    assert final["reportSuspiciousActivitySettings"]["includeTarget"]["id"] == "all_users"
    assert final["policyMigrationState"] == "migrationComplete"
    assert plan(final, recommended(), SERVICE).empty


def test_pilot_never_narrows_a_feature_already_on_for_everyone() -> None:
    policy = weak_policy()
    feats = _config(policy, "MicrosoftAuthenticator")["featureSettings"]
    feats["displayAppInformationRequiredState"]["state"] = "enabled"
    p = plan(policy, recommended(), PlanSettings(pilot_group=PILOT))
    assert (
        "MicrosoftAuthenticator",
        "featureSettings.displayAppInformationRequiredState.includeTarget",
    ) not in _fields(p)


def test_compliant_tenant_has_no_changes() -> None:
    final = _apply_all(weak_policy(), plan(weak_policy(), recommended(), SERVICE))
    p = plan(final, recommended(), SERVICE)
    assert p.empty and p.to_json()["changes"] == []


def test_replace_targets_keeps_mode_of_a_target_that_stays() -> None:
    b = Baseline.model_validate(
        {"authenticator": {"include": ["all_users", GROUP_H.upper()], "replace_targets": True}}
    )
    p = plan(weak_policy(), b, SERVICE)
    targets = p.objects[0].body["includeTargets"]
    assert targets == [
        {
            "targetType": "group",
            "id": "all_users",
            "isRegistrationRequired": False,
            "authenticationMode": "any",
        },
        {"targetType": "group", "id": GROUP_H, "isRegistrationRequired": True, "authenticationMode": "push"},
    ]


def test_feature_exclude_left_out_keeps_the_tenants_exclusion() -> None:
    policy = weak_policy()
    feats = _config(policy, "MicrosoftAuthenticator")["featureSettings"]
    feats["displayAppInformationRequiredState"]["excludeTarget"]["id"] = GROUP_H
    keep = Baseline.model_validate({"authenticator": {"app_information": "enabled"}})
    body = plan(policy, keep, SERVICE).objects[0].body
    assert body["featureSettings"]["displayAppInformationRequiredState"]["excludeTarget"]["id"] == GROUP_H
    clear = Baseline.model_validate(
        {"authenticator": {"app_information": "enabled", "feature_exclude": None}}
    )
    p = plan(policy, clear, SERVICE)
    assert (
        p.objects[0].body["featureSettings"]["displayAppInformationRequiredState"]["excludeTarget"]["id"]
        == ZERO
    )
    controls = {c.field: c.control_id for c in p.changes}
    assert controls["featureSettings.displayAppInformationRequiredState.excludeTarget"] == "MFA-014"


@pytest.mark.parametrize("email", ["guests_only", "disabled"])
def test_email_modes(email: str) -> None:
    b = Baseline.model_validate({"email": email})
    p = plan(weak_policy(), b, SERVICE)
    body = p.objects[0].body
    if email == "guests_only":
        assert (body["state"], body["includeTargets"]) == ("enabled", [])
    else:
        assert body["state"] == "disabled"
    assert plan(_apply_all(weak_policy(), p), b, SERVICE).empty


def test_missing_configuration_is_a_note_not_a_crash() -> None:
    policy = weak_policy()
    policy["authenticationMethodConfigurations"] = [
        c for c in policy["authenticationMethodConfigurations"] if c["id"] != "Voice"
    ]
    p = plan(policy, recommended(), SERVICE)
    assert "Voice" not in {o.object_id for o in p.objects}
    assert any("no Voice configuration" in n for n in p.notes)


def test_inline_configuration_without_odata_type_gets_it() -> None:
    policy = weak_policy()
    del _config(policy, "Sms")["@odata.type"]
    p = plan(policy, Baseline.model_validate({"sms": "disabled"}), SERVICE)
    assert p.objects[0].body["@odata.type"] == "#microsoft.graph.smsAuthenticationMethodConfiguration"


@pytest.mark.parametrize("name", ["recommended", "cisa-scuba", "cis-l1"])
@pytest.mark.parametrize("mode", ["service_enforced", "configurable"])
def test_applying_a_plan_makes_every_covered_control_pass(name: str, mode: str) -> None:
    from datetime import UTC, datetime

    from mfaguard.audit.engine import audit
    from mfaguard.enforce.baseline import covered_controls
    from mfaguard.model.policy import TenantInfo
    from mfaguard.model.settings import AuditSettings, NumberMatchingMode
    from mfaguard.read.snapshot_file import build_snapshot

    baseline = load_baseline(name).baseline
    settings = PlanSettings(number_matching=NumberMatchingMode(mode))
    final = _apply_all(weak_policy(), plan(weak_policy(), baseline, settings))
    snap = build_snapshot(final, tenant=TenantInfo(id="t"), captured_at=None)
    report = audit(
        snap,
        settings=AuditSettings(number_matching=NumberMatchingMode(mode)),
        now=datetime(2026, 6, 1, tzinfo=UTC),
    )
    statuses = {f.control_id: f.status.value for f in report.findings}
    covered = covered_controls(baseline, number_matching_configurable=mode == "configurable")
    assert {c: statuses[c] for c in covered} == dict.fromkeys(covered, "PASS")
