"""Markdown for pull-request comments (GitHub / Azure DevOps / GitLab flavoured).

A status summary, a table of what needs action (FAIL, ERROR, WARN) with collapsible remediation, the
accepted risks (findings an exception covers) in their own table, and the passes folded away in one
``<details>`` block so the comment stays short. All tenant-supplied text
is escaped: table cells get Markdown escapes, text inside HTML tags gets HTML escapes, and
remediation goes into code fences that nothing inside can close.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from mfaguard.formats._common import (
    ACCEPTED_LABEL,
    ACTION,
    NOT_EVALUATED_HINT,
    STATUS_LABEL,
    accepted,
    accepted_count,
    exception_notes,
    fenced,
    fleet_error,
    group_by_status,
    is_accepted,
    ok_reports,
    sort_findings,
    status_counts,
    summary_line,
    tenant_label,
    utc_z,
)
from mfaguard.formats._meta import (
    RuleInfo,
    control_doc_url,
    finding_remediation,
    rules_by_id,
)
from mfaguard.model.report import AuditReport, Finding, Status, TenantResult

if TYPE_CHECKING:
    from mfaguard.formats.base import RenderOptions

ICON: dict[Status, str] = {
    Status.FAIL: "❌",
    Status.ERROR: "🛑",
    Status.WARN: "⚠️",
    Status.PASS: "✅",
    Status.NOT_APPLICABLE: "➖",
}


COMMENT_LIMIT = 65_000
"""GitHub rejects comments over 65,536 characters; stay under it with room for a CI tool's header."""
TRUNCATED = (
    "> Cut here to fit a pull-request comment ({left} more section(s) left out of {limit:,} characters); "
    "the full report is in `--format html` or `--format json`."
)
QUIET = (Status.PASS, Status.NOT_APPLICABLE)

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>&~])")


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell (no markup, no HTML, no line breaks that end the row)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text.strip())
    return "<br>".join(line for line in escaped.splitlines())


ACCEPTED_ICON = "☑️"


def _status(status: Status | None) -> str:
    if status is None:
        return f"{ACCEPTED_ICON} {ACCEPTED_LABEL}"
    return f"{ICON[status]} {STATUS_LABEL[status]}"


COLUMNS: tuple[Status | None, ...] = (*ACTION, None, *QUIET)
"""Count columns: the statuses, with the accepted risks (None) after WARN."""


def _counts(findings: Sequence[Finding]) -> list[int]:
    by_status = dict(status_counts(findings))
    return [accepted_count(findings) if s is None else by_status[s] for s in COLUMNS]


def _counts_table(report: AuditReport) -> list[str]:
    return [
        "| " + " | ".join(_status(s) for s in COLUMNS) + " |",
        "|" + "---:|" * len(COLUMNS),
        "| " + " | ".join(str(n) for n in _counts(report.findings)) + " |",
    ]


def _detail(finding: Finding) -> str:
    parts = [cell(finding.detail)]
    if finding.resource:
        parts[0] = f"**{cell(finding.resource)}**: " + parts[0]
    parts += [f"*{cell(note)}*" for note in exception_notes(finding)]
    return "<br>".join(parts)


def _control(finding: Finding, docs_url: str | None) -> str:
    url = control_doc_url(finding.control_id, docs_url)
    label = f"[{finding.control_id}]({url})" if url else f"**{finding.control_id}**"
    return f"{label} {cell(finding.title)}"


def _action_blocks(
    findings: Sequence[Finding], rules: Mapping[str, RuleInfo], docs_url: str | None
) -> list[str]:
    """The table of what needs attention, then one collapsible remediation block per finding."""
    actionable = [f for f in sort_findings(findings) if f.status in ACTION and not is_accepted(f)]
    if not actionable:
        return ["No FAIL, ERROR or WARN findings. 🎉\n", *_accepted_block(findings, docs_url)]
    table = ["| Status | Severity | Control | Detail |", "|---|---|---|---|"]
    table += [
        f"| {_status(f.status)} | {f.severity.value} | {_control(f, docs_url)} | {_detail(f)} |"
        for f in actionable
    ]
    blocks = ["\n".join(table) + "\n"]
    for f in actionable:
        fix = finding_remediation(f, rules.get(f.control_id))
        if fix:
            summary = html.escape(f"How to fix {f.control_id}: {f.title}")
            blocks.append(f"<details><summary>{summary}</summary>\n\n{fenced(fix)}\n\n</details>\n")
    return blocks + _accepted_block(findings, docs_url)


def _accepted_block(findings: Sequence[Finding], docs_url: str | None) -> list[str]:
    """The accepted risks: their own table, each with its status and the exception."""
    taken = accepted(findings)
    if not taken:
        return []
    table = [
        f"**{ACCEPTED_ICON} Accepted risks ({len(taken)})**: an exception covers these; their status is "
        "unchanged.",
        "",
        "| Status | Severity | Control | Detail |",
        "|---|---|---|---|",
    ]
    table += [
        f"| {_status(f.status)} | {f.severity.value} | {_control(f, docs_url)} | {_detail(f)} |"
        for f in taken
    ]
    return ["\n".join(table) + "\n"]


def fit(head: str, blocks: Sequence[str], limit: int = COMMENT_LIMIT) -> str:
    """``head`` plus as many whole ``blocks`` as fit in ``limit`` characters, then a note if cut.

    Blocks are never split, so a cut can never leave an open code fence or ``<details>``.
    """
    parts = [head.rstrip("\n") + "\n"]
    size = len(parts[0])
    for i, block in enumerate(blocks):
        text = "\n" + block.rstrip("\n") + "\n"
        if size + len(text) + len(TRUNCATED) + 2 > limit:
            left = len(blocks) - i
            parts.append("\n" + TRUNCATED.format(left=left, limit=limit) + "\n")
            break
        parts.append(text)
        size += len(text)
    return "".join(parts)


def _quiet_section(findings: Sequence[Finding], docs_url: str | None) -> list[str]:
    groups = [(s, fs) for s, fs in group_by_status(findings) if s in QUIET]
    if not groups:
        return []
    label = ", ".join(f"{len(fs)} {STATUS_LABEL[s]}" for s, fs in groups)
    lines = [
        f"<details><summary>{html.escape(label)}</summary>",
        "",
        "| Status | Control | Detail |",
        "|---|---|---|",
    ]
    for status, group in groups:
        lines += [f"| {_status(status)} | {_control(f, docs_url)} | {_detail(f)} |" for f in group]
    return [*lines, "", "</details>", ""]


def _meta_line(report: AuditReport) -> str:
    parts = []
    if report.tenant_id:
        parts.append(f"Tenant `{report.tenant_id}`")
    if report.captured_at:
        parts.append(f"captured {utc_z(report.captured_at)}")
    parts.append(f"Graph {report.api_version}")
    if report.generated_at:
        parts.append(f"generated {utc_z(report.generated_at)}")
    return " · ".join(parts)


def render(report: AuditReport, options: RenderOptions) -> str:
    """A pull-request comment for one tenant."""
    head = [
        f"## mfaguard audit: {cell(report.tenant_name or report.tenant_id or 'unknown tenant')}",
        "",
        _meta_line(report),
        "",
        f"**{summary_line(report)}**",
        "",
        *_counts_table(report),
        "",
    ]
    if report.summary()[Status.ERROR.value]:
        head += [f"> {NOT_EVALUATED_HINT}", ""]
    head.append("### Needs attention")
    rules = rules_by_id(report.findings, options.controls)
    blocks = _action_blocks(report.findings, rules, options.docs_url)
    quiet = _quiet_section(report.findings, options.docs_url)
    if quiet:
        blocks.append("\n".join(quiet))
    return fit("\n".join(head), blocks)


def render_fleet(results: Sequence[TenantResult], options: RenderOptions) -> str:
    """One comment for a fleet: a row per tenant, then every FAIL/ERROR/WARN per tenant."""
    head = [
        f"## mfaguard fleet audit: {len(results)} tenants",
        "",
        "| Tenant | Read | " + " | ".join(_status(s) for s in COLUMNS) + " |",
        "|---|---|" + "---:|" * len(COLUMNS),
    ]
    for r in results:
        if r.status == "ok" and r.report is not None:
            numbers = " | ".join(str(n) for n in _counts(r.report.findings))
            head.append(f"| {cell(r.name)} | ok | {numbers} |")
        else:
            head.append(f"| {cell(r.name)} | **error** |" + " – |" * len(COLUMNS))
    failed = [r for r in results if r.status != "ok" or r.report is None]
    if failed:
        head += ["", "**Could not be read:**", ""]
        head += [f"- {cell(r.name)}: {cell(fleet_error(r))}" for r in failed]
    head += ["", "### Needs attention"]
    readable = ok_reports(results)
    rules = rules_by_id([f for _, rep in readable for f in rep.findings], options.controls)
    blocks = [
        "\n".join(
            [
                f"#### {cell(r.name)}: {cell(tenant_label(rep))}",
                "",
                *_action_blocks(rep.findings, rules, options.docs_url),
            ]
        )
        for r, rep in readable
        if any(f.status in ACTION for f in rep.findings)
    ]
    if not blocks:
        blocks = ["No FAIL, ERROR or WARN findings in any tenant that could be read.\n"]
    return fit("\n".join(head), blocks)
