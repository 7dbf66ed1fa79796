"""Fleet output: the summary table (stderr), the audit documents (via ``render_fleet``, with the
fleet's drift/notification/remediation keys added to JSON) and the JSON of the other operations."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mfaguard.fleet.runner import FleetOutcome, Operation, TenantOutcome

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["OPERATION_FORMATS", "render_outcome", "summary_table"]

OPERATION_FORMATS = ("table", "json")
"""Formats of fleet plan / apply / coverage / detect (audit takes every audit format)."""

_EXTRA_KEYS = ("mode", "tags", "run_id", "drift", "notified", "remediation", "seconds")


def render_outcome(outcome: FleetOutcome, output_format: str, *, options: Any = None) -> str:
    """The document for ``--format`` (``table`` for non-audit operations: the summary table)."""
    if outcome.operation is Operation.AUDIT:
        from mfaguard.formats.fleet import FLEET_FORMATS

        text = FLEET_FORMATS.render(output_format, outcome.results(), options=options)
        if output_format != "json":
            return text
        doc = json.loads(text)
        by_name = {t.tenant.name: t for t in outcome.tenants}
        for entry in doc.get("tenants", []):
            found = by_name.get(entry.get("name"))
            if found is not None:
                extra = found.to_json()
                entry.update({k: extra[k] for k in _EXTRA_KEYS})
        doc["counts"] = outcome.counts()
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if output_format == "json":
        return json.dumps(outcome.to_json(), indent=2, ensure_ascii=False, default=str) + "\n"
    from io import StringIO

    from rich.console import Console

    buffer = StringIO()
    summary_table(Console(file=buffer, width=160, highlight=False, no_color=True), outcome)
    return buffer.getvalue()


def _result_cell(t: TenantOutcome) -> str:
    detail = t.detail
    if "plan" in detail:
        return f"{len(detail['plan'].get('changes', []))} change(s)"
    if "apply" in detail:
        return f"{detail['apply'].get('result')} (verified: {detail['apply'].get('verified')})"
    if "coverage" in detail:
        cov = detail["coverage"]
        return f"{cov['users']} users, {len(cov['below'])} below"
    if "alerts" in detail:
        return f"{len(detail['alerts'])} alert(s), {detail.get('new_alerts', 0)} new"
    return ""


_COUNTS = ("FAIL", "ERROR", "WARN", "PASS")
_HEADS = {"FAIL": "FAIL", "ERROR": "ERR", "WARN": "WARN", "PASS": "PASS"}


def summary_table(console: Console, outcome: FleetOutcome) -> None:
    """One row per tenant: status, results, drift, notifications, remediation, time, error."""
    from rich import box
    from rich.table import Table

    audit = outcome.operation is Operation.AUDIT
    errors = any(t.error for t in outcome.tenants)
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        title=f"fleet {outcome.operation.value}",
        title_justify="left",
    )
    table.add_column("Tenant", no_wrap=True)
    table.add_column("Mode", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    if audit:
        for name in _COUNTS:
            table.add_column(_HEADS[name], justify="right", no_wrap=True)
        table.add_column("Drift", justify="right", no_wrap=True)
        table.add_column("Sent", justify="right", no_wrap=True)
        table.add_column("Fix", no_wrap=True)
    else:
        table.add_column("Result", no_wrap=True)
    table.add_column("s", justify="right", no_wrap=True)
    if errors:
        table.add_column("Error", ratio=1, overflow="fold", min_width=20)
    for t in outcome.tenants:
        row = [t.tenant.name, t.tenant.mode.value, t.status]
        if audit:
            report = t.result.report if t.result is not None else None
            counts = report.summary() if report is not None else None
            row += [str(counts[name]) if counts else "" for name in _COUNTS]
            remediation = ""
            if t.remediation is not None:
                remediation = str(t.remediation.get("result"))
                if t.remediation.get("verified"):
                    remediation += " ✓"
            row += [str(len(t.drift)) if t.drift else "", str(t.notified) if t.notified else "", remediation]
        else:
            row.append(_result_cell(t))
        row.append(f"{t.seconds:.1f}")
        if errors:
            row.append(t.error or "")
        table.add_row(*row)
    console.print(table)
    counts = outcome.counts()
    console.print(
        f"{counts['tenants']} tenant(s): {counts['ok']} ok, {counts['error']} error, "
        f"{counts['skipped']} skipped; {counts['failing']} failing; drift {counts['drift']}; "
        f"notified {counts['notified']}; {outcome.seconds:.1f} s",
        markup=False,
    )
