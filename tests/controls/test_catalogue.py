"""Table-driven: every fixture situation gives the statuses of DESIGN §3 for all 15 controls."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest

from mfaguard.audit.engine import audit
from mfaguard.model.report import AuditReport, Severity, Status
from mfaguard.read.snapshot_file import load_snapshot
from tests.controls.cases import CASES, CONTRACTORS, PILOT, SETTINGS, Case, expected_statuses

NOW = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)


def run(case: Case) -> AuditReport:
    return audit(load_snapshot(case.path), settings=SETTINGS[case.settings], now=NOW)


def statuses(report: AuditReport) -> dict[str, Status | tuple[Status, ...]]:
    grouped: dict[str, list[Status]] = defaultdict(list)
    for finding in report.findings:
        grouped[finding.control_id].append(finding.status)
    return {k: v[0] if len(v) == 1 else tuple(sorted(v)) for k, v in grouped.items()}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_statuses(case: Case) -> None:
    assert statuses(run(case)) == expected_statuses(case)


def test_every_fixture_file_is_used() -> None:
    used = {case.path for case in CASES}
    on_disk = set(CASES[0].path.parent.glob("*.json"))
    assert on_disk == used


def _finding(fixture: str, control_id: str, settings: str = "default") -> list[str]:
    report = run(Case(fixture, settings=settings))
    return [f.detail for f in report.findings if f.control_id == control_id]


def _one(fixture: str, control_id: str, settings: str = "default") -> tuple[Severity, str]:
    report = run(Case(fixture, settings=settings))
    (found,) = [f for f in report.findings if f.control_id == control_id]
    return found.severity, found.detail


def test_sms_severity_depends_on_scope() -> None:
    severity, detail = _one("sms-enabled-all-users", "MFA-007")
    assert severity is Severity.HIGH
    assert "all_users" in detail and "isUsableForSignIn" in detail
    severity, detail = _one("sms-one-group", "MFA-007")
    assert severity is Severity.MEDIUM
    assert PILOT in detail and "isUsableForSignIn" not in detail


def test_voice_severity_and_office_phones() -> None:
    severity, detail = _one("voice-enabled-all-users", "MFA-008")
    assert severity is Severity.HIGH and "isOfficePhoneAllowed" in detail
    assert _one("voice-one-group", "MFA-008")[0] is Severity.MEDIUM


@pytest.mark.parametrize(
    ("fixture", "control_id", "settings", "needle"),
    [
        ("authenticator-state-unknown", "MFA-001", "default", "'unknownFutureValue'"),
        ("number-matching-unknown-value", "MFA-002", "default", "'unknownFutureValue'"),
        ("number-matching-disabled", "MFA-002", "default", "stale value"),
        ("number-matching-absent", "MFA-002", "default", "absent"),
        ("number-matching-default", "MFA-002", "configurable", "'default'"),
        ("v1-beta-fields-absent", "MFA-002", "configurable", "v1.0"),
        ("app-name-default", "MFA-003", "default", "'default'"),
        ("app-name-group-only", "MFA-003", "default", PILOT),
        ("location-unknown-value", "MFA-004", "default", "'unknownFutureValue'"),
        ("companion-app-absent", "MFA-005", "default", "2023-06-26"),
        ("v1-beta-fields-absent", "MFA-005", "default", "beta"),
        ("sms-state-unknown", "MFA-007", "default", "'unknownFutureValue'"),
        ("email-members", "MFA-009", "default", "all_users"),
        ("report-suspicious-default", "MFA-010", "default", "'default'"),
        ("system-preferred-default", "MFA-011", "default", "'default'"),
        ("migration-pre-migration", "MFA-013", "default", "'preMigration'"),
        ("migration-unknown-value", "MFA-013", "default", "'unknownFutureValue'"),
        ("authenticator-missing", "MFA-003", "default", "missing"),
        ("authenticator-disabled", "MFA-004", "default", "disabled"),
    ],
)
def test_details_name_the_value_seen(fixture: str, control_id: str, settings: str, needle: str) -> None:
    (detail,) = _finding(fixture, control_id, settings)
    assert needle in detail


def test_exclusion_finding_names_every_place_and_scopes_to_the_group() -> None:
    report = run(Case("exclusion-many-places"))
    findings = {f.resource: f for f in report.findings if f.control_id == "MFA-014"}
    assert set(findings) == {CONTRACTORS, PILOT, "0e4c5d6f-0000-4000-8000-0000000000e1"}
    contractors = findings[CONTRACTORS].detail
    assert "MicrosoftAuthenticator excludeTargets" in contractors
    assert "displayLocationInformationRequiredState.excludeTarget" in contractors
    assert "systemCredentialPreferences.excludeTargets" in findings[PILOT].detail
    assert findings["0e4c5d6f-0000-4000-8000-0000000000e1"].detail.startswith("The user ")


def test_deleted_group_finding_names_places() -> None:
    report = run(Case("groups-deleted"))
    (finding,) = [f for f in report.findings if f.control_id == "MFA-015"]
    assert finding.resource == PILOT
    assert "Fido2 includeTargets" in finding.detail
    assert "systemCredentialPreferences.includeTargets" in finding.detail


def test_group_names_appear_when_directory_data_is_present() -> None:
    report = audit(load_snapshot(Case("groups-all-exist").path), settings=SETTINGS["no-break-glass"], now=NOW)
    details = " ".join(f.detail for f in report.findings if f.control_id == "MFA-014")
    assert "(Break glass accounts)" in details
