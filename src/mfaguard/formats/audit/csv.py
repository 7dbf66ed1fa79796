"""CSV audit report: one row per finding, stable columns, RFC 4180 (CRLF line ends, quotes only where needed).

Columns are only ever appended, never renamed or reordered, so spreadsheets and scripts keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mfaguard.formats._common import fleet_error, grant_text, is_accepted
from mfaguard.formats.csv import csv_text
from mfaguard.model.report import AuditReport, ExceptionGrant, Finding, TenantResult

if TYPE_CHECKING:
    from mfaguard.formats.base import RenderOptions

COLUMNS: tuple[str, ...] = (
    "tenant_id",
    "tenant_name",
    "captured_at",
    "control_id",
    "title",
    "status",
    "severity",
    "resource",
    "detail",
    "references",
    "remediation",
    "exception_reason",
    "exception_owner",
    "exception_expires",
    "expired_exception",
    "accepted",
)
"""Single-tenant columns (``references`` are joined with ``; ``; ``accepted`` is ``yes`` for a finding
an exception covers — its ``status`` stays what the control found)."""

FLEET_COLUMNS: tuple[str, ...] = ("tenant", "tenant_status", "tenant_error", *COLUMNS)
"""Fleet columns: the fleet's tenant name and whether it could be read come first."""


def _grant(grant: ExceptionGrant | None) -> list[str]:
    if grant is None:
        return ["", "", ""]
    return [grant.reason, grant.owner, grant.expires.isoformat() if grant.expires else ""]


def _row(report: AuditReport, finding: Finding) -> list[str]:
    expired = finding.expired_exception
    return [
        report.tenant_id or "",
        report.tenant_name or "",
        report.captured_at.isoformat() if report.captured_at else "",
        finding.control_id,
        finding.title,
        finding.status.value,
        finding.severity.value,
        finding.resource or "",
        finding.detail,
        "; ".join(finding.references),
        finding.remediation,
        *_grant(finding.exception),
        grant_text(expired) if expired else "",
        "yes" if is_accepted(finding) else "",
    ]


def render(report: AuditReport, options: RenderOptions) -> str:
    """Header plus one row per finding, in report order."""
    return csv_text(COLUMNS, [_row(report, f) for f in report.findings])


def render_fleet(results: Sequence[TenantResult], options: RenderOptions) -> str:
    """One row per finding per tenant; a tenant that could not be read gets one row with its error."""
    rows: list[list[str]] = []
    for result in results:
        if result.status == "ok" and result.report is not None:
            rows.extend([result.name, "ok", "", *_row(result.report, f)] for f in result.report.findings)
        else:
            rows.append([result.name, "error", fleet_error(result), *([""] * len(COLUMNS))])
    return csv_text(FLEET_COLUMNS, rows)
