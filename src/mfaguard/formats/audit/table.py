"""Terminal table (rich): findings grouped by status, most urgent first, and a summary line.

Readable without colour (every status is spelled out; ``NO_COLOR`` only removes colour) and in a
narrow terminal (below 80 columns each finding becomes a short stacked block instead of a table).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mfaguard.formats._common import (
    ACCEPTED_LABEL,
    ACTION,
    NOT_EVALUATED_HINT,
    STATUS_LABEL,
    STATUS_ORDER,
    accepted_count,
    count_label,
    display_groups,
    exception_notes,
    fleet_error,
    is_accepted,
    ok_reports,
    status_counts,
    tenant_label,
)
from mfaguard.model.report import AuditReport, Finding, Status, TenantResult

if TYPE_CHECKING:
    from rich.console import Console

    from mfaguard.formats.base import RenderOptions

NARROW = 80
"""Below this width the stacked layout is used."""

STATUS_STYLE: dict[Status, str] = {
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
    Status.WARN: "bold yellow",
    Status.PASS: "green",
    Status.NOT_APPLICABLE: "dim",
}
ACCEPTED_STYLE = "bold cyan"


def _style(status: Status | None) -> str:
    return ACCEPTED_STYLE if status is None else STATUS_STYLE[status]


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


def _group_table(
    status: Status | None, findings: Sequence[Finding], tenant_column: Sequence[str] | None
) -> object:
    """One group's table; the accepted group (``status`` None) also shows each finding's status."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
    if tenant_column is not None:
        table.add_column("Tenant", no_wrap=True)
    table.add_column("Control", no_wrap=True, style=_style(status))
    if status is None:
        table.add_column("Status", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Title", ratio=2)
    table.add_column("Detail", ratio=3, overflow="fold")
    for i, finding in enumerate(findings):
        cells = [finding.control_id, finding.severity.value, finding.title, _detail(finding)]
        if status is None:
            cells.insert(1, STATUS_LABEL[finding.status])
        if tenant_column is not None:
            cells.insert(0, tenant_column[i])
        table.add_row(*cells)
    return table


def _group_label(status: Status | None) -> str:
    return ACCEPTED_LABEL.upper() if status is None else STATUS_LABEL[status]


def _print_group(
    console: Console,
    status: Status | None,
    findings: Sequence[Finding],
    tenants: Sequence[str] | None = None,
) -> None:
    from rich.padding import Padding
    from rich.text import Text

    console.print(Text(f"{_group_label(status)} ({len(findings)})", style=_style(status)))
    if console.width >= NARROW:
        console.print(_group_table(status, findings, tenants))
        console.print()
        return
    for i, finding in enumerate(findings):
        head = Text()
        if tenants is not None:
            head.append(f"{tenants[i]}  ")
        head.append(finding.control_id, style=_style(status))
        if status is None:
            head.append(f"  {STATUS_LABEL[finding.status]}")
        head.append(f"  {finding.severity.value}  {finding.title}")
        console.print(Padding(head, (0, 0, 0, 2)))
        console.print(Padding(Text(_detail(finding)), (0, 0, 0, 4)))
    console.print()


def _summary(console: Console, report: AuditReport) -> None:
    from rich.text import Text

    line = Text("Summary: ", style="bold")
    line.append(count_label(report))
    _append_counts(line, report.findings)
    console.print(line)
    if report.summary()[Status.ERROR.value]:
        console.print(Text(NOT_EVALUATED_HINT, style="magenta"))


def _append_counts(line: object, findings: Sequence[Finding]) -> None:
    """``  FAIL 2 · accepted 1  ERROR 1  WARN 1  PASS 1  N/A 1``, each count in its status colour."""
    from rich.text import Text

    assert isinstance(line, Text)
    for status, n in status_counts(findings):
        line.append("  ")
        line.append(f"{STATUS_LABEL[status]} {n}", style=STATUS_STYLE[status] if n else "dim")
        if status is Status.FAIL:
            taken = accepted_count(findings)
            line.append(f" · {ACCEPTED_LABEL} {taken}", style=ACCEPTED_STYLE if taken else "dim")


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
    for status, findings in display_groups(report.findings):
        _print_group(console, status, findings)
    _summary(console, report)
    return _tidy(buffer.getvalue())


def render_fleet(results: Sequence[TenantResult], options: RenderOptions) -> str:
    """A tenant overview, then every FAIL/ERROR/WARN finding and every accepted risk with a tenant
    column."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console, buffer = _console(options)
    console.print(Text(f"mfaguard fleet audit: {len(results)} tenants", style="bold"))
    console.print()
    overview = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    overview.add_column("Tenant", no_wrap=True)
    overview.add_column("Read", no_wrap=True)
    for status in STATUS_ORDER:
        overview.add_column(STATUS_LABEL[status], justify="right", style=STATUS_STYLE[status])
        if status is Status.WARN:
            overview.add_column(ACCEPTED_LABEL.capitalize(), justify="right", style=ACCEPTED_STYLE)
    overview.add_column("Error", ratio=1, overflow="fold")
    for result in results:
        if result.status == "ok" and result.report is not None:
            counts = [str(n) for _, n in status_counts(result.report.findings)]
            counts.insert(3, str(accepted_count(result.report.findings)))
            overview.add_row(result.name, "ok", *counts, "")
        else:
            blanks = [""] * (len(STATUS_ORDER) + 1)
            overview.add_row(result.name, Text("error", style="bold red"), *blanks, fleet_error(result))
    console.print(overview)
    console.print()
    rows = [(r.name, f) for r, rep in ok_reports(results) for f in rep.findings]
    groups: list[tuple[Status | None, list[tuple[str, Finding]]]] = [
        (wanted, [(name, f) for name, f in rows if f.status is wanted and not is_accepted(f)])
        for wanted in ACTION
    ]
    groups.append((None, [(name, f) for name, f in rows if is_accepted(f)]))
    for group_status, group in groups:
        group.sort(key=lambda item: (-item[1].severity.rank, item[1].control_id, item[0]))
        if group:
            _print_group(console, group_status, [f for _, f in group], [name for name, _ in group])
    failed = sum(1 for r in results if r.status != "ok" or r.report is None)
    line = Text("Summary: ", style="bold")
    line.append(f"{len(results)} tenants ({failed} could not be read)")
    _append_counts(line, [f for _, f in rows])
    console.print(line)
    return _tidy(buffer.getvalue())
