"""What a notification says, independent of where it goes (pure: no I/O, no clock)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mfaguard.enforce.journal import ChangeStatus
from mfaguard.model.report import Severity
from mfaguard.store.records import AlertRecord, ChangeRecord, DriftRecord, RunRecord

SCHEMA_VERSION = "1.0"
"""Version of the generic webhook's JSON document."""


class EventKind(StrEnum):
    DRIFT = "drift"
    ALERT = "alert"
    RUN_ERROR = "run_error"
    CHANGE = "change"


def severity_rank(severity: str) -> int:
    """info=0 … critical=4 (unknown: 0)."""
    return Severity.rank_of(severity, unknown=0)


@dataclass(frozen=True, slots=True)
class Notification:
    """One thing to tell people. ``dedupe_key`` makes it go out once per target, ever."""

    dedupe_key: str
    kind: EventKind
    tenant: str
    severity: str
    title: str
    text: str
    facts: tuple[tuple[str, str], ...] = ()
    link: str | None = None
    """Where to look (e.g. the dashboard's tenant page)."""
    data: Mapping[str, Any] = field(default_factory=dict)
    """Machine-readable details (the generic webhook sends them as they are)."""

    def to_json(self) -> dict[str, Any]:
        """The generic webhook document."""
        return {
            "schema_version": SCHEMA_VERSION,
            "source": "mfaguard",
            "kind": self.kind.value,
            "dedupe_key": self.dedupe_key,
            "tenant": self.tenant,
            "severity": self.severity,
            "title": self.title,
            "text": self.text,
            "facts": dict(self.facts),
            "link": self.link,
            "data": dict(self.data),
        }


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def drift_notification(
    tenant: str,
    items: Sequence[DriftRecord],
    *,
    severities: Mapping[str, str] | None = None,
    link: str | None = None,
    remediated: bool = False,
) -> Notification:
    """One message for the drift one run found in ``tenant`` (key: the run, so it goes out once).

    ``severities`` maps control IDs to their severity; the message takes the worst.
    """
    if not items:
        raise ValueError("drift_notification needs at least one drift record")
    run_id = items[0].run_id
    severity = max(
        ((severities or {}).get(d.control_id, "medium") for d in items), key=severity_rank, default="medium"
    )
    controls = sorted({d.control_id for d in items})
    facts = tuple((f"{d.control_id} {d.field}", f"{_short(d.before)} → {_short(d.after)}") for d in items)
    verb = "drifted and was remediated" if remediated else "drifted"
    return Notification(
        dedupe_key=f"drift:{tenant}:{run_id}",
        kind=EventKind.DRIFT,
        tenant=tenant,
        severity=severity,
        title=f"mfaguard: {tenant} {verb} ({', '.join(controls)})",
        text=(
            f"{len(items)} setting(s) of tenant {tenant} changed since the previous run "
            f"{items[0].previous_run_id if items[0].previous_run_id is not None else '(none)'}."
        ),
        facts=facts,
        link=link,
        data={
            "run_id": run_id,
            "previous_run_id": items[0].previous_run_id,
            "remediated": remediated,
            "drift": [
                {"control_id": d.control_id, "field": d.field, "before": d.before, "after": d.after}
                for d in items
            ],
        },
    )


def alert_notification(alert: AlertRecord, *, link: str | None = None) -> Notification:
    """One message per detection alert (key: the alert's own dedupe key)."""
    data = dict(alert.data)
    facts: list[tuple[str, str]] = [
        ("Detection", alert.detection_id),
        ("User", alert.user),
        ("First seen (UTC)", alert.first_seen.strftime("%Y-%m-%d %H:%M:%S")),
        ("Last seen (UTC)", alert.last_seen.strftime("%Y-%m-%d %H:%M:%S")),
    ]
    for key, label in (
        ("denials", "Denials"),
        ("ips", "IPs"),
        ("countries", "Countries"),
        ("modifiers", "Modifiers"),
    ):
        if data.get(key):
            facts.append((label, _short(data[key])))
    return Notification(
        dedupe_key=f"alert:{alert.dedupe_key}",
        kind=EventKind.ALERT,
        tenant=alert.tenant,
        severity=alert.severity,
        title=f"mfaguard: possible MFA fatigue attack on {alert.user} ({alert.detection_id})",
        text=f"Detection {alert.detection_id} fired in tenant {alert.tenant} for {alert.user}.",
        facts=tuple(facts),
        link=link,
        data=data,
    )


def run_error_notification(run: RunRecord, *, link: str | None = None) -> Notification:
    """A run that could not finish (bad credential, missing permission, Graph down)."""
    return Notification(
        dedupe_key=f"run_error:{run.tenant}:{run.id}",
        kind=EventKind.RUN_ERROR,
        tenant=run.tenant,
        severity="high",
        title=f"mfaguard: {run.kind.value} of {run.tenant} failed",
        text=run.error or "the run did not finish",
        facts=(("Run", str(run.id)), ("Started (UTC)", run.started_at.strftime("%Y-%m-%d %H:%M:%S"))),
        link=link,
        data={"run_id": run.id, "kind": run.kind.value, "error": run.error},
    )


def change_notification(change: ChangeRecord, *, link: str | None = None) -> Notification:
    """A change's outcome (remediation verified, pilot applied, failed, rolled back): once per status."""
    failed = change.status is ChangeStatus.FAILED
    objects = [o.path.rsplit("/", 1)[-1] for o in change.objects]
    facts: list[tuple[str, str]] = [("Change", str(change.id)), ("Status", change.status.value)]
    if change.baseline:
        facts.append(("Baseline", change.baseline))
    if change.pilot_group:
        facts.append(("Pilot group", change.pilot_group))
    if objects:
        facts.append(("Objects", ", ".join(objects)))
    if change.error:
        facts.append(("Error", _short(change.error)))
    return Notification(
        dedupe_key=f"change:{change.tenant}:{change.id}:{change.status.value}",
        kind=EventKind.CHANGE,
        tenant=change.tenant,
        severity="high" if failed else "info",
        title=f"mfaguard: {change.kind.value} {change.id} on {change.tenant} {change.status.value.replace('_', ' ')}",
        text=(
            f"The {change.kind.value} of tenant {change.tenant} ended {change.status.value}"
            + (f": {change.error}" if change.error else ".")
        ),
        facts=tuple(facts),
        link=link,
        data={"change_id": change.id, "status": change.status.value, "kind": change.kind.value},
    )
