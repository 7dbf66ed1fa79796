"""Terminal table (rich): findings grouped by status, most urgent first, and a summary line.

Readable without colour (every status is spelled out; ``NO_COLOR`` only removes colour) and in a
narrow terminal (below 80 columns each finding becomes a short stacked block instead of a table).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mfaguard.formats._common import (
    NOT_EVALUATED_HINT,
    STATUS_LABEL,
    count_label,
    exception_notes,
    fleet_error,
    group_by_status,
    ok_reports,
    summary_counts,
    tenant_label,
)
from mfaguard.model.report import AuditReport, Finding, Status, TenantResult

if TYPE_CHECKING:
    from rich.console import Console

    from mfaguard.formats import RenderOptions

NARROW = 80
"""Below this width the stacked layout is used."""

STATUS_STYLE: dict[Status, str] = {
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
    Status.WARN: "bold yellow",
    Status.PASS: "green",
    Status.NOT_APPLICABLE: "dim",
}


def _console(options: RenderOptions) -> tuple[Console, io.StringIO]:
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=max(options.width, 40),
        force_terminal=options.color,
        no_color=not options.color,
        color_system="standard" if options.color else None,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
        legacy_windows=False,
        # The caller decides colour and width; the environment (FORCE_COLOR, COLUMNS, TERM) must not.
        _environ={},
    )
    return console, buffer


def _tidy(text: str) -> str:
    # rich pads every cell to the column width; trailing blanks only add noise to logs and diffs.
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _detail(finding: Finding) -> str:
    lines = [finding.detail]
    if finding.resource:
        lines[0] = f"[{finding.resource}] {finding.detail}"
    lines += exception_notes(finding)
    return "\n".join(lines)


def _group_table(status: Status, findings: Sequence[Finding], tenant_column: Sequence[str] | None) -> object:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
    if tenant_column is not None:
        table.add_column("Tenant", no_wrap=True)
    table.add_column("Control", no_wrap=True, style=STATUS_STYLE[status])
    table.add_column("Severity", no_wrap=True)
    table.add_column("Title", ratio=2)
    table.add_column("Detail", ratio=3, overflow="fold")
    for i, finding in enumerate(findings):
        cells = [finding.control_id, finding.severity.value, finding.title, _detail(finding)]
        if tenant_column is not None:
            cells.insert(0, tenant_column[i])
        table.add_row(*cells)
    return table


def _print_group(
    console: Console,
    status: Status,
    findings: Sequence[Finding],
    tenants: Sequence[str] | None = None,
) -> None:
    from rich.padding import Padding
    from rich.text import Text

    console.print(Text(f"{STATUS_LABEL[status]} ({len(findings)})", style=STATUS_STYLE[status]))
    if console.width >= NARROW:
        console.print(_group_table(status, findings, tenants))
        console.print()
        return
    for i, finding in enumerate(findings):
        head = Text()
        if tenants is not None:
            head.append(f"{tenants[i]}  ")
        head.append(finding.control_id, style=STATUS_STYLE[status])
        head.append(f"  {finding.severity.value}  {finding.title}")
        console.print(Padding(head, (0, 0, 0, 2)))
        console.print(Padding(Text(_detail(finding)), (0, 0, 0, 4)))
    console.print()


def _summary(console: Console, report: AuditReport) -> None:
    from rich.text import Text

    line = Text("Summary: ", style="bold")
    line.append(count_label(report))
    for status, n in summary_counts(report):
        line.append("  ")
        line.append(f"{STATUS_LABEL[status]} {n}", style=STATUS_STYLE[status] if n else "dim")
    console.print(line)
    if report.summary()[Status.ERROR.value]:
        console.print(Text(NOT_EVALUATED_HINT, style="magenta"))


def _header(report: AuditReport) -> str:
    parts = [f"mfaguard audit: {tenant_label(report)}"]
    if report.captured_at:
        parts.append(f"captured {report.captured_at.isoformat()}")
    parts.append(f"Graph {report.api_version}")
    return " · ".join(parts)


def render(report: AuditReport, options: RenderOptions) -> str:
    """The table for one tenant."""
    from rich.text import Text

    console, buffer = _console(options)
    console.print(Text(_header(report), style="bold"))
    console.print()
    if not report.findings:
        console.print("No controls were evaluated.")
    for status, findings in group_by_status(report.findings):
        _print_group(console, status, findings)
    _summary(console, report)
    return _tidy(buffer.getvalue())


def render_fleet(results: Sequence[TenantResult], options: RenderOptions) -> str:
    """A tenant overview, then every FAIL/ERROR/WARN finding with a tenant column."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console, buffer = _console(options)
    console.print(Text(f"mfaguard fleet audit: {len(results)} tenants", style="bold"))
    console.print()
    overview = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    overview.add_column("Tenant", no_wrap=True)
    overview.add_column("Read", no_wrap=True)
    for status in (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS, Status.NOT_APPLICABLE):
        overview.add_column(STATUS_LABEL[status], justify="right", style=STATUS_STYLE[status])
    overview.add_column("Error", ratio=1, overflow="fold")
    for result in results:
        if result.status == "ok" and result.report is not None:
            counts = result.report.summary()
            overview.add_row(
                result.name,
                "ok",
                *(str(counts[s.value]) for s in (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS)),
                str(counts[Status.NOT_APPLICABLE.value]),
                "",
            )
        else:
            overview.add_row(
                result.name, Text("error", style="bold red"), "", "", "", "", "", fleet_error(result)
            )
    console.print(overview)
    console.print()
    rows = [(r.name, f) for r, rep in ok_reports(results) for f in rep.findings]
    for status in (Status.FAIL, Status.ERROR, Status.WARN):
        group = [(name, f) for name, f in rows if f.status is status]
        group.sort(key=lambda item: (-item[1].severity.rank, item[1].control_id, item[0]))
        if group:
            _print_group(console, status, [f for _, f in group], [name for name, _ in group])
    failed = sum(1 for r in results if r.status != "ok" or r.report is None)
    totals = {s: sum(1 for _, f in rows if f.status is s) for s in STATUS_LABEL}
    line = Text("Summary: ", style="bold")
    line.append(f"{len(results)} tenants ({failed} could not be read)")
    for status in (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS, Status.NOT_APPLICABLE):
        line.append("  ")
        line.append(
            f"{STATUS_LABEL[status]} {totals[status]}",
            style=STATUS_STYLE[status] if totals[status] else "dim",
        )
    console.print(line)
    return _tidy(buffer.getvalue())
