"""The alert model (DESIGN §6) and the alert document.

An alert explains itself: ``timeline`` (the records, phrases, IPs and countries of the attack),
``reasons`` (why the severity is what it is) and ``next_steps`` (what the responder does now).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mfaguard.detect.model import InputStats
from mfaguard.model.report import Severity

ALERTS_SCHEMA_VERSION = "1.0"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of an alert's timeline."""

    ts: datetime
    kind: str
    """Event class (DENY_EXPLICIT, MFA_SUCCESS, AUDIT, RISK, ...)."""
    record_id: str
    detail: str
    ip: str = ""
    country: str = ""
    app: str = ""
    interactive: bool | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "time": iso(self.ts),
            "kind": self.kind,
            "record_id": self.record_id,
            "detail": self.detail,
            "ip": self.ip or None,
            "country": self.country or None,
            "app": self.app or None,
            "interactive": self.interactive,
        }


@dataclass(frozen=True, slots=True)
class Alert:
    """One detection result."""

    detection_id: str
    name: str
    severity: Severity
    user: str | None
    user_id: str | None
    first_seen: datetime
    last_seen: datetime
    denials: Mapping[str, int] = field(default_factory=dict)
    users: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    apps: tuple[str, ...] = ()
    user_agents: tuple[str, ...] = ()
    correlation_ids: tuple[str, ...] = ()
    record_ids: tuple[str, ...] = ()
    success_record_id: str | None = None
    modifiers: tuple[str, ...] = ()
    mitre: tuple[str, ...] = ("T1621",)
    profile: str = "default"
    summary: str = ""
    reasons: tuple[str, ...] = ()
    next_steps: tuple[str, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def denial_count(self) -> int:
        return sum(self.denials.values())

    @property
    def alert_id(self) -> str:
        """Stable id: the same input gives the same id (used for dedupe in notifications)."""
        basis = "|".join(
            [
                self.detection_id,
                self.profile,
                self.user or ",".join(self.users),
                iso(self.first_seen),
                *list(self.ips[:1]),
            ]
        )
        return hashlib.sha256(basis.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.alert_id,
            "detection_id": self.detection_id,
            "name": self.name,
            "severity": self.severity.value,
            "user": self.user,
            "user_id": self.user_id,
            "users": list(self.users),
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "denials": dict(sorted(self.denials.items())),
            "denial_count": self.denial_count,
            "ips": list(self.ips),
            "countries": list(self.countries),
            "apps": list(self.apps),
            "user_agents": list(self.user_agents),
            "correlation_ids": list(self.correlation_ids),
            "record_ids": list(self.record_ids),
            "success_record_id": self.success_record_id,
            "modifiers": list(self.modifiers),
            "mitre": list(self.mitre),
            "profile": self.profile,
            "summary": self.summary,
            "reasons": list(self.reasons),
            "next_steps": list(self.next_steps),
            "timeline": [t.to_json() for t in self.timeline],
            "details": dict(self.details),
        }


@dataclass(frozen=True, slots=True)
class DetectionResult:
    """The outcome of one detection run: alerts plus what was read (and skipped)."""

    alerts: tuple[Alert, ...]
    profile: str
    stats: InputStats
    window_start: datetime | None
    window_end: datetime | None
    generated_at: datetime
    hunt: Mapping[str, Any] = field(default_factory=dict)
    """Verbose/hunt output (MFA interrupt noise per user, D10) when asked for."""

    def at_or_above(self, threshold: Severity) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.severity.at_least(threshold))

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for a in self.alerts:
            out[a.severity.value] += 1
        out["total"] = len(self.alerts)
        return out

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "schema_version": ALERTS_SCHEMA_VERSION,
            "generated_at": iso(self.generated_at),
            "profile": self.profile,
            "window": {"start": iso_opt(self.window_start), "end": iso_opt(self.window_end)},
            "input": self.stats.to_json(),
            "summary": self.counts(),
            "alerts": [a.to_json() for a in self.alerts],
        }
        if self.hunt:
            doc["hunt"] = dict(self.hunt)
        return doc


def iso(ts: datetime) -> str:
    """UTC ISO-8601 with a ``Z`` (what Graph writes)."""
    text = ts.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_opt(ts: datetime | None) -> str | None:
    return iso(ts) if ts is not None else None
