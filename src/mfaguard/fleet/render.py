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
        from mfaguard.formats import render_fleet

        text = render_fleet(output_format, outcome.results(), options=options)
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
    if t.status != "ok":
        return t.status
    if t.result is not None and t.result.report is not None:
        counts = t.result.report.summary()
        return (
            f"FAIL {counts['FAIL']} / ERROR {counts['ERROR']} / WARN {counts['WARN']} / PASS {counts['PASS']}"
        )
    detail = t.detail
    if "plan" in detail:
        return f"{len(detail['plan'].get('changes', []))} change(s)"
    if "apply" in detail:
        return f"{detail['apply'].get('result')} (verified: {detail['apply'].get('verified')})"
    if "coverage" in detail:
        cov = detail["coverage"]
        return f"{cov['users']} users, {len(cov['below'])} below threshold"
    if "alerts" in detail:
        return f"{len(detail['alerts'])} alert(s), {detail.get('new_alerts', 0)} new"
    return "ok"


def summary_table(console: Console, outcome: FleetOutcome) -> None:
    """One row per tenant: status, result, drift, notifications, remediation, time, error."""
    from rich import box
    from rich.table import Table

    table = Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title=f"fleet {outcome.operation.value}"
    )
    for name in ("Tenant", "Mode", "Status", "Result", "Drift", "Notified", "Remediation", "Seconds"):
        table.add_column(name, no_wrap=name != "Result")
    table.add_column("Error", ratio=1, overflow="fold")
    for t in outcome.tenants:
        remediation = ""
        if t.remediation is not None:
            remediation = str(t.remediation.get("result"))
            if t.remediation.get("verified"):
                remediation += " (verified)"
        table.add_row(
            t.tenant.name,
            t.tenant.mode.value,
            t.status,
            _result_cell(t),
            str(len(t.drift)) if t.drift else "",
            str(t.notified) if t.notified else "",
            remediation,
            f"{t.seconds:.1f}",
            t.error or "",
        )
    console.print(table)
    counts = outcome.counts()
    console.print(
        f"{counts['tenants']} tenant(s): {counts['ok']} ok, {counts['error']} error, "
        f"{counts['skipped']} skipped; {counts['failing']} failing; drift {counts['drift']}; "
        f"notified {counts['notified']}; {outcome.seconds:.1f} s",
        markup=False,
    )
