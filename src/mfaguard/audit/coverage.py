"""One coverage run over a snapshot with directory data: the per-user report and MFA-016..018.

Pure (``now`` is passed in); shared by ``mfaguard coverage``, ``explain`` and anything that wants
both the levels and the coverage controls' findings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mfaguard.coverage.evaluate import CoverageReport, evaluate_coverage
from mfaguard.model.directory import Level
from mfaguard.model.policy import TenantSnapshot
from mfaguard.model.report import AuditReport
from mfaguard.model.settings import AuditSettings


def judge_coverage(
    snapshot: TenantSnapshot, settings: AuditSettings, *, now: datetime
) -> tuple[CoverageReport, AuditReport]:
    """The coverage report and the findings of the coverage controls for ``snapshot``."""
    from mfaguard.audit.engine import audit
    from mfaguard.controls import CONTROLS, COVERAGE_CONTROL_IDS
    from mfaguard.controls._coverage import coverage_report

    controls = tuple(c for c in CONTROLS if c.id in COVERAGE_CONTROL_IDS)
    findings = audit(snapshot, controls, settings=settings, now=now)
    report = coverage_report(snapshot, settings)  # cached: the controls computed it already
    if not isinstance(report, CoverageReport):
        if snapshot.directory is None:
            raise ValueError("judge_coverage needs a snapshot with directory data")
        # Registration unreadable: the report still carries the guests and what could not be read.
        report = evaluate_coverage(
            snapshot.policy,
            snapshot.directory,
            tenant=snapshot.tenant,
            number_matching_mode=settings.number_matching,
        )
    return report, findings


def stored_coverage(report: CoverageReport, threshold: Level, *, captured_at: datetime) -> dict[str, Any]:
    """What the history store keeps of a coverage run (``Store.save_coverage`` keyword arguments):
    the counts per level (all members, admins) and the members below ``threshold``."""
    return {
        "total_users": len(report.users),
        "levels": report.level_counts(),
        "admins": report.level_counts(admins_only=True),
        "below_threshold": [
            {"user": u.user_principal_name, "level": u.level.value, "admin": u.is_admin}
            for u in report.below(threshold)
        ],
        "captured_at": captured_at,
    }
