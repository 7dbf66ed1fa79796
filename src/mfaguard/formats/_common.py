"""Small helpers shared by the renderers: status order and labels, sorting, exception notes.

Accepted risks (WARN/FAIL findings an exception covers) keep their status — in the JSON findings,
the CSV ``status`` column, the exit code — but every human-facing format shows them as their own
group and count, after WARN: ``FAIL 11 · accepted 1`` (as ScubaGear's "omitted" does). The status
groups and counts here therefore leave them out, and :func:`accepted` lists them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from mfaguard.model.report import AuditReport, ExceptionGrant, Finding, Status, TenantResult

STATUS_ORDER: tuple[Status, ...] = (
    Status.FAIL,
    Status.ERROR,
    Status.WARN,
    Status.PASS,
    Status.NOT_APPLICABLE,
)
"""Most urgent first: what people act on comes before what is fine."""

_STATUS_RANK = {status: i for i, status in enumerate(STATUS_ORDER)}

STATUS_LABEL: dict[Status, str] = {
    Status.FAIL: "FAIL",
    Status.ERROR: "ERROR",
    Status.WARN: "WARN",
    Status.PASS: "PASS",
    Status.NOT_APPLICABLE: "N/A",
}

NOT_EVALUATED_HINT = "ERROR means the control could not be evaluated; it is not a pass."

ACCEPTED_LABEL = "accepted"
"""The display group (and count) of findings an exception covers."""

ACTION: tuple[Status, ...] = (Status.FAIL, Status.ERROR, Status.WARN)
"""The statuses someone has to act on — listed first, reported by SARIF, the columns before the accepted risks."""


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings by status (FAIL first), then severity (most severe first), then control ID."""
    return sorted(findings, key=lambda f: (_STATUS_RANK[f.status], -f.severity.rank, f.control_id))


def is_accepted(finding: Finding) -> bool:
    """An exception covers it (only WARN and FAIL findings carry one): an accepted risk."""
    return finding.exception is not None


def group_by_status(findings: Iterable[Finding]) -> list[tuple[Status, list[Finding]]]:
    """Non-empty groups in :data:`STATUS_ORDER`, each sorted by severity then control ID; accepted
    findings are left out (they are their own group: :func:`accepted`)."""
    ordered = [f for f in sort_findings(findings) if not is_accepted(f)]
    return [
        (s, [f for f in ordered if f.status is s])
        for s in STATUS_ORDER
        if any(f.status is s for f in ordered)
    ]


def accepted(findings: Iterable[Finding]) -> list[Finding]:
    """The accepted findings, in the same order as a status group."""
    return [f for f in sort_findings(findings) if is_accepted(f)]


def display_groups(findings: Iterable[Finding]) -> list[tuple[Status | None, list[Finding]]]:
    """The non-empty groups people read: FAIL, ERROR, WARN, then the accepted risks (``None``), then
    PASS and N/A."""
    items = list(findings)
    groups: list[tuple[Status | None, list[Finding]]] = list(group_by_status(items))
    taken = accepted(items)
    if taken:
        at = next(
            (i for i, (s, _) in enumerate(groups) if s in (Status.PASS, Status.NOT_APPLICABLE)), len(groups)
        )
        groups.insert(at, (None, taken))
    return groups


def grant_text(grant: ExceptionGrant) -> str:
    """``reason (owner: X, expires 2027-03-31)``."""
    expires = f", expires {grant.expires.isoformat()}" if grant.expires else ", no expiry"
    return f"{grant.reason} (owner: {grant.owner}{expires})"


def exception_notes(finding: Finding) -> list[str]:
    """Sentences about the finding's exception and expired exception (empty when there are none)."""
    notes = []
    if finding.exception is not None:
        notes.append(f"Accepted risk: {grant_text(finding.exception)}.")
    if finding.expired_exception is not None:
        notes.append(f"Expired exception, not applied: {grant_text(finding.expired_exception)}.")
    return notes


def summary_counts(report: AuditReport) -> list[tuple[Status, int]]:
    """(status, count) in :data:`STATUS_ORDER`, zeros included; accepted findings are not counted
    under their status here (:func:`accepted_count`)."""
    return status_counts(report.findings)


def status_counts(findings: Iterable[Finding]) -> list[tuple[Status, int]]:
    """(status, count of the findings that are not accepted) in :data:`STATUS_ORDER`."""
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for finding in findings:
        if not is_accepted(finding):
            counts[finding.status] += 1
    return list(counts.items())


def accepted_count(findings: Iterable[Finding]) -> int:
    return sum(1 for f in findings if is_accepted(f))


def tally(findings: Sequence[Finding]) -> list[str]:
    """``["FAIL 11 · accepted 1", "ERROR 0", "WARN 1", "PASS 3", "N/A 3"]``: the counts as people
    read them, accepted findings beside the FAIL count."""
    parts = [f"{STATUS_LABEL[s]} {n}" for s, n in status_counts(findings)]
    parts[0] += f" · {ACCEPTED_LABEL} {accepted_count(findings)}"
    return parts


def count_label(report: AuditReport) -> str:
    """``15 controls``, or ``16 findings from 15 controls`` when a control reports several resources."""
    total = len(report.findings)
    controls = len({f.control_id for f in report.findings})
    noun = "control" if controls == 1 else "controls"
    if total == controls:
        return f"{controls} {noun}"
    return f"{total} findings from {controls} {noun}"


def summary_line(report: AuditReport) -> str:
    """``15 controls: 3 FAIL · 1 accepted, 1 ERROR, 2 WARN, 8 PASS, 1 N/A`` (zero counts left out)."""
    taken = accepted_count(report.findings)
    parts: list[str] = []
    for status, n in summary_counts(report):
        texts = [f"{n} {STATUS_LABEL[status]}"] if n else []
        if status is Status.FAIL and taken:
            texts.append(f"{taken} {ACCEPTED_LABEL}")
        if texts:
            parts.append(" · ".join(texts))
    if not parts:
        return f"{count_label(report)} evaluated"
    return f"{count_label(report)}: {', '.join(parts)}"


def tenant_label(report: AuditReport) -> str:
    """The tenant's name and ID, whichever are known."""
    if report.tenant_name and report.tenant_id:
        return f"{report.tenant_name} ({report.tenant_id})"
    return report.tenant_name or report.tenant_id or "unknown tenant"


def ok_reports(results: Sequence[TenantResult]) -> list[tuple[TenantResult, AuditReport]]:
    """The tenants that produced a report."""
    return [(r, r.report) for r in results if r.status == "ok" and r.report is not None]


def fleet_error(result: TenantResult) -> str:
    """The error text of a tenant that could not be audited (never empty)."""
    return result.error or "no report was produced for this tenant"


def fenced(text: str, info: str = "text") -> str:
    """``text`` in a Markdown code fence longer than any backtick run inside it (nothing can escape)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive datetime is taken to be UTC already)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_z(moment: datetime) -> str:
    """``2026-11-02T08:31:05Z`` (SARIF and HTML timestamps)."""
    return utc(moment).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
