"""The audit engine: run controls over a snapshot and build the report. Pure: no I/O, and no clock
unless the caller leaves ``now`` out.

A control that raises becomes an ERROR finding naming the bug (never a crash, never a silent PASS).
Exceptions (accepted risks) from the settings are attached to the WARN/FAIL findings they cover; they
never change a status. An expired exception is shown on the finding and not applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

from mfaguard.controls import CONTROLS
from mfaguard.controls.base import Control, Result
from mfaguard.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNFINISHED
from mfaguard.model.policy import TenantSnapshot
from mfaguard.model.report import AuditReport, ExceptionGrant, Finding, Severity, Status
from mfaguard.model.settings import AuditSettings

__all__ = ["DEFAULT_FAIL_ON", "apply_exceptions", "audit", "exception_notes", "exit_code", "run_control"]

DEFAULT_FAIL_ON = Severity.MEDIUM

# Exceptions accept the risk of a finding that is not clean; PASS, N/A and ERROR are left alone
# (an exception must never hide that a control could not be evaluated).
_EXCEPTABLE = frozenset({Status.WARN, Status.FAIL})
_REMEDIABLE = frozenset({Status.WARN, Status.FAIL})


def run_control(control: Control, snapshot: TenantSnapshot, settings: AuditSettings) -> tuple[Result, ...]:
    """The control's results; a raised exception or an empty answer becomes one ERROR result."""
    try:
        results = control.results(snapshot, settings)
    except Exception as exc:  # a bug in a control must not stop the audit or look like a PASS
        return (
            Result(
                Status.ERROR,
                f"{control.id} failed with {type(exc).__name__}: {exc}. This is a bug in mfaguard; "
                "please report it (with the snapshot, minus anything sensitive).",
                evidence={"exception": type(exc).__name__},
            ),
        )
    if not results:
        return (Result(Status.ERROR, f"{control.id} returned no verdict. This is a bug in mfaguard."),)
    return results


def _finding(control: Control, result: Result) -> Finding:
    return Finding(
        control_id=control.id,
        title=control.title,
        status=result.status,
        severity=result.severity or control.severity,
        detail=result.detail,
        references=tuple(ref.id for ref in control.references),
        remediation=control.remediation.text() if result.status in _REMEDIABLE else "",
        resource=result.resource,
        evidence=dict(result.evidence),
    )


def _matches(grant: ExceptionGrant, finding: Finding) -> bool:
    if grant.control_id.upper() != finding.control_id:
        return False
    if grant.resource is None:
        return True
    return finding.resource is not None and grant.resource.lower() == finding.resource.lower()


def apply_exceptions(finding: Finding, grants: Sequence[ExceptionGrant], today: date) -> Finding:
    """Attach the best matching exception (resource-specific first); expired ones are only shown."""
    if finding.status not in _EXCEPTABLE:
        return finding
    matching = sorted(
        (g for g in grants if _matches(g, finding)),
        key=lambda g: g.resource is None,  # resource-specific before control-wide
    )
    active = next((g for g in matching if not g.is_expired(today)), None)
    if active is not None:
        return replace(finding, exception=active)
    expired = next(iter(matching), None)
    if expired is not None:
        return replace(finding, expired_exception=expired)
    return finding


def audit(
    snapshot: TenantSnapshot,
    controls: Sequence[Control] = CONTROLS,
    *,
    settings: AuditSettings | None = None,
    now: datetime | None = None,
) -> AuditReport:
    """Judge ``snapshot`` with ``controls`` (default: every registered control) and ``settings``
    (default: none — no break-glass groups, no exceptions); ``now`` (default: the current time) is the
    report's time and decides which exceptions have expired (UTC date)."""
    settings = AuditSettings() if settings is None else settings
    now = datetime.now(UTC) if now is None else now
    today = now.astimezone(UTC).date() if now.tzinfo else now.date()
    findings: list[Finding] = []
    for control in controls:
        for result in run_control(control, snapshot, settings):
            findings.append(apply_exceptions(_finding(control, result), settings.exceptions, today))
    return AuditReport(
        tenant_id=snapshot.tenant.id,
        tenant_name=snapshot.tenant.name,
        captured_at=snapshot.captured_at,
        api_version=snapshot.api_version.value,
        findings=tuple(findings),
        generated_at=now,
        settings=settings.to_json(),
    )


def exit_code(
    report: AuditReport,
    *,
    fail_on: Severity = DEFAULT_FAIL_ON,
    strict: bool = False,
    unfinished: bool = False,
) -> int:
    """DESIGN §4, the one rule: 3 when the read was ``unfinished`` or, with ``strict``, any ERROR; else 1
    for an uncovered FAIL at or above ``fail_on``; else 0."""
    if unfinished or (strict and any(f.status is Status.ERROR for f in report.findings)):
        return EXIT_UNFINISHED
    if report.failing(fail_on):
        return EXIT_FINDINGS
    return EXIT_OK


def exception_notes(report: AuditReport, grants: Sequence[ExceptionGrant], today: date) -> tuple[str, ...]:
    """One line per exception that needs the owner's attention: expired, or covering nothing.

    A stale exception is a risk of its own: it silently accepts whatever the control finds next.
    """
    notes: list[str] = []
    for grant in grants:
        scope = f"{grant.control_id}" + (f" ({grant.resource})" if grant.resource else "")
        applied = any(f.exception is grant for f in report.findings)
        if grant.is_expired(today):
            if any(f.expired_exception is grant for f in report.findings):
                notes.append(
                    f"the exception for {scope} (owner {grant.owner}) expired on "
                    f"{grant.expires.isoformat() if grant.expires else '?'}; its finding counts again"
                )
            else:
                notes.append(
                    f"the exception for {scope} (owner {grant.owner}) has expired and covers nothing"
                )
        elif not applied and not any(_matches(grant, f) and f.status in _EXCEPTABLE for f in report.findings):
            notes.append(
                f"the exception for {scope} (owner {grant.owner}) covers no WARN or FAIL finding; "
                "remove it if the risk is gone"
            )
    return tuple(notes)
