"""HTML: one self-contained page a manager can open offline.

Summary, an inline SVG chart of statuses (no JavaScript, no CDN, no external file), every finding with
its detail, rationale, remediation and exception. Rendered by Jinja2 with autoescaping on, so every
piece of tenant text is escaped; a Content-Security-Policy meta tag forbids scripts and network loads
as a second line of defence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from mfaguard import __version__
from mfaguard.formats._common import (
    STATUS_LABEL,
    STATUS_ORDER,
    fleet_error,
    ok_reports,
    sort_findings,
    summary_counts,
    tenant_label,
    utc_z,
)
from mfaguard.formats._meta import (
    control_doc_url,
    finding_remediation,
    rules_by_id,
)
from mfaguard.model.report import AuditReport, Finding, Status, TenantResult

if TYPE_CHECKING:
    from jinja2 import Environment

    from mfaguard.formats import RenderOptions

COLOR: dict[Status, str] = {
    Status.FAIL: "#b42318",
    Status.ERROR: "#7a2e98",
    Status.WARN: "#b54708",
    Status.PASS: "#067647",
    Status.NOT_APPLICABLE: "#98a2b3",
}
ACTION = (Status.FAIL, Status.ERROR, Status.WARN)

LABEL_WIDTH = 64
FLEET_LABEL_WIDTH = 160
PLOT_WIDTH = 300
ROW = 28


@dataclass(frozen=True, slots=True)
class Segment:
    x: float
    width: float
    color: str
    title: str


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    y: int
    value: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    bars: tuple[Bar, ...]
    label_width: int = LABEL_WIDTH
    plot_width: int = PLOT_WIDTH

    @property
    def width(self) -> int:
        return self.label_width + self.plot_width + 64

    @property
    def height(self) -> int:
        return max(len(self.bars) * ROW, ROW)


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_chart(counts: Sequence[tuple[Status, int]]) -> Chart:
    """One bar per status, length proportional to its count."""
    top = max((n for _, n in counts), default=0) or 1
    bars = []
    for i, (status, n) in enumerate(counts):
        width = round(PLOT_WIDTH * n / top, 1)
        segment = Segment(LABEL_WIDTH, width, COLOR[status], f"{STATUS_LABEL[status]}: {n}")
        bars.append(Bar(STATUS_LABEL[status], i * ROW, str(n), (segment,) if n else ()))
    title = "Findings by status: " + ", ".join(f"{n} {STATUS_LABEL[s]}" for s, n in counts)
    return Chart(title, tuple(bars))


def fleet_chart(reports: Sequence[tuple[str, AuditReport]]) -> Chart:
    """One stacked bar per tenant: the share of each status among its findings."""
    bars = []
    for i, (name, report) in enumerate(reports):
        counts = report.summary()
        total = counts["total"] or 1
        x = float(FLEET_LABEL_WIDTH)
        segments = []
        for status in STATUS_ORDER:
            n = counts[status.value]
            if n:
                width = round(PLOT_WIDTH * n / total, 1)
                segments.append(
                    Segment(round(x, 1), width, COLOR[status], f"{name}: {n} {STATUS_LABEL[status]}")
                )
                x += width
        bars.append(Bar(_short(name), i * ROW, f"{counts[Status.FAIL.value]} FAIL", tuple(segments)))
    return Chart("Share of statuses per tenant", tuple(bars), label_width=FLEET_LABEL_WIDTH)


def verdict(counts: dict[str, int], noun: str = "control", accepted: int = 0) -> str:
    """One sentence a manager reads first (``noun``: "control" for a tenant, "finding" for a fleet;
    ``accepted``: how many of the FAILs an exception covers)."""
    fail, error, warn = counts[Status.FAIL.value], counts[Status.ERROR.value], counts[Status.WARN.value]
    if counts["total"] == 0:
        return f"No {noun}s were evaluated."
    parts = []
    if fail:
        parts.append(f"{fail} {noun}{'s' if fail != 1 else ''} failed")
        if accepted:
            parts[-1] += f" ({accepted} accepted by exception)"
    if error:
        parts.append(f"{error} could not be evaluated")
    if warn:
        parts.append(f"{warn} need{'s' if warn == 1 else ''} a look")
    if not parts:
        passed, na = counts[Status.PASS.value], counts[Status.NOT_APPLICABLE.value]
        return f"All {passed} applicable {noun}s pass" + (f"; {na} not applicable." if na else ".")
    return "; ".join(parts).capitalize() + f" (of {counts['total']} {noun}s)."


_SAFE_URL = re.compile(r"https?://[^\s\"'<>]+\Z")


@cache
def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("mfaguard.formats", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["doc_url"] = control_doc_url
    env.filters["remediation"] = finding_remediation
    env.filters["slug"] = lambda text: re.sub(r"[^A-Za-z0-9_-]+", "-", str(text))
    # Only plain web links become <a href>; anything else (javascript:, data:) stays text.
    env.tests["safe_url"] = lambda text: bool(_SAFE_URL.match(str(text)))
    env.globals["labels"] = STATUS_LABEL
    env.globals["version"] = __version__
    return env


def _accepted(findings: Sequence[Finding]) -> int:
    return sum(1 for f in findings if f.status is Status.FAIL and f.exception is not None)


def render(report: AuditReport, options: RenderOptions) -> str:
    """The page for one tenant."""
    ordered = sort_findings(report.findings)
    counts = summary_counts(report)
    context: dict[str, Any] = {
        "report": report,
        "tenant_title": report.tenant_name or report.tenant_id or "unknown tenant",
        "captured_at": utc_z(report.captured_at) if report.captured_at else None,
        "generated_at": utc_z(report.generated_at) if report.generated_at else None,
        "counts": counts,
        "verdict": verdict(report.summary(), accepted=_accepted(report.findings)),
        "chart": status_chart(counts),
        "action": [f for f in ordered if f.status in ACTION],
        "quiet": [f for f in ordered if f.status not in ACTION],
        "rules": rules_by_id(report.findings, options.controls),
        "docs_url": options.docs_url,
    }
    return _environment().get_template("report.html.j2").render(context)


def render_fleet(results: Sequence[TenantResult], options: RenderOptions) -> str:
    """The page for a fleet: tenant table, stacked chart, and every FAIL/ERROR/WARN with its tenant."""
    readable = ok_reports(results)
    totals = {status.value: 0 for status in Status} | {"total": 0}
    action: list[tuple[str, Finding]] = []
    for result, report in readable:
        for key, n in report.summary().items():
            totals[key] += n
        action += [(result.name, f) for f in sort_findings(report.findings) if f.status in ACTION]
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    action.sort(key=lambda item: (rank[item[1].status], -item[1].severity.rank, item[1].control_id, item[0]))
    tenants = [
        {
            "name": r.name,
            "label": tenant_label(r.report) if r.report else r.name,
            "summary": r.report.summary() if r.status == "ok" and r.report is not None else None,
            "error": None if r.status == "ok" and r.report is not None else fleet_error(r),
        }
        for r in results
    ]
    generated = max((rep.generated_at for _, rep in readable if rep.generated_at), default=None)
    context: dict[str, Any] = {
        "tenants": tenants,
        "unread": sum(1 for t in tenants if t["summary"] is None),
        "counts": [(s, totals[s.value]) for s in STATUS_ORDER],
        "verdict": verdict(totals, "finding", sum(_accepted(rep.findings) for _, rep in readable)),
        "chart": fleet_chart([(r.name, rep) for r, rep in readable]),
        "action": action,
        "rules": rules_by_id([f for _, rep in readable for f in rep.findings], options.controls),
        "generated_at": utc_z(generated) if generated else None,
        "docs_url": options.docs_url,
    }
    return _environment().get_template("fleet.html.j2").render(context)
