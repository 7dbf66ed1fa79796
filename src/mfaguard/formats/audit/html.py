"""HTML: one self-contained page a manager can open offline.

Summary, an inline SVG chart of statuses (no JavaScript, no CDN, no external file), every finding with
its detail, rationale, remediation and exception; accepted risks (findings an exception covers) are
their own count, chart bar and section, and keep their status badge. Rendered by Jinja2 with autoescaping on, so every
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
    ACCEPTED_LABEL,
    ACTION,
    STATUS_LABEL,
    STATUS_ORDER,
    accepted,
    accepted_count,
    fleet_error,
    is_accepted,
    ok_reports,
    sort_findings,
    status_counts,
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

    from mfaguard.formats.base import RenderOptions

COLOR: dict[Status, str] = {
    Status.FAIL: "#b42318",
    Status.ERROR: "#7a2e98",
    Status.WARN: "#b54708",
    Status.PASS: "#067647",
    Status.NOT_APPLICABLE: "#98a2b3",
}
ACCEPTED_COLOR = "#0e7090"


@dataclass(frozen=True, slots=True)
class Count:
    """One count of the summary: a status (accepted findings left out) or the accepted risks."""

    key: str
    """CSS suffix: the status value, or ``accepted``."""
    label: str
    n: int
    color: str


def display_counts(findings: Sequence[Finding]) -> list[Count]:
    """FAIL, ERROR, WARN, accepted, PASS, N/A — what the page shows, in that order."""
    counts = [Count(s.value, STATUS_LABEL[s], n, COLOR[s]) for s, n in status_counts(findings)]
    at = STATUS_ORDER.index(Status.WARN) + 1
    counts.insert(at, Count(ACCEPTED_LABEL, ACCEPTED_LABEL, accepted_count(findings), ACCEPTED_COLOR))
    return counts


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


def status_chart(counts: Sequence[Count]) -> Chart:
    """One bar per count, length proportional to it."""
    top = max((c.n for c in counts), default=0) or 1
    bars = []
    for i, count in enumerate(counts):
        width = round(PLOT_WIDTH * count.n / top, 1)
        segment = Segment(LABEL_WIDTH, width, count.color, f"{count.label}: {count.n}")
        bars.append(Bar(count.label, i * ROW, str(count.n), (segment,) if count.n else ()))
    title = "Findings by status: " + ", ".join(f"{c.n} {c.label}" for c in counts)
    return Chart(title, tuple(bars))


def fleet_chart(reports: Sequence[tuple[str, AuditReport]]) -> Chart:
    """One stacked bar per tenant: the share of each status (and of accepted risks) among its findings."""
    bars = []
    for i, (name, report) in enumerate(reports):
        counts = display_counts(report.findings)
        total = len(report.findings) or 1
        x = float(FLEET_LABEL_WIDTH)
        segments = []
        for count in counts:
            if count.n:
                width = round(PLOT_WIDTH * count.n / total, 1)
                segments.append(Segment(round(x, 1), width, count.color, f"{name}: {count.n} {count.label}"))
                x += width
        bars.append(Bar(_short(name), i * ROW, f"{counts[0].n} FAIL", tuple(segments)))
    return Chart("Share of statuses per tenant", tuple(bars), label_width=FLEET_LABEL_WIDTH)


def verdict(counts: Sequence[Count], noun: str = "control") -> str:
    """One sentence a manager reads first (``noun``: "control" for a tenant, "finding" for a fleet)."""
    n = {c.key: c.n for c in counts}
    fail, error, warn = n[Status.FAIL.value], n[Status.ERROR.value], n[Status.WARN.value]
    taken, total = n[ACCEPTED_LABEL], sum(n.values())
    if total == 0:
        return f"No {noun}s were evaluated."
    parts = []
    if fail:
        parts.append(f"{fail} {noun}{'s' if fail != 1 else ''} failed")
    if error:
        parts.append(f"{error} could not be evaluated")
    if warn:
        parts.append(f"{warn} need{'s' if warn == 1 else ''} a look")
    if taken:
        parts.append(f"{taken} {'is an' if taken == 1 else 'are'} accepted risk{'s' if taken != 1 else ''}")
    if not fail and not error and not warn:
        passed, na = n[Status.PASS.value], n[Status.NOT_APPLICABLE.value]
        text = f"All {passed} applicable {noun}s pass" + (f"; {na} not applicable" if na else "")
        return text + (f"; {parts[-1]}." if taken else ".")
    return "; ".join(parts).capitalize() + f" (of {total} {noun}s)."


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


def render(report: AuditReport, options: RenderOptions) -> str:
    """The page for one tenant."""
    ordered = sort_findings(report.findings)
    counts = display_counts(report.findings)
    context: dict[str, Any] = {
        "report": report,
        "tenant_title": report.tenant_name or report.tenant_id or "unknown tenant",
        "captured_at": utc_z(report.captured_at) if report.captured_at else None,
        "generated_at": utc_z(report.generated_at) if report.generated_at else None,
        "counts": counts,
        "verdict": verdict(counts),
        "chart": status_chart(counts),
        "action": [f for f in ordered if f.status in ACTION and not is_accepted(f)],
        "accepted": accepted(report.findings),
        "quiet": [f for f in ordered if f.status not in ACTION],
        "rules": rules_by_id(report.findings, options.controls),
        "docs_url": options.docs_url,
    }
    return _environment().get_template("report.html.j2").render(context)


def render_fleet(results: Sequence[TenantResult], options: RenderOptions) -> str:
    """The page for a fleet: tenant table, stacked chart, and every FAIL/ERROR/WARN with its tenant."""
    readable = ok_reports(results)
    everything: list[Finding] = []
    action: list[tuple[str, Finding]] = []
    taken: list[tuple[str, Finding]] = []
    for result, report in readable:
        everything += report.findings
        action += [
            (result.name, f)
            for f in sort_findings(report.findings)
            if f.status in ACTION and not is_accepted(f)
        ]
        taken += [(result.name, f) for f in accepted(report.findings)]
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    action.sort(key=lambda item: (rank[item[1].status], -item[1].severity.rank, item[1].control_id, item[0]))
    tenants = [
        {
            "name": r.name,
            "label": tenant_label(r.report) if r.report else r.name,
            "counts": display_counts(r.report.findings)
            if r.status == "ok" and r.report is not None
            else None,
            "error": None if r.status == "ok" and r.report is not None else fleet_error(r),
        }
        for r in results
    ]
    generated = max((rep.generated_at for _, rep in readable if rep.generated_at), default=None)
    counts = display_counts(everything)
    context: dict[str, Any] = {
        "tenants": tenants,
        "unread": sum(1 for t in tenants if t["counts"] is None),
        "counts": counts,
        "verdict": verdict(counts, "finding"),
        "chart": fleet_chart([(r.name, rep) for r, rep in readable]),
        "action": action,
        "accepted": taken,
        "rules": rules_by_id([f for _, rep in readable for f in rep.findings], options.controls),
        "generated_at": utc_z(generated) if generated else None,
        "docs_url": options.docs_url,
    }
    return _environment().get_template("fleet.html.j2").render(context)
