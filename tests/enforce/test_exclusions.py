"""``exclusions: break_glass_only`` (MFA-014) in the planner, and what a plan leaves failing
(``enforce.residual``). Pure; the real CLI against the emulator is tests/cli/test_recommended_green.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mfaguard.enforce.baseline import Baseline, load_baseline
from mfaguard.enforce.plan import PlanSettings, plan
from mfaguard.enforce.residual import residual, residual_lines
from mfaguard.model.settings import AuditSettings
from tests.builders.policy import GROUP_H, PILOT, ZERO, weak_policy

BREAK_GLASS = "bbbbbbbb-0000-4000-8000-00000000000b"
NOW = datetime(2026, 11, 2, tzinfo=UTC)


def _group(group_id: str) -> dict[str, str]:
    return {"targetType": "group", "id": group_id}


def _excluded_everywhere() -> dict[str, Any]:
    policy = weak_policy()
    auth = policy["authenticationMethodConfigurations"][0]
    auth["excludeTargets"] = [_group(GROUP_H), _group(BREAK_GLASS), {"targetType": "user", "id": PILOT}]
    auth["featureSettings"]["displayAppInformationRequiredState"]["excludeTarget"] = _group(GROUP_H)
    auth["featureSettings"]["displayLocationInformationRequiredState"]["excludeTarget"] = _group(BREAK_GLASS)
    policy["systemCredentialPreferences"]["excludeTargets"] = [_group(GROUP_H)]
    campaign = policy["registrationEnforcement"]["authenticationMethodsRegistrationCampaign"]
    campaign["excludeTargets"] = [_group(BREAK_GLASS), _group(GROUP_H)]
    return policy


ONLY = Baseline.model_validate({"exclusions": "break_glass_only"})
SETTINGS = PlanSettings(break_glass_groups=(BREAK_GLASS.upper(),))


def _by_field(p: Any) -> dict[str, Any]:
    return {(c.path.rsplit("/", 1)[-1], c.field): c for c in p.changes}


def test_break_glass_only_keeps_break_glass_groups_and_removes_every_other_exclusion() -> None:
    p = plan(_excluded_everywhere(), ONLY, SETTINGS)
    changes = _by_field(p)
    assert {c.control_id for c in p.changes} == {"MFA-014"}
    assert changes["MicrosoftAuthenticator", "excludeTargets"].after == [_group(BREAK_GLASS)]
    app = changes[
        "MicrosoftAuthenticator", "featureSettings.displayAppInformationRequiredState.excludeTarget"
    ]
    assert app.after == _group(ZERO)
    assert (
        "MicrosoftAuthenticator",
        "featureSettings.displayLocationInformationRequiredState.excludeTarget",
    ) not in changes
    assert changes["authenticationMethodsPolicy", "systemCredentialPreferences.excludeTargets"].after == []
    campaign = "registrationEnforcement.authenticationMethodsRegistrationCampaign.excludeTargets"
    assert changes["authenticationMethodsPolicy", campaign].after == [_group(BREAK_GLASS)]
    # Nothing else is touched: a baseline with only this key changes only exclusions.
    assert {obj.object_id for obj in p.objects} == {"MicrosoftAuthenticator", "authenticationMethodsPolicy"}


def test_without_break_glass_groups_every_exclusion_goes_and_without_the_key_none() -> None:
    p = plan(_excluded_everywhere(), ONLY, PlanSettings())
    assert _by_field(p)["MicrosoftAuthenticator", "excludeTargets"].after == []
    assert plan(_excluded_everywhere(), Baseline(), SETTINGS).empty


def test_a_pilot_defers_removing_exclusions_and_says_so() -> None:
    p = plan(_excluded_everywhere(), ONLY, PlanSettings(pilot_group=PILOT, break_glass_groups=(BREAK_GLASS,)))
    assert p.empty
    assert any("cannot be scoped to a pilot group" in note for note in p.notes)


def test_an_explicit_feature_exclude_still_decides_the_features() -> None:
    baseline = Baseline.model_validate(
        {
            "exclusions": "break_glass_only",
            "authenticator": {"location_information": "enabled", "feature_exclude": None},
        }
    )
    p = plan(_excluded_everywhere(), baseline, SETTINGS)
    location = "featureSettings.displayLocationInformationRequiredState.excludeTarget"
    assert _by_field(p)["MicrosoftAuthenticator", location].after == _group(ZERO)


def test_residual_names_what_the_plan_cannot_fix_and_what_widening_fixes() -> None:
    policy = _excluded_everywhere()
    features = policy["authenticationMethodConfigurations"][0]["featureSettings"]
    features["numberMatchingRequiredState"]["excludeTarget"] = _group(GROUP_H)  # not writable any more
    settings = AuditSettings(break_glass_groups=(BREAK_GLASS,))
    recommended = load_baseline("recommended").baseline
    p = plan(policy, recommended, SETTINGS)
    left = residual(policy, p, settings, now=NOW)
    assert [(r.control_id, r.widen) for r in left] == [("MFA-014", False)]
    assert "numberMatchingRequiredState" in left[0].detail and "Exclude:" in left[0].fix
    assert any(
        "numberMatchingRequiredState cannot be written" in n or "number_matching" in n for n in p.notes
    )
    lines = residual_lines(left)
    assert lines[0] == "still FAIL after this plan: MFA-014 — fix by hand:"
    pilot = PlanSettings(pilot_group=PILOT, break_glass_groups=(BREAK_GLASS,))
    clean = _excluded_everywhere()
    piloted = residual(
        clean, plan(clean, recommended, pilot), settings, now=NOW, widened=plan(clean, recommended, SETTINGS)
    )
    assert piloted and all(r.widen for r in piloted)
    assert residual_lines(piloted)[0].endswith("apply again without --pilot-group to widen")
    assert residual_lines(()) == ["after this plan: no FAIL in MFA-001..015"]
