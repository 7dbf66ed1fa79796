"""What the detections share: tunable parameters, the registry entry, and the helpers that turn
denial events into alerts (counts, entities, timeline, the ``priv`` / ``new_geo`` modifiers).

Each detection is a module of its own (``det001_push_burst`` … ``det009_totp_brute_force``) that ends
in its :class:`Detection`; the registry is :data:`mfaguard.detect.rules.DETECTIONS`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypedDict

from mfaguard.detect.alerts import Alert, TimelineEntry
from mfaguard.detect.collect import Evidence
from mfaguard.detect.context import Context
from mfaguard.detect.model import COUNTING_CLASSES, AuditEvent, DenialEvent, EventClass, SuccessEvent

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Params:
    """Tunable numbers of the detections (defaults = reference §4 table)."""

    burst_classes: frozenset[EventClass] = COUNTING_CLASSES
    burst_threshold: int = 5
    burst_high: int = 10
    burst_window: timedelta = 10 * MINUTE
    ignored_classes: frozenset[EventClass] = frozenset({EventClass.DENY_TIMEOUT, EventClass.MFA_FAIL_OTHER})
    ignored_threshold: int = 11
    """D6 (reported inside DET-001): Splunk's "> 10" per window."""
    chain_min: int = 5
    chain_gap: timedelta = 10 * MINUTE
    success_within: timedelta = 10 * MINUTE
    slow_min: int = 6
    slow_gap: timedelta = 30 * MINUTE
    slow_span: timedelta = 60 * MINUTE
    deny_group: timedelta = timedelta(hours=1)
    fraud_merge: timedelta = 5 * MINUTE
    sspr_window: timedelta = 3 * MINUTE
    blocked_group: timedelta = timedelta(hours=24)
    method_change_before: timedelta = 30 * MINUTE
    method_change_after: timedelta = timedelta(hours=6)
    campaign_users: int = 3
    campaign_window: timedelta = timedelta(hours=1)
    totp_failures: int = 20
    totp_sessions: int = 10
    totp_window: timedelta = 10 * MINUTE
    interactive_only_bursts: bool = True


DetectFn = Callable[[Evidence, Context, Params, Sequence[Alert]], list[Alert]]


@dataclass(frozen=True)
class Detection:
    """One registered detection: stable id, the name every alert of it carries, what it finds, the
    reference definition it implements and the MITRE ATT&CK techniques of its alerts."""

    id: str
    reference: str
    name: str
    description: str
    mitre: tuple[str, ...]
    run: DetectFn = field(repr=False)

    def alert(self, **fields: Any) -> Alert:
        """An alert of this detection: its id, name and MITRE techniques come from here, nowhere else."""
        return Alert(detection_id=self.id, name=self.name, mitre=self.mitre, **fields)


NEXT_REVOKE = (
    "Revoke the user's sessions (Entra admin center > user > Revoke sessions, or Revoke-MgUserSignInSession)."
)
NEXT_RESET = "Reset the user's password: the attacker passed the first factor, so the password is known."
NEXT_METHODS = (
    "Check the user's authentication methods and the audit log for a method registered after the attack; "
    "remove any the user did not add."
)
NEXT_CONTACT = (
    "Contact the user out of band: they should deny and report unexpected prompts, never approve them."
)
NEXT_BLOCK_IP = "Block the source IP (named location + Conditional Access) if it is not yours."
NEXT_HARDEN = (
    "Run `mfaguard audit`: number matching, app and location context in notifications, and "
    "report-suspicious-activity make push spam far less likely to work (MFA-002..004, MFA-010)."
)


def sorted_unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if v}))


def denial_counts(events: Iterable[DenialEvent]) -> dict[str, int]:
    return dict(Counter(e.cls.value for e in events))


def user_of(ev: Evidence, key: str, fallback_upn: str = "", fallback_id: str = "") -> tuple[str, str]:
    upn, uid = ev.users.get(key, (fallback_upn, fallback_id))
    return upn or fallback_upn, uid or fallback_id


def timeline_denials(events: Iterable[DenialEvent]) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            ts=e.ts,
            kind=e.cls.value,
            record_id=e.record_id,
            detail=e.raw_detail or e.detail,
            ip=e.ip,
            country=e.country,
            app=e.app,
            interactive=e.interactive,
        )
        for e in events
    ]


def timeline_success(s: SuccessEvent) -> TimelineEntry:
    detail = f"success ({s.method or 'method unknown'})"
    if s.low_confidence:
        detail += ", inferred from errorCode 0 without MFA detail"
    return TimelineEntry(
        ts=s.ts,
        kind="MFA_SUCCESS",
        record_id=s.record_id,
        detail=detail,
        ip=s.ip,
        country=s.country,
        app=s.app,
        interactive=s.interactive,
    )


def by_user(events: Iterable[DenialEvent]) -> dict[str, list[DenialEvent]]:
    out: dict[str, list[DenialEvent]] = defaultdict(list)
    for e in events:
        out[e.user_key].append(e)
    return out


def burst_events(
    ev: Evidence, params: Params, classes: frozenset[EventClass] | None = None
) -> list[DenialEvent]:
    """Denial events that count toward bursts and chains (interactive only unless configured)."""
    wanted = classes if classes is not None else params.burst_classes
    return [
        e for e in ev.denials if e.cls in wanted and (e.interactive or not params.interactive_only_bursts)
    ]


def geo_modifiers(
    ctx: Context, user: str, upn: str, uid: str, points: Iterable[tuple[str, str, datetime]]
) -> tuple[list[str], list[str]]:
    """(modifiers, reasons) for priv and new_geo judged on ``(country, ip, time)`` points."""
    mods: list[str] = []
    reasons: list[str] = []
    if ctx.is_vip(upn, uid):
        mods.append("priv")
        reasons.append(f"{upn or uid} is on the VIP/privileged list (priv)")
    new = sorted({c for c, ip, t in points if ctx.new_geo(user, c, ip, t)})
    if new:
        mods.append("new_geo")
        reasons.append(
            f"country {', '.join(new)} is not among the user's successful MFA sign-ins in the "
            f"{_days(ctx)}-day baseline (new_geo)"
        )
    return mods, reasons


def _days(ctx: Context) -> int:
    return int(ctx.options.lookback.total_seconds() // 86400)


class Entities(TypedDict):
    ips: tuple[str, ...]
    countries: tuple[str, ...]
    apps: tuple[str, ...]
    user_agents: tuple[str, ...]
    correlation_ids: tuple[str, ...]
    record_ids: tuple[str, ...]


def entities(events: Sequence[DenialEvent]) -> Entities:
    return {
        "ips": sorted_unique(e.ip for e in events),
        "countries": sorted_unique(e.country for e in events),
        "apps": sorted_unique(e.app for e in events),
        "user_agents": sorted_unique(e.user_agent for e in events),
        "correlation_ids": sorted_unique(e.correlation_id for e in events),
        "record_ids": sorted_unique(e.record_id for e in events),
    }


def event_alert(detection: Detection, events: Sequence[DenialEvent], **fields: Any) -> Alert:
    """An alert of ``detection`` whose times, counts, entities and timeline come from its denial events."""
    return detection.alert(
        first_seen=events[0].ts,
        last_seen=events[-1].ts,
        denials=denial_counts(events),
        timeline=tuple(timeline_denials(events)),
        **entities(events),
        **fields,
    )


class UserIndex:
    """Maps UPNs and ids seen in audits and risk detections to the sign-in user keys."""

    def __init__(self, ev: Evidence) -> None:
        self._by_upn: dict[str, str] = {}
        self._names: dict[str, tuple[str, str]] = dict(ev.users)
        for key, (upn, _uid) in ev.users.items():
            if upn:
                self._by_upn.setdefault(upn, key)

    def key(self, user_id: str, upn: str) -> str:
        uid = user_id.lower()
        upn = upn.lower()
        if uid and uid in self._names:
            return uid
        if upn and upn in self._by_upn:
            return self._by_upn[upn]
        key = uid or f"upn:{upn}"
        self._names.setdefault(key, (upn, user_id))
        if upn:
            self._by_upn.setdefault(upn, key)
        return key

    def names(self, key: str) -> tuple[str, str]:
        return self._names.get(key, ("", ""))

    def audit_users(self, a: AuditEvent, *, initiator: bool) -> set[str]:
        keys = {self.key(uid, upn) for uid, upn in a.targets}
        if initiator and (a.initiator_user_id or a.initiator_upn):
            keys.add(self.key(a.initiator_user_id, a.initiator_upn))
        return keys
