"""The detections DET-001..DET-009 (reference §4; DESIGN §6 maps D1, D2, D2s, D3, D4, D5, D7, D8, D9).

Each detection is a pure function ``(evidence, context, params, prior alerts) -> alerts``. The
:data:`DETECTIONS` tuple is the registry, in the order they run (DET-006 and DET-007 read the alerts
of the detections before them). Profiles (:mod:`.profiles`) swap implementations and parameters.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypedDict

from mfaguard.detect.alerts import Alert, TimelineEntry, iso
from mfaguard.detect.classify import is_oath, is_push
from mfaguard.detect.collect import Evidence
from mfaguard.detect.context import Context, step_up
from mfaguard.detect.model import (
    COUNTING_CLASSES,
    AuditEvent,
    DenialEvent,
    EventClass,
    RiskEvent,
    SuccessEvent,
)
from mfaguard.detect.windows import (
    linked_clusters,
    max_window_count,
    sliding_bursts,
    sliding_distinct,
    time_groups,
)
from mfaguard.report import Severity

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
    """One registered detection: stable id, what it finds, the reference definition it implements."""

    id: str
    reference: str
    name: str
    description: str
    mitre: tuple[str, ...]
    run: DetectFn = field(repr=False)


# -- shared helpers ---------------------------------------------------------------------------------

SECURITY_INFO_ACTIVITIES = frozenset(
    a.lower()
    for a in (
        "User registered security info",
        "User changed default security info",
        "User deleted security info",
        "User registered all required security info",
        "User started security info registration",
        "Admin registered security info",
        "Admin updated security info",
        "Admin deleted security info",
    )
)
FRAUD_ACTIVITIES = frozenset(
    a.lower()
    for a in (
        "Suspicious activity reported",
        "Fraud reported - user is blocked for MFA",
        "Fraud reported - no action taken",
    )
)
SSPR_REASON = "user started the mobile app notification verification option"
USER_REPORTED_RISK = "userreportedsuspiciousactivity"

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


def _denial_counts(events: Iterable[DenialEvent]) -> dict[str, int]:
    return dict(Counter(e.cls.value for e in events))


def _user_of(ev: Evidence, key: str, fallback_upn: str = "", fallback_id: str = "") -> tuple[str, str]:
    upn, uid = ev.users.get(key, (fallback_upn, fallback_id))
    return upn or fallback_upn, uid or fallback_id


def _timeline_denials(events: Iterable[DenialEvent]) -> list[TimelineEntry]:
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


def _by_user(events: Iterable[DenialEvent]) -> dict[str, list[DenialEvent]]:
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


def _geo_modifiers(
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


def _entities(events: Sequence[DenialEvent]) -> Entities:
    return {
        "ips": sorted_unique(e.ip for e in events),
        "countries": sorted_unique(e.country for e in events),
        "apps": sorted_unique(e.app for e in events),
        "user_agents": sorted_unique(e.user_agent for e in events),
        "correlation_ids": sorted_unique(e.correlation_id for e in events),
        "record_ids": sorted_unique(e.record_id for e in events),
    }


def _event_alert(events: Sequence[DenialEvent], **fields: Any) -> Alert:
    """An alert whose times, counts, entities and timeline come from its denial events."""
    return Alert(
        first_seen=events[0].ts,
        last_seen=events[-1].ts,
        denials=_denial_counts(events),
        timeline=tuple(_timeline_denials(events)),
        **_entities(events),
        **fields,
    )


# -- DET-001 push burst (D1, with D6 reported inside) -----------------------------------------------


def push_burst(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    alerts: list[Alert] = []
    for user, events in _by_user(burst_events(ev, p)).items():
        times = [e.ts for e in events]
        for first, last, best in sliding_bursts(times, p.burst_threshold, p.burst_window):
            burst = events[first : last + 1]
            upn, uid = _user_of(ev, user, burst[0].upn, burst[0].user_id)
            base = Severity.HIGH if best >= p.burst_high else Severity.MEDIUM
            mods, mod_reasons = _geo_modifiers(ctx, user, upn, uid, ((e.country, e.ip, e.ts) for e in burst))
            severity = step_up(base, 1 if mods else 0, Severity.HIGH)
            window_min = int(p.burst_window.total_seconds() // 60)
            reasons = [
                f"{best} unique denial events within {window_min} min "
                f"({'high' if base is Severity.HIGH else 'medium'} at ≥{p.burst_high if base is Severity.HIGH else p.burst_threshold})",
                *mod_reasons,
            ]
            if mods and severity is base:
                reasons.append("modifiers cannot raise a push burst above high")
            ignored = [e for e in burst if e.cls in p.ignored_classes]
            ignored_max = max_window_count([e.ts for e in ignored], p.burst_window)
            alerts.append(
                _event_alert(
                    burst,
                    detection_id="DET-001",
                    name="Push burst (MFA fatigue in progress)",
                    severity=severity,
                    user=upn or None,
                    user_id=uid or None,
                    modifiers=tuple(mods),
                    profile=ctx.profile,
                    summary=(
                        f"{len(burst)} MFA denials for {upn or uid} between {iso(burst[0].ts)} and "
                        f"{iso(burst[-1].ts)} from {', '.join(sorted_unique(e.ip for e in burst)) or 'unknown IPs'}"
                    ),
                    reasons=tuple(reasons),
                    next_steps=(NEXT_CONTACT, NEXT_RESET, NEXT_BLOCK_IP, NEXT_HARDEN),
                    details={
                        "max_in_window": best,
                        "window_minutes": window_min,
                        "ignored_push_burst": ignored_max >= p.ignored_threshold,
                        "ignored_in_window": ignored_max,
                    },
                )
            )
    return alerts


# -- DET-002 / DET-003 spam then success (D2, D2s) --------------------------------------------------


@dataclass(frozen=True)
class _Chain:
    user: str
    denials: tuple[DenialEvent, ...]
    success: SuccessEvent


def find_chains(
    denials: Sequence[DenialEvent],
    successes: Sequence[SuccessEvent],
    *,
    min_denials: int,
    gap: timedelta,
    success_within: timedelta,
    span: timedelta | None = None,
) -> list[_Chain]:
    """Per user: ≥``min_denials`` denials, each ≤``gap`` after the previous, then a success within
    ``success_within`` of the last denial. With ``span``, only the denials in the ``span`` before the
    last one count. A success ends a chain (whether or not it closes one)."""
    chains: list[_Chain] = []
    per_user: dict[str, list[tuple[datetime, int, DenialEvent | SuccessEvent]]] = defaultdict(list)
    for d in denials:
        per_user[d.user_key].append((d.ts, 0, d))
    for s in successes:
        if s.user_key in per_user:
            per_user[s.user_key].append((s.ts, 1, s))
    for user, items in per_user.items():
        items.sort(key=lambda x: (x[0], x[1]))
        chain: list[DenialEvent] = []
        for ts, kind, item in items:
            if kind == 0:
                assert isinstance(item, DenialEvent)
                if chain and ts - chain[-1].ts > gap:
                    chain = []
                chain.append(item)
                continue
            assert isinstance(item, SuccessEvent)
            if not chain:
                continue
            last = chain[-1].ts
            counted = chain if span is None else [d for d in chain if d.ts >= last - span]
            if ts - last <= success_within and len(counted) >= min_denials:
                chains.append(_Chain(user, tuple(counted), item))
            chain = []
    return chains


def _chain_alerts(
    det_id: str,
    name: str,
    chains: Iterable[_Chain],
    ev: Evidence,
    ctx: Context,
    p: Params,
    base_same: Severity,
) -> list[Alert]:
    alerts: list[Alert] = []
    for ch in chains:
        s = ch.success
        upn, uid = _user_of(ev, ch.user, s.upn)
        denial_ips = {d.ip for d in ch.denials if d.ip}
        # Same source: the success IP is among the denials' IPs, or (reference §4) the same country
        # and autonomous system when both are known (an attacker rotating addresses in one network).
        same_source = (bool(s.ip) and s.ip in denial_ips) or (
            bool(s.asn and s.country) and any(d.asn == s.asn and d.country == s.country for d in ch.denials)
        )
        reasons = [
            f"{len(ch.denials)} unique denial events, then a successful MFA sign-in "
            f"{_fmt_delta(s.ts - ch.denials[-1].ts)} after the last one"
        ]
        mods: list[str] = []
        if same_source:
            mods, mod_reasons = _geo_modifiers(ctx, ch.user, upn, uid, [(s.country, s.ip, s.ts)])
            severity = step_up(base_same, 1 if mods else 0, Severity.CRITICAL)
            how = (
                "an IP the denials came from"
                if s.ip in denial_ips
                else f"the denials' network (AS{s.asn}, {s.country})"
            )
            reasons.append(f"the success came from {s.ip}, {how} (same source): {base_same.value}")
            reasons.extend(mod_reasons)
        elif not is_push(s.method) and s.method and ctx.expected_source(ch.user, s.ip, s.ts):
            severity = Severity.LOW
            reasons.append(
                f"the success used {s.method} (not push) from an expected source {s.ip}: probably the user"
            )
        else:
            severity = Severity.MEDIUM
            reasons.append(
                f"the success came from {s.ip or 'an unknown IP'}, not from the denials' IPs "
                f"({', '.join(sorted(denial_ips)) or 'unknown'}): verify with the user (different source stays medium)"
            )
        if s.low_confidence:
            reasons.append(
                "the success is inferred from errorCode 0 without MFA detail (v1.0 data): low confidence"
            )
        ent = _entities(ch.denials)
        alerts.append(
            Alert(
                detection_id=det_id,
                name=name,
                severity=severity,
                user=upn or None,
                user_id=uid or None,
                first_seen=ch.denials[0].ts,
                last_seen=s.ts,
                denials=_denial_counts(ch.denials),
                ips=sorted_unique([*ent["ips"], s.ip]),
                countries=sorted_unique([*ent["countries"], s.country]),
                apps=sorted_unique([*ent["apps"], s.app]),
                user_agents=ent["user_agents"],
                correlation_ids=ent["correlation_ids"],
                record_ids=sorted_unique([*ent["record_ids"], s.record_id]),
                success_record_id=s.record_id,
                modifiers=tuple(mods),
                mitre=("T1621", "T1078.004"),
                profile=ctx.profile,
                summary=(
                    f"{upn or uid} approved an MFA prompt at {iso(s.ts)} after {len(ch.denials)} denials"
                    + (" from the same source" if same_source else " (success from a different source)")
                ),
                reasons=tuple(reasons),
                next_steps=(NEXT_REVOKE, NEXT_RESET, NEXT_METHODS, NEXT_BLOCK_IP, NEXT_CONTACT),
                timeline=(*_timeline_denials(ch.denials), timeline_success(s)),
                details={
                    "same_source": same_source,
                    "success_time": iso(s.ts),
                    "success_ip": s.ip or None,
                    "success_country": s.country or None,
                    "success_method": s.method or None,
                    "confidence": "low" if s.low_confidence else "high",
                },
            )
        )
    return alerts


def _fmt_delta(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    return f"{seconds // 60} min"


def spam_then_success(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    chains = find_chains(
        burst_events(ev, p),
        ev.successes,
        min_denials=p.chain_min,
        gap=p.chain_gap,
        success_within=p.success_within,
    )
    return _chain_alerts(
        "DET-002", "MFA spam followed by a successful sign-in", chains, ev, ctx, p, Severity.HIGH
    )


def slow_spam_then_success(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    covered = {a.success_record_id for a in prior if a.detection_id == "DET-002"}
    chains = find_chains(
        burst_events(ev, p),
        ev.successes,
        min_denials=p.slow_min,
        gap=p.slow_gap,
        success_within=p.success_within,
        span=p.slow_span,
    )
    chains = [c for c in chains if c.success.record_id not in covered]
    return _chain_alerts(
        "DET-003",
        "Slow MFA spam (across sessions) followed by a successful sign-in",
        chains,
        ev,
        ctx,
        p,
        Severity.HIGH,
    )


# -- DET-004 explicit deny (D3) ---------------------------------------------------------------------


def explicit_deny(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    per_key: dict[tuple[str, str], list[DenialEvent]] = defaultdict(list)
    for e in ev.denials:
        if e.cls is EventClass.DENY_EXPLICIT:
            per_key[(e.user_key, e.ip)].append(e)
    alerts: list[Alert] = []
    for (user, ip), events in per_key.items():
        for group in time_groups(events, lambda e: e.ts, p.deny_group):
            upn, uid = _user_of(ev, user, group[0].upn, group[0].user_id)
            mods, mod_reasons = _geo_modifiers(ctx, user, upn, uid, ((e.country, e.ip, e.ts) for e in group))
            severity = step_up(Severity.LOW, 1 if mods else 0, Severity.MEDIUM)
            alerts.append(
                _deny_alert(
                    ev,
                    ctx,
                    group,
                    upn,
                    uid,
                    ip,
                    severity,
                    tuple(mods),
                    [
                        f"{len(group)} explicit denial(s) ('user declined') from {ip or 'an unknown IP'} within 1 h: low",
                        *mod_reasons,
                    ],
                )
            )
    return alerts


def _deny_alert(
    ev: Evidence,
    ctx: Context,
    group: Sequence[DenialEvent],
    upn: str,
    uid: str,
    ip: str,
    severity: Severity,
    mods: tuple[str, ...],
    reasons: Sequence[str],
    *,
    name: str = "Explicit MFA deny",
) -> Alert:
    return Alert(
        detection_id="DET-004",
        name=name,
        severity=severity,
        user=upn or None,
        user_id=uid or None,
        first_seen=group[0].ts,
        last_seen=group[-1].ts,
        denials=_denial_counts(group),
        modifiers=mods,
        mitre=("T1621", "T1078.004"),
        profile=ctx.profile,
        summary=f"{upn or uid} denied {len(group)} MFA prompt(s) from {ip or 'an unknown IP'}",
        reasons=tuple(reasons),
        next_steps=(
            "Ask the user whether they started these sign-ins; if not, the password is known to someone else.",
            NEXT_RESET,
            NEXT_HARDEN,
        ),
        timeline=tuple(_timeline_denials(group)),
        **_entities(group),
    )


# -- DET-005 user-reported fraud (D4) ---------------------------------------------------------------


@dataclass(frozen=True)
class _Evidence:
    ts: datetime
    source: str
    """signin | audit | risk"""
    item: DenialEvent | AuditEvent | RiskEvent


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


def _fraud_items(ev: Evidence, idx: UserIndex) -> dict[str, list[_Evidence]]:
    items: dict[str, list[_Evidence]] = defaultdict(list)
    for d in ev.denials:
        if d.cls is EventClass.FRAUD:
            items[d.user_key].append(_Evidence(d.ts, "signin", d))
    for a in ev.audits:
        if a.activity.lower() in FRAUD_ACTIVITIES:
            for key in idx.audit_users(a, initiator=not (a.target_user_ids or a.target_upns)):
                items[key].append(_Evidence(a.ts, "audit", a))
    for r in ev.risks:
        if r.risk_event_type.lower() == USER_REPORTED_RISK:
            items[idx.key(r.user_id, r.upn)].append(_Evidence(r.ts, "risk", r))
    for lst in items.values():
        lst.sort(key=lambda x: (x.ts, x.source))
    return items


def user_reported_fraud(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    idx = UserIndex(ev)
    sspr_audits: dict[str, list[AuditEvent]] = defaultdict(list)
    for a in ev.audits:
        if a.result_reason.lower().rstrip(".") == SSPR_REASON:
            for key in idx.audit_users(a, initiator=True):
                sspr_audits[key].append(a)
    denials_by_user = _by_user(ev.denials)
    alerts: list[Alert] = []
    for user, items in _fraud_items(ev, idx).items():
        for cluster in linked_clusters(items, lambda x: x.ts, p.fraud_merge):
            upn, uid = idx.names(user)
            first, last = cluster[0].ts, cluster[-1].ts
            sources = sorted({c.source for c in cluster})
            signin_events = [c.item for c in cluster if isinstance(c.item, DenialEvent)]
            attached: list[DenialEvent] = list(signin_events)
            if not attached:
                # Attach the attacker's sign-in (a 500121 near the report) for its IP and location.
                attached = [
                    d
                    for d in denials_by_user.get(user, ())
                    if first - p.fraud_merge <= d.ts <= last + p.fraud_merge
                ]
            sspr = [
                a
                for a in sspr_audits.get(user, ())
                if any(abs(a.ts - c.ts) <= p.sspr_window for c in cluster if c.source == "audit")
            ]
            audit_only = sources == ["audit"]
            severity = Severity.MEDIUM if audit_only and sspr else Severity.HIGH
            reasons = [
                f"user reported an MFA prompt as fraud/suspicious ({', '.join(sources)} evidence): high"
            ]
            if audit_only and sspr:
                reasons.append(
                    "the only evidence is an audit event during self-service password reset "
                    "(SSPR context): medium — a report during SSPR does not prove the password is known"
                )
            risk_ips = [c.item.ip for c in cluster if isinstance(c.item, RiskEvent)]
            timeline = _timeline_denials(attached)
            for c in cluster:
                if isinstance(c.item, AuditEvent):
                    timeline.append(TimelineEntry(c.ts, "AUDIT", c.item.id, c.item.activity))
                elif isinstance(c.item, RiskEvent):
                    timeline.append(
                        TimelineEntry(
                            c.ts,
                            "RISK",
                            c.item.id,
                            c.item.risk_event_type,
                            ip=c.item.ip,
                            country=c.item.country,
                        )
                    )
            timeline.sort(key=lambda t: (t.ts, t.kind, t.record_id))
            ent = _entities(attached)
            alerts.append(
                Alert(
                    detection_id="DET-005",
                    name="User reported MFA fraud / suspicious activity",
                    severity=severity,
                    user=upn or None,
                    user_id=uid or None,
                    first_seen=first,
                    last_seen=last,
                    denials=_denial_counts(signin_events),
                    ips=sorted_unique([*ent["ips"], *risk_ips]),
                    countries=ent["countries"],
                    apps=ent["apps"],
                    user_agents=ent["user_agents"],
                    correlation_ids=ent["correlation_ids"],
                    record_ids=sorted_unique(
                        [
                            *ent["record_ids"],
                            *(c.item.id for c in cluster if not isinstance(c.item, DenialEvent)),
                        ]
                    ),
                    mitre=("T1621", "T1078.004"),
                    profile=ctx.profile,
                    summary=f"{upn or uid} reported an MFA prompt as suspicious at {iso(first)}",
                    reasons=tuple(reasons),
                    next_steps=(
                        NEXT_RESET,
                        NEXT_REVOKE,
                        NEXT_METHODS,
                        "If the report blocked the user for MFA, unblock them only after the password reset.",
                    ),
                    timeline=tuple(timeline),
                    details={"sources": sources, "sspr_context": bool(sspr)},
                )
            )
    return alerts


# -- DET-006 attempts while MFA-blocked (D5) --------------------------------------------------------


def blocked_attempts(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    idx = UserIndex(ev)
    fraud_by_user: dict[str, list[datetime]] = defaultdict(list)
    for a in prior:
        if a.detection_id == "DET-005":
            fraud_by_user[idx.key(a.user_id or "", a.user or "")].append(a.first_seen)
    alerts: list[Alert] = []
    blocked = _by_user(e for e in ev.denials if e.cls is EventClass.BLOCKED)
    for user, events in blocked.items():
        for group in time_groups(events, lambda e: e.ts, p.blocked_group):
            upn, uid = _user_of(ev, user, group[0].upn, group[0].user_id)
            reports = [t for t in fraud_by_user.get(user, []) if t <= group[0].ts]
            severity = Severity.HIGH if reports else Severity.MEDIUM
            reasons = [f"{len(group)} sign-in attempt(s) refused with 'user is blocked' within 24 h: medium"]
            if reports:
                reasons.append(
                    f"the user reported fraud at {iso(min(reports))} (DET-005) and the attempts go on: "
                    "whoever holds the password is still trying (high)"
                )
            alerts.append(
                _event_alert(
                    group,
                    detection_id="DET-006",
                    name="Sign-in attempts while blocked for MFA",
                    severity=severity,
                    user=upn or None,
                    user_id=uid or None,
                    mitre=("T1621", "T1110"),
                    profile=ctx.profile,
                    summary=f"{len(group)} attempts for {upn or uid} while the user is blocked for MFA",
                    reasons=tuple(reasons),
                    next_steps=(
                        NEXT_RESET,
                        NEXT_REVOKE,
                        NEXT_BLOCK_IP,
                        "Unblock the user for MFA (Entra > Multifactor authentication > Block/unblock users) "
                        "only after the password is reset.",
                    ),
                )
            )
    return alerts


# -- DET-007 MFA method change after fatigue or a report (D7) ---------------------------------------


def _is_method_change(a: AuditEvent) -> bool:
    act = a.activity.lower()
    if act in SECURITY_INFO_ACTIVITIES:
        return True
    return act == "update user" and any(
        "strongauthenticationphoneappdetail" in m.lower() for m in a.modified_properties
    )


def method_change_after_attack(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    idx = UserIndex(ev)
    anchors: dict[str, list[tuple[datetime, Alert]]] = defaultdict(list)
    for a in prior:
        if a.detection_id in ("DET-002", "DET-003"):
            ts = a.last_seen  # the success (every profile's DET-002/003 ends at it)
        elif a.detection_id == "DET-005":
            ts = a.first_seen
        else:
            continue
        anchors[idx.key(a.user_id or "", a.user or "")].append((ts, a))
    changes: dict[str, list[AuditEvent]] = defaultdict(list)
    for audit in ev.audits:
        if _is_method_change(audit):
            for key in idx.audit_users(audit, initiator=True):
                changes[key].append(audit)
    alerts: list[Alert] = []
    for user, audits in changes.items():
        matched: list[AuditEvent] = []
        triggers: dict[str, Alert] = {}
        for audit in audits:
            hits = [
                al
                for ts, al in anchors.get(user, ())
                if ts - p.method_change_before <= audit.ts <= ts + p.method_change_after
            ]
            if hits:
                matched.append(audit)
                for al in hits:
                    triggers[al.alert_id] = al
        if not matched:
            continue
        after_success = any(t.detection_id in ("DET-002", "DET-003") for t in triggers.values())
        severity = Severity.CRITICAL if after_success else Severity.HIGH
        upn, uid = idx.names(user)
        trig_txt = ", ".join(sorted(f"{t.detection_id} at {iso(t.first_seen)}" for t in triggers.values()))
        reasons = [
            f"{len(matched)} security-info change(s) within −30 min..+6 h of {trig_txt}",
            "after a successful fatigue attack: critical (the attacker may be adding their own method)"
            if after_success
            else "after a fraud report without a known success: high",
        ]
        timeline = [
            TimelineEntry(t.first_seen, t.detection_id, t.success_record_id or "", t.summary)
            for t in triggers.values()
        ] + [TimelineEntry(a.ts, "AUDIT", a.id, a.activity, ip=a.initiator_ip) for a in matched]
        timeline.sort(key=lambda t: (t.ts, t.kind))
        alerts.append(
            Alert(
                detection_id="DET-007",
                name="MFA method changed after fatigue or a fraud report",
                severity=severity,
                user=upn or None,
                user_id=uid or None,
                first_seen=min(a.ts for a in matched),
                last_seen=max(a.ts for a in matched),
                ips=sorted_unique(a.initiator_ip for a in matched),
                record_ids=sorted_unique(a.id for a in matched),
                mitre=("T1621", "T1098", "T1556.006"),
                profile=ctx.profile,
                summary=f"{upn or uid}: {', '.join(sorted({a.activity for a in matched}))} after {trig_txt}",
                reasons=tuple(reasons),
                next_steps=(
                    "Remove the authentication method registered during the attack (Entra > user > "
                    "Authentication methods) unless the user confirms it.",
                    NEXT_REVOKE,
                    NEXT_RESET,
                ),
                timeline=tuple(timeline),
                details={"triggers": sorted(triggers)},
            )
        )
    return alerts


# -- DET-008 campaign from one source (D8) ----------------------------------------------------------


def _source_key(ip: str, prefix: int | None) -> str:
    if prefix is None or not ip:
        return ip
    import ipaddress

    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if addr.version == 4:
        return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
    return str(ipaddress.ip_network(f"{ip}/{min(prefix * 2 + 16, 128)}", strict=False))


def campaign(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    per_source: dict[str, list[DenialEvent]] = defaultdict(list)
    for e in burst_events(ev, p):
        if e.ip:
            per_source[_source_key(e.ip, ctx.options.campaign_prefix)].append(e)
    alerts: list[Alert] = []
    for source, events in sorted(per_source.items()):
        for first, last, best in sliding_distinct(
            events, lambda e: e.ts, lambda e: e.user_key, p.campaign_users, p.campaign_window
        ):
            burst = events[first : last + 1]
            upns = sorted({_user_of(ev, e.user_key, e.upn, e.user_id)[0] or e.user_key for e in burst})
            alerts.append(
                _event_alert(
                    burst,
                    detection_id="DET-008",
                    name="MFA push-spam campaign from one source",
                    severity=Severity.HIGH,
                    user=None,
                    user_id=None,
                    users=tuple(upns),
                    profile=ctx.profile,
                    summary=f"{len(upns)} users got MFA denials from {source} within 1 h",
                    reasons=(
                        f"{best} distinct users with denial events from {source} within "
                        f"{int(p.campaign_window.total_seconds() // 60)} min (threshold {p.campaign_users}): high",
                    ),
                    next_steps=(
                        NEXT_BLOCK_IP,
                        NEXT_RESET.replace("the user's", "each affected user's"),
                        NEXT_HARDEN,
                    ),
                    details={"source": source, "distinct_users": best},
                )
            )
    return alerts


# -- DET-009 TOTP brute force (D9) ------------------------------------------------------------------


def totp_brute_force(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    per_user = _by_user(e for e in ev.denials if e.cls in COUNTING_CLASSES and is_oath(e.method))
    alerts: list[Alert] = []
    for user, events in per_user.items():
        times = [e.ts for e in events]
        for first, last, _best in sliding_bursts(times, p.totp_failures, p.totp_window):
            burst = events[first : last + 1]
            sessions = {e.session_id or e.correlation_id or e.record_id for e in burst}
            if len(sessions) < p.totp_sessions:
                continue
            upn, uid = _user_of(ev, user, burst[0].upn, burst[0].user_id)
            alerts.append(
                _event_alert(
                    burst,
                    detection_id="DET-009",
                    name="MFA TOTP code brute force",
                    severity=Severity.MEDIUM,
                    user=upn or None,
                    user_id=uid or None,
                    mitre=("T1621", "T1110"),
                    profile=ctx.profile,
                    summary=f"{len(burst)} failed verification codes for {upn or uid} across {len(sessions)} sessions",
                    reasons=(
                        f"{len(burst)} OATH code failures (≥{p.totp_failures}) across {len(sessions)} sessions "
                        f"(≥{p.totp_sessions}) within {int(p.totp_window.total_seconds() // 60)} min: medium",
                    ),
                    next_steps=(
                        NEXT_RESET,
                        NEXT_REVOKE,
                        "Review the user's OATH tokens; re-register them if in doubt.",
                    ),
                    details={"sessions": len(sessions)},
                )
            )
    return alerts


DETECTIONS: tuple[Detection, ...] = (
    Detection(
        "DET-001",
        "D1",
        "Push burst",
        "Many MFA denials for one user in a short window (fatigue in progress).",
        ("T1621",),
        push_burst,
    ),
    Detection(
        "DET-002",
        "D2",
        "Spam then success",
        "A chain of denials followed by a successful MFA sign-in.",
        ("T1621", "T1078.004"),
        spam_then_success,
    ),
    Detection(
        "DET-003",
        "D2s",
        "Slow spam then success",
        "Denials spread across sessions (gaps ≤30 min, ≤60 min span) then a success.",
        ("T1621", "T1078.004"),
        slow_spam_then_success,
    ),
    Detection(
        "DET-004",
        "D3",
        "Explicit MFA deny",
        "The user declined a prompt (per user and IP, per hour).",
        ("T1621", "T1078.004"),
        explicit_deny,
    ),
    Detection(
        "DET-005",
        "D4",
        "User reported fraud",
        "Report suspicious activity / fraud alert from sign-ins, audit log or Identity Protection.",
        ("T1621", "T1078.004"),
        user_reported_fraud,
    ),
    Detection(
        "DET-006",
        "D5",
        "Attempts while MFA-blocked",
        "Sign-ins refused with 'user is blocked'.",
        ("T1621", "T1110"),
        blocked_attempts,
    ),
    Detection(
        "DET-007",
        "D7",
        "MFA method change after attack",
        "Security info changed around a successful fatigue attack or a fraud report.",
        ("T1621", "T1098", "T1556.006"),
        method_change_after_attack,
    ),
    Detection(
        "DET-008",
        "D8",
        "Campaign from one source",
        "Denials for several users from one IP within an hour.",
        ("T1621",),
        campaign,
    ),
    Detection(
        "DET-009",
        "D9",
        "TOTP brute force",
        "Many failed verification codes across many sessions.",
        ("T1621", "T1110"),
        totp_brute_force,
    ),
)

DETECTIONS_BY_ID: Mapping[str, Detection] = {d.id: d for d in DETECTIONS}
