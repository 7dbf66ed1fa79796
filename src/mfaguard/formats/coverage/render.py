"""Coverage and explain renderers: table (rich), JSON (DESIGN §9), CSV, HTML (with a chart); explain as
text or JSON. Pure text builders, registered in :mod:`mfaguard.formats.coverage`."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mfaguard.coverage.evaluate import CoverageReport, Explanation, UserCoverage
from mfaguard.model.directory import LEVELS, Level
from mfaguard.model.report import Finding

if TYPE_CHECKING:
    from rich.console import Console

    from mfaguard.formats.base import RenderOptions
    from mfaguard.formats.coverage import CoverageDocument

TABLE_ROWS = 50
"""Users listed by the table format; the other formats list everyone."""

_LEVEL_COLOURS = {
    Level.PHISHING_RESISTANT: "#1a7f37",
    Level.PUSH_WITH_CONTEXT: "#2da44e",
    Level.PUSH: "#bf8700",
    Level.OTP: "#d4a72c",
    Level.PHONE_ONLY: "#cf222e",
    Level.NONE: "#82071e",
}


def render_json(doc: CoverageDocument, options: RenderOptions) -> str:
    """The DESIGN §9 document, with the coverage controls' findings."""
    document = doc.report.to_json(below=doc.below)
    document["findings"] = [f.to_json() for f in doc.findings]
    return json.dumps(document, indent=2) + "\n"


def render_csv(doc: CoverageDocument, options: RenderOptions) -> str:
    """One row per enabled member (below the threshold when one is given)."""
    from mfaguard.formats.csv import csv_text

    report, below = doc.report, doc.below
    users = report.users if below is None else report.below(below)
    header = ["id", "userPrincipalName", "displayName", "isAdmin", "level", "inRegistrationReport", "reasons"]
    rows = (
        [
            user.id,
            user.user_principal_name,
            user.display_name or "",
            "true" if user.is_admin else "false",
            user.level.value,
            "true" if user.in_report else "false",
            " | ".join(user.reasons),
        ]
        for user in users
    )
    return csv_text(header, rows, line_end="\n")


def render_table(doc: CoverageDocument, options: RenderOptions) -> str:
    """Counts per level (admins apart), the members below the threshold, the coverage controls."""
    from io import StringIO

    from rich.console import Console

    console = Console(
        file=StringIO(),
        width=options.width,
        force_terminal=options.color,
        color_system="standard" if options.color else None,
        highlight=False,
        soft_wrap=True,
    )
    coverage_table(console, doc.report, doc.findings, below=doc.below)
    out = console.file
    assert isinstance(out, StringIO)
    return out.getvalue()


def coverage_table(
    console: Console, report: CoverageReport, findings: Sequence[Finding], *, below: Level | None
) -> None:
    from rich.table import Table

    tenant = report.tenant.name or report.tenant.id or "tenant"
    console.print(f"Coverage of {tenant}: {len(report.users)} enabled members, {len(report.guests)} guests")
    for problem in report.problems:
        console.print(
            f"[yellow]could not read {problem.what}:[/] {problem.reason}"
            + (f" — {problem.hint}" if problem.hint else "")
        )
    if report.levels_known:
        counts = report.level_counts()
        admins = report.level_counts(admins_only=True)
        total = max(1, len(report.users))
        table = Table(title="Protection level (highest usable method)")
        table.add_column("level")
        table.add_column("members", justify="right")
        table.add_column("%", justify="right")
        table.add_column("admins", justify="right")
        for level in LEVELS:
            table.add_row(
                level.value, str(counts[level]), f"{100 * counts[level] / total:.1f}", str(admins[level])
            )
        console.print(table)
    else:
        console.print("[red]Levels unknown:[/] the registration report could not be read.")
    threshold = below or Level.PUSH_WITH_CONTEXT
    listed = report.below(threshold)
    if listed:
        users = Table(title=f"Members below {threshold.value} ({len(listed)})")
        users.add_column("user")
        users.add_column("admin")
        users.add_column("level")
        users.add_column("why")
        for user in listed[:TABLE_ROWS]:
            users.add_row(
                user.user_principal_name, "yes" if user.is_admin else "", user.level.value, _why(user)
            )
        console.print(users)
        if len(listed) > TABLE_ROWS:
            console.print(f"… and {len(listed) - TABLE_ROWS} more (--format csv or json lists everyone)")
    for finding in findings:
        console.print(
            f"{finding.control_id} {finding.status.value} ({finding.severity.value}): {finding.detail}"
        )


def _why(user: UserCoverage) -> str:
    """The headline reason without its ``level x:`` prefix."""
    first = user.reasons[0] if user.reasons else ""
    return first.split(": ", 1)[1] if ": " in first else first


def render_html(doc: CoverageDocument, options: RenderOptions) -> str:
    """One self-contained page with a chart of the levels."""
    report, findings, below = doc.report, doc.findings, doc.below
    esc = html.escape
    tenant = esc(report.tenant.name or report.tenant.id or "tenant")
    counts = report.level_counts()
    admins = report.level_counts(admins_only=True)
    total = max(1, len(report.users))
    bars = []
    for level in LEVELS:
        width = 100 * counts[level] / total
        bars.append(
            f'<tr><th>{level.value}</th><td class="bar"><span style="width:{width:.2f}%;'
            f'background:{_LEVEL_COLOURS[level]}"></span></td><td>{counts[level]}</td><td>{admins[level]}</td></tr>'
        )
    problems = "".join(
        f"<li><b>{esc(p.what)}</b>: {esc(p.reason)}{' — ' + esc(p.hint) if p.hint else ''}</li>"
        for p in report.problems
    )
    rows = "".join(
        f"<tr><td>{esc(u.user_principal_name)}</td><td>{'yes' if u.is_admin else ''}</td>"
        f"<td>{u.level.value}</td><td><ul>{''.join(f'<li>{esc(r)}</li>' for r in u.reasons)}</ul></td></tr>"
        for u in (report.users if below is None else report.below(below))
    )
    finding_rows = "".join(
        f"<tr><td>{esc(f.control_id)}</td><td>{f.status.value}</td><td>{f.severity.value}</td><td>{esc(f.detail)}</td></tr>"
        for f in findings
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mfaguard coverage — {tenant}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:2rem;color:#1f2328}} table{{border-collapse:collapse;margin:1rem 0}}
th,td{{border-bottom:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}}
td.bar{{width:24rem}} td.bar span{{display:block;height:1rem;min-width:1px}} ul{{margin:0;padding-left:1rem}}
</style></head><body>
<h1>Coverage — {tenant}</h1>
<p>{len(report.users)} enabled members, {len(report.guests)} guests, {report.disabled} disabled accounts not counted.</p>
{f"<h2>Could not read</h2><ul>{problems}</ul>" if problems else ""}
<h2>Protection level</h2>
<table id="levels"><tr><th>level</th><th></th><th>members</th><th>admins</th></tr>{"".join(bars)}</table>
<h2>Controls</h2><table><tr><th>control</th><th>status</th><th>severity</th><th>detail</th></tr>{finding_rows}</table>
<h2>Users</h2><table><tr><th>user</th><th>admin</th><th>level</th><th>reasons</th></tr>{rows}</table>
</body></html>
"""


def explanation_json(explanation: Explanation, options: RenderOptions) -> str:
    return json.dumps(explanation.to_json(), indent=2) + "\n"


def explanation_text(explanation: Explanation, options: RenderOptions) -> str:
    user = explanation.user
    lines = [f"{user.user_principal_name} ({user.id})"]
    if user.display_name:
        lines[0] += f" — {user.display_name}"
    level = explanation.level.value if explanation.level is not None else "unknown"
    reg = explanation.registration
    admin = " (administrator)" if reg is not None and reg.is_admin else ""
    lines.append(f"level: {level}{admin}")
    lines.extend(f"  ! {s}" for s in explanation.status)
    if reg is not None:
        lines.append(f"registered: {', '.join(sorted(reg.methods_registered)) or 'nothing'}")
    lines.append("groups the policy names:" if explanation.memberships else "groups the policy names: none")
    lines.extend(f"  - {m}" for m in explanation.memberships)
    lines.append("why:")
    lines.extend(f"  - {r}" for r in explanation.reasons)
    for problem in explanation.problems:
        lines.append(
            f"could not read {problem.what}: {problem.reason}"
            + (f" — {problem.hint}" if problem.hint else "")
        )
    return "\n".join(lines) + "\n"
