from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from mfaguard.audit.engine import audit, exception_notes, exit_code
from mfaguard.controls import CONTROLS, control_by_id
from mfaguard.controls.base import Control, Result
from mfaguard.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNFINISHED
from mfaguard.model.policy import TenantSnapshot
from mfaguard.model.report import ExceptionGrant, Severity, Status
from mfaguard.model.settings import AuditSettings
from mfaguard.read.snapshot_file import load_snapshot
from tests.controls.cases import BREAK_GLASS, CONTRACTORS, FIXTURES, PILOT

NOW = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)
SETTINGS = AuditSettings(break_glass_groups=(BREAK_GLASS,))


def snap(name: str) -> TenantSnapshot:
    return load_snapshot(FIXTURES / f"{name}.json")


def _boom(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    raise KeyError("includeTargets")


def test_a_control_that_raises_becomes_an_error_finding() -> None:
    broken = replace(control_by_id("MFA-006"), evaluate=_boom)
    report = audit(snap("compliant"), (CONTROLS[0], broken), settings=SETTINGS, now=NOW)
    first, second = report.findings
    assert first.status is Status.PASS
    assert second.status is Status.ERROR and second.control_id == "MFA-006"
    assert "KeyError" in second.detail and "bug in mfaguard" in second.detail


def test_a_control_that_returns_nothing_is_an_error() -> None:
    empty = replace(control_by_id("MFA-014"), evaluate=lambda s, c: [])
    (finding,) = audit(snap("compliant"), (empty,), settings=SETTINGS, now=NOW).findings
    assert finding.status is Status.ERROR


def test_audit_is_pure_and_deterministic() -> None:
    snapshot = snap("sms-enabled-all-users")
    assert audit(snapshot, settings=SETTINGS, now=NOW) == audit(snapshot, settings=SETTINGS, now=NOW)


def test_report_carries_snapshot_metadata_and_settings() -> None:
    report = audit(snap("groups-all-exist"), settings=SETTINGS, now=NOW)
    assert report.tenant_name == "contoso" and report.api_version == "beta"
    assert report.captured_at == datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
    assert report.generated_at == NOW
    assert report.settings["break_glass_groups"] == [BREAK_GLASS]
    document = report.to_json()
    # 15 policy controls PASS; the coverage controls (MFA-016..018) need directory data.
    assert document["summary"]["PASS"] == 15 and document["summary"]["NOT_APPLICABLE"] == 3
    assert document["summary"]["total"] == 18


def test_remediation_only_on_warn_and_fail() -> None:
    report = audit(snap("sms-enabled-all-users"), settings=SETTINGS, now=NOW)
    by_id = {f.control_id: f for f in report.findings}
    assert by_id["MFA-007"].remediation.startswith("Portal: ")
    assert (
        "PATCH https://graph.microsoft.com/beta/policies/authenticationMethodsPolicy"
        in by_id["MFA-007"].remediation
    )
    assert by_id["MFA-001"].remediation == ""
    assert by_id["MFA-007"].references[0] == "EIDSCA.AS04"


def grant(control: str, *, resource: str | None = None, expires: date | None = None) -> ExceptionGrant:
    return ExceptionGrant(
        control_id=control, reason="accepted", owner="secops", expires=expires, resource=resource
    )


def test_exception_is_attached_and_never_changes_status() -> None:
    settings = replace(SETTINGS, exceptions=(grant("MFA-007", expires=date(2026, 11, 28)),))
    report = audit(snap("sms-enabled-all-users"), settings=settings, now=NOW)
    (sms,) = [f for f in report.findings if f.control_id == "MFA-007"]
    assert sms.status is Status.FAIL and sms.exception is not None and sms.expired_exception is None
    assert exit_code(report) == EXIT_OK  # the only FAIL is covered (expiry day itself still applies)


def test_expired_exception_is_reported_not_applied() -> None:
    settings = replace(SETTINGS, exceptions=(grant("MFA-007", expires=date(2026, 11, 27)),))
    report = audit(snap("sms-enabled-all-users"), settings=settings, now=NOW)
    (sms,) = [f for f in report.findings if f.control_id == "MFA-007"]
    assert sms.exception is None and sms.expired_exception is not None
    assert sms.to_json()["expired_exception"]["expires"] == "2026-11-27"
    assert exit_code(report) == EXIT_FINDINGS


def test_resource_scoped_exception_covers_only_that_group() -> None:
    settings = replace(SETTINGS, exceptions=(grant("MFA-014", resource=CONTRACTORS.upper()),))
    report = audit(snap("exclusion-many-places"), settings=settings, now=NOW)
    covered = {f.resource: f.exception is not None for f in report.findings if f.control_id == "MFA-014"}
    assert covered[CONTRACTORS] is True and covered[PILOT] is False
    assert exit_code(report) == EXIT_FINDINGS


def test_exceptions_do_not_touch_pass_na_or_error() -> None:
    settings = replace(SETTINGS, exceptions=(grant("MFA-001"), grant("MFA-015"), grant("MFA-003")))
    report = audit(snap("authenticator-missing"), settings=settings, now=NOW)
    assert all(f.exception is None for f in report.findings)


def test_exit_codes_follow_fail_on_and_strict() -> None:
    low_fail = audit(snap("companion-app-enabled"), settings=SETTINGS, now=NOW)  # MFA-005 is low
    assert exit_code(low_fail) == EXIT_OK
    assert exit_code(low_fail, fail_on=Severity.LOW) == EXIT_FINDINGS
    warn_only = audit(snap("number-matching-disabled"), settings=SETTINGS, now=NOW)
    assert exit_code(warn_only, fail_on=Severity.INFO) == EXIT_OK
    error_only = audit(snap("authenticator-otp-absent"), settings=SETTINGS, now=NOW)
    assert exit_code(error_only) == EXIT_OK
    assert exit_code(error_only, strict=True) == EXIT_UNFINISHED
    both = audit(snap("authenticator-missing"), settings=SETTINGS, now=NOW)
    assert exit_code(both, strict=True) == EXIT_UNFINISHED
    high = audit(snap("sms-one-group"), settings=SETTINGS, now=NOW)  # medium FAIL
    assert exit_code(high, fail_on=Severity.HIGH) == EXIT_OK
    assert exit_code(high) == EXIT_FINDINGS


def test_controls_tuple_is_in_id_order() -> None:
    assert [c.id for c in CONTROLS] == [f"MFA-{i:03d}" for i in range(1, 19)]
    assert isinstance(CONTROLS[0], Control)


def test_exception_notes_flag_expired_and_unused_exceptions() -> None:
    used = grant("MFA-007")
    expired = grant("MFA-008", expires=date(2026, 1, 31))
    unused = grant("MFA-006")
    wrong_resource = grant("MFA-007", resource="not-a-resource")
    settings = replace(SETTINGS, exceptions=(used, expired, unused, wrong_resource))
    report = audit(snap("sms-enabled-all-users"), settings=settings, now=NOW)
    notes = exception_notes(report, settings.exceptions, NOW.date())
    assert len(notes) == 3
    assert "MFA-008 (owner secops) has expired and covers nothing" in notes[0]
    assert "MFA-006 (owner secops) covers no WARN or FAIL finding" in notes[1]
    assert "MFA-007 (not-a-resource)" in notes[2]
    voice = audit(snap("voice-enabled-all-users"), settings=settings, now=NOW)
    assert any(
        "expired on 2026-01-31; its finding counts again" in n
        for n in exception_notes(voice, settings.exceptions, NOW.date())
    )
