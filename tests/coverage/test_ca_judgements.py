"""MFA-019..MFA-025 judged over named tenants: every status of every control, as exact sets."""

from __future__ import annotations

from functools import cache

import pytest

from mfaguard.coverage.ca_judgements import (
    CA_CONTROL_IDS,
    NO_CA_DATA,
    P1_HINT,
    CaSettings,
    Judgement,
    ca_context,
    judge_all,
    judge_mfa019,
    judge_mfa025,
)
from mfaguard.model.report import Status
from tests.builders.conditional_access import NOW, ca, policy, users
from tests.builders.directory import group, people, user
from tests.coverage.ca_scenarios import DIRECTORY, SCENARIOS, SETTINGS, baseline

# For each control, the scenarios that must end in each status other than PASS; every other
# scenario must PASS.
EXPECTED: dict[str, dict[Status, set[str]]] = {
    "MFA-019": {
        Status.WARN: {
            "security_defaults",
            "no_p1_defaults",
            "excludes_contractors",
            "mfa_or_device",
            "trusted_exempt",
            "admins_ga_excluded",
        },
        Status.FAIL: {"no_ca", "report_only", "no_p1", "mfa_or_terms", "modern_clients_only"},
        Status.ERROR: {"policies_forbidden", "custom_control"},
        Status.NOT_APPLICABLE: {"old_snapshot"},
    },
    "MFA-020": {
        Status.FAIL: {
            "no_ca",
            "security_defaults",
            "report_only",
            "no_p1",
            "no_p1_defaults",
            "admins_ga_only",
            "admins_ga_excluded",
            "admins_windows_only",
        },
        Status.ERROR: {"policies_forbidden", "roles_unreadable"},
        Status.NOT_APPLICABLE: {"old_snapshot"},
    },
    "MFA-021": {
        Status.FAIL: {"no_ca", "report_only", "no_p1", "modern_clients_only", "legacy_block_windows_only"},
        Status.ERROR: {"policies_forbidden"},
        Status.NOT_APPLICABLE: {"old_snapshot"},
    },
    "MFA-022": {
        Status.WARN: {"risk_mfa"},
        Status.FAIL: {"no_ca", "security_defaults", "report_only", "no_p1", "no_p1_defaults"},
        Status.ERROR: {"policies_forbidden"},
        Status.NOT_APPLICABLE: {"old_snapshot"},
    },
    "MFA-023": {
        Status.FAIL: {
            "no_ca",
            "security_defaults",
            "report_only",
            "no_p1",
            "no_p1_defaults",
            "risky_users_mfa_only",
        },
        Status.ERROR: {"policies_forbidden"},
        Status.NOT_APPLICABLE: {"old_snapshot"},
    },
    "MFA-024": {
        Status.WARN: {"registration_mfa_only"},
        Status.FAIL: {"no_ca", "security_defaults", "report_only", "no_p1", "no_p1_defaults"},
        Status.ERROR: {"policies_forbidden", "registration_custom_control"},
        Status.NOT_APPLICABLE: {"old_snapshot"},
    },
    "MFA-025": {
        Status.WARN: {"security_defaults", "defaults_and_ca", "no_p1_defaults", "modern_clients_only"},
        Status.FAIL: {"no_ca", "report_only", "no_p1", "excludes_contractors", "mfa_or_terms"},
        Status.ERROR: {"policies_forbidden", "roles_unreadable", "custom_control", "users_unreadable"},
        Status.NOT_APPLICABLE: {"old_snapshot", "no_directory"},
    },
}


@cache
def judged(scenario: str) -> dict[str, Judgement]:
    data, directory = SCENARIOS[scenario]()
    return judge_all(data, directory, SETTINGS, NOW)


@pytest.mark.parametrize("control", CA_CONTROL_IDS)
def test_every_status_as_an_exact_set(control: str) -> None:
    actual: dict[Status, set[str]] = {}
    for scenario in SCENARIOS:
        actual.setdefault(judged(scenario)[control].status, set()).add(scenario)
    expected = dict(EXPECTED[control])
    expected[Status.PASS] = set(SCENARIOS) - set().union(*expected.values())
    assert {s: v for s, v in actual.items() if v} == {s: v for s, v in expected.items() if v}


def test_no_p1_fails_name_the_licence() -> None:
    for control in ("MFA-019", "MFA-020", "MFA-021", "MFA-022", "MFA-023", "MFA-024"):
        assert P1_HINT in judged("no_p1")[control].detail, control
    for control in ("MFA-020", "MFA-022", "MFA-023", "MFA-024"):
        assert P1_HINT in judged("no_p1_defaults")[control].detail, control


def test_report_only_policies_that_would_pass_are_named_in_the_fail() -> None:
    details = judged("report_only")
    expected = {
        "MFA-019": "'Require MFA'",
        "MFA-020": "'Admins phishing-resistant'",
        "MFA-021": "'Block legacy'",
        "MFA-022": "'Risky sign-ins'",
        "MFA-023": "'Risky users'",
        "MFA-024": "'Protect registration'",
    }
    for control, name in expected.items():
        assert f"{name} is report-only since 2026-06-01 (183 days)" in details[control].detail, control
    assert "2 of them would have to do MFA if these were on: 'Require MFA' is report-only since" in (
        details["MFA-025"].detail
    )


def test_mfa019_warn_names_exclusions_and_not_break_glass() -> None:
    detail = judged("excludes_contractors")["MFA-019"].detail
    assert "excludes group 'Contractors' (contractors)" in detail
    assert "Break glass" not in detail
    assert "not strict" in judged("mfa_or_device")["MFA-019"].detail
    assert "exempts trusted locations (AllTrusted)" in judged("trusted_exempt")["MFA-019"].detail


def test_mfa019_fail_names_the_open_cells() -> None:
    detail = judged("modern_clients_only")["MFA-019"].detail
    assert "conditional (client_app:exchangeActiveSync, client_app:other)" in detail
    assert "or_alternative:Require MFA" in judged("mfa_or_terms")["MFA-019"].detail


def test_mfa019_synthetic_member_ignores_group_and_role_policies() -> None:
    # A policy on one group does not make "all users" covered.
    data = ca([policy(user_condition=users([], groups=["contractors"]))])
    result = judge_mfa019(ca_context(data, DIRECTORY, SETTINGS, NOW))
    assert result.status is Status.FAIL
    assert "not_required (no_policy)" in result.detail


def test_mfa025_counts_by_reason_and_names_users() -> None:
    directory = people(
        *[f"user{i:02d}" for i in range(12)], groups=[group("out", [f"user{i:02d}" for i in range(11)])]
    )
    data = ca([policy(user_condition=users(exclude_groups=["out"]))])
    result = judge_mfa025(ca_context(data, directory, CaSettings(), NOW))
    assert result.status is Status.FAIL
    assert result.detail.startswith(
        "11 of 12 enabled members can sign in with the password alone (excluded:P 11)"
    )
    assert result.detail.endswith("and 1 more.")
    assert result.evidence["requirements"]["not_required"] == 11


def test_mfa025_judges_members_only_guests_apart() -> None:
    directory = people("u", user("g", guest=True, external=True))
    data = ca([policy(user_condition=users(exclude=["GuestsOrExternalUsers"]))])
    assert judge_mfa025(ca_context(data, directory, CaSettings(), NOW)).status is Status.PASS


def test_missing_ca_data_is_not_applicable_with_the_reason() -> None:
    assert judged("old_snapshot")["MFA-021"].detail == NO_CA_DATA


def test_the_context_reuses_one_evaluation() -> None:
    context = ca_context(ca(baseline()), DIRECTORY, SETTINGS, NOW)
    first = context.requirement_report()
    judge_mfa025(context)
    assert context.requirement_report() is first
