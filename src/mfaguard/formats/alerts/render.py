"""Alert renderers (registered in :mod:`mfaguard.formats.alerts`): table, json, csv, sarif, markdown.

JSON is the DESIGN §6 document; CSV has one row per alert; SARIF puts each alert on the sign-in
record ids (for code-scanning style dashboards); Markdown is for tickets and chat.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

from mfaguard import __version__
from mfaguard.detect.alerts import Alert, DetectionResult, iso
from mfaguard.detect.rules import DETECTIONS, DETECTIONS_BY_ID
from mfaguard.formats.sarif import LEVEL, rule_name, sarif_text
from mfaguard.model.report import Severity

if TYPE_CHECKING:
    from mfaguard.formats.base import RenderOptions


def render_json(result: DetectionResult, options: RenderOptions) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"


CSV_FIELDS = (
    "detection_id", "name", "severity", "user", "user_id", "users", "first_seen", "last_seen", "denial_count",
    "denials", "ips", "countries", "apps", "modifiers", "mitre", "success_record_id", "record_ids", "profile",
    "summary", "reasons",
)  # fmt: skip


def render_csv(result: DetectionResult, options: RenderOptions) -> str:
    from mfaguard.formats.csv import csv_text

    rows = (
        [
            a.detection_id, a.name, a.severity.value, a.user or "", a.user_id or "", ";".join(a.users),
            iso(a.first_seen), iso(a.last_seen), a.denial_count,
            ";".join(f"{k}={v}" for k, v in sorted(a.denials.items())), ";".join(a.ips), ";".join(a.countries),
            ";".join(a.apps), ";".join(a.modifiers), ";".join(a.mitre), a.success_record_id or "",
            ";".join(a.record_ids), a.profile, a.summary, " | ".join(a.reasons),
        ]
        for a in result.alerts
    )  # fmt: skip
    return csv_text(CSV_FIELDS, rows, line_end="\n")


def render_sarif(result: DetectionResult, options: RenderOptions) -> str:
    rules = [
        {
            "id": d.id,
            "name": rule_name(d.name),
            "shortDescription": {"text": d.name},
            "fullDescription": {"text": d.description},
            "properties": {"tags": ["security", "mfa-fatigue", *d.mitre], "reference": d.reference},
        }
        for d in DETECTIONS
    ]
    results = []
    for a in result.alerts:
        results.append(
            {
                "ruleId": a.detection_id,
                "ruleIndex": list(DETECTIONS_BY_ID).index(a.detection_id),
                "level": LEVEL[a.severity],
                "message": {"text": f"{a.summary}. " + " ".join(a.reasons)},
                "locations": [
                    {
                        "logicalLocations": [
                            {
                                "name": a.user or ",".join(a.users),
                                "kind": "user",
                                "fullyQualifiedName": a.user_id or "",
                            }
                        ]
                    }
                ],
                "partialFingerprints": {"alertId": a.alert_id},
                "properties": {
                    "severity": a.severity.value,
                    "first_seen": iso(a.first_seen),
                    "last_seen": iso(a.last_seen),
                    "ips": list(a.ips),
                    "record_ids": list(a.record_ids),
                    "modifiers": list(a.modifiers),
                    "mitre": list(a.mitre),
                },
            }
        )
    runs = [
        {
            "tool": {
                "driver": {
                    "name": "mfaguard-detect",
                    "version": __version__,
                    "rules": rules,
                }
            },
            "results": results,
            "properties": {"profile": result.profile, "input": result.stats.to_json()},
        }
    ]
    return sarif_text(runs)


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: DetectionResult, options: RenderOptions) -> str:
    lines = [f"# MFA fatigue detection ({result.profile} profile)", ""]
    counts = result.counts()
    lines.append(
        f"{counts['total']} alert(s): "
        + ", ".join(f"{counts[s.value]} {s.value}" for s in Severity if counts[s.value])
        + "."
        if counts["total"]
        else "No alerts."
    )
    lines.append(_input_line(result))
    lines.append("")
    if result.alerts:
        lines += ["| Severity | Detection | User | First seen | Denials | IPs |", "|---|---|---|---|---|---|"]
        for a in result.alerts:
            lines.append(
                f"| {a.severity.value} | {a.detection_id} {_md_escape(a.name)} | {_md_escape(_who(a))} | "
                f"{iso(a.first_seen)} | {a.denial_count} | {_md_escape(', '.join(a.ips))} |"
            )
        for a in result.alerts:
            lines += ["", f"## {a.detection_id} {a.severity.value}: {_md_escape(_who(a))}", "", a.summary, ""]
            lines.append("Why this severity:")
            lines += [f"- {r}" for r in a.reasons]
            lines += ["", "What to do next:"]
            lines += [f"1. {s}" for s in a.next_steps]
            if a.timeline:
                lines += ["", "| Time | Event | IP | Country | Detail |", "|---|---|---|---|---|"]
                for t in a.timeline[:50]:
                    lines.append(
                        f"| {iso(t.ts)} | {t.kind} | {t.ip} | {t.country} | {_md_escape(t.detail)} |"
                    )
                if len(a.timeline) > 50:
                    lines.append(f"| … | {len(a.timeline) - 50} more | | | |")
    return "\n".join(lines) + "\n"


def _who(a: Alert) -> str:
    return a.user or ", ".join(a.users) or a.user_id or "?"


def _input_line(result: DetectionResult) -> str:
    s = result.stats
    text = f"Read {s.records} record(s), used {s.used}"
    if s.duplicates:
        text += f", {s.duplicates} duplicate(s) ignored"
    if s.skipped_total:
        text += (
            f", skipped {s.skipped_total} ("
            + ", ".join(f"{k}: {v}" for k, v in sorted(s.skipped.items()))
            + ")"
        )
    return text + "."


def render_table(result: DetectionResult, options: RenderOptions) -> str:
    """Plain-text table (rich), for people at a terminal."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=io.StringIO(), width=200, color_system=None, highlight=False, force_terminal=False)
    if result.alerts:
        table = Table(title=f"MFA fatigue alerts ({result.profile} profile)", show_lines=False)
        for col in (
            "Severity",
            "Detection",
            "User",
            "First seen (UTC)",
            "Last seen",
            "Denials",
            "IPs",
            "Why",
        ):
            table.add_column(col, overflow="fold")
        for a in result.alerts:
            table.add_row(
                a.severity.value,
                f"{a.detection_id} {a.name}",
                _who(a),
                iso(a.first_seen),
                iso(a.last_seen),
                str(a.denial_count),
                ", ".join(a.ips),
                "; ".join(a.reasons),
            )
        console.print(table)
    else:
        console.print("No MFA fatigue alerts.")
    console.print(_input_line(result))
    for note in result.stats.notes:
        console.print(f"note: {note}")
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()
