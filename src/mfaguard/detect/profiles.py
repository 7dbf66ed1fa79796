"""Detection profiles: mfaguard's own logic (``default``) and reproductions of the SIEM anchors.

``sentinel``, ``splunk`` and ``elastic`` reproduce what those vendors' rules do with the same records
(reference §2 and §4 "Recommended profiles"), quirks included — step over-counting, whole-group
spans, fixed buckets, record counting, sequence maxspans — so an analyst can see why a SIEM fired or
stayed quiet. They are for comparison; ``default`` is the one to alert on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from mfaguard.detect.alerts import Alert, TimelineEntry, iso
from mfaguard.detect.collect import Evidence
from mfaguard.detect.context import Context
from mfaguard.detect.model import COUNTING_CLASSES, EventClass, SignIn, SuccessEvent
from mfaguard.detect.rules import DETECTIONS, DETECTIONS_BY_ID
from mfaguard.detect.rules.base import (
    NEXT_CONTACT,
    NEXT_RESET,
    DetectFn,
    Params,
    sorted_unique,
    timeline_success,
)
from mfaguard.detect.rules.det006_blocked_attempts import blocked_attempts
from mfaguard.detect.rules.det007_method_change import method_change_after_attack
from mfaguard.detect.rules.det009_totp_brute_force import totp_brute_force
from mfaguard.detect.windows import bucket_start
from mfaguard.errors import UsageError
from mfaguard.model.report import Severity


@dataclass(frozen=True)
class Profile:
    """A named set of detection implementations and parameters."""

    name: str
    description: str
    detections: Mapping[str, DetectFn]
    """Detection id → implementation, run in registry order."""
    params: Params = field(default_factory=Params)


# -- helpers ----------------------------------------------------------------------------------------


def _record_timeline(records: Sequence[SignIn]) -> tuple[TimelineEntry, ...]:
    return tuple(
        TimelineEntry(
            r.ts, r.cls.value, r.id, r.status_detail or r.raw_detail, r.ip, r.country, r.app, r.interactive
        )
        for r in records
    )


def _record_alert(
    det: str,
    name: str,
    severity: Severity,
    records: Sequence[SignIn],
    ctx: Context,
    summary: str,
    reasons: Sequence[str],
    *,
    success: SuccessEvent | None = None,
    details: Mapping[str, object] | None = None,
    mitre: tuple[str, ...] = ("T1621",),
) -> Alert:
    first = records[0]
    counts: dict[str, int] = defaultdict(int)
    for r in records:
        counts[r.cls.value] += 1
    timeline = _record_timeline(records)
    if success is not None:
        timeline = (*timeline, timeline_success(success))
    return Alert(
        detection_id=det,
        name=name,
        severity=severity,
        user=first.upn or None,
        user_id=first.user_id or None,
        first_seen=records[0].ts,
        last_seen=success.ts if success else records[-1].ts,
        denials=dict(counts),
        ips=sorted_unique([*(r.ip for r in records), success.ip if success else ""]),
        countries=sorted_unique([*(r.country for r in records), success.country if success else ""]),
        apps=sorted_unique(r.app for r in records),
        user_agents=sorted_unique(r.user_agent for r in records),
        correlation_ids=sorted_unique(r.correlation_id for r in records),
        record_ids=sorted_unique([*(r.id for r in records), success.record_id if success else ""]),
        success_record_id=success.record_id if success else None,
        mitre=mitre,
        profile=ctx.profile,
        summary=summary,
        reasons=tuple(reasons),
        next_steps=(NEXT_CONTACT, NEXT_RESET),
        timeline=timeline,
        details=dict(details or {}),
    )


# -- Sentinel: "MFA Spamming (followed by Successful login)" A1/A2, "MFA Rejected"/"Explicit deny" A3/A4 --

SENTINEL_FAIL = frozenset(
    {
        "mfa denied; user declined the authentication",
        "mfa denied; user did not respond to mobile app notification",
    }
)
SENTINEL_SUCCESS = "mfa successfully completed"


@dataclass
class _SentinelGroup:
    failed: int = 0
    succeeded: int = 0
    times: list[datetime] = field(default_factory=list)
    records: list[SignIn] = field(default_factory=list)
    success: SuccessEvent | None = None


def _sentinel_groups(ev: Evidence) -> dict[tuple[str, str, str, str, str, date], _SentinelGroup]:
    # A1 expands every AuthenticationDetails step of interactive MFA-required records and groups by
    # UPN + IP + state + city + country over the daily query; the span is last − first of the group.
    groups: dict[tuple[str, str, str, str, str, date], _SentinelGroup] = defaultdict(_SentinelGroup)
    seen: set[str] = set()
    for rec in ev.denial_records:
        if not rec.interactive or not rec.mfa_required:
            continue
        g = groups[(rec.upn, rec.ip, rec.state, rec.city, rec.country, rec.ts.date())]
        seen.add(rec.id)
        g.records.append(rec)
        g.times.append(rec.ts)
        for step in rec.steps or ():
            if step.detail in SENTINEL_FAIL:
                g.failed += 1  # every step, copies included: the rule's over-count
            elif step.detail == SENTINEL_SUCCESS:
                g.succeeded += 1
    for s in ev.successes:
        if not s.interactive or s.record_id in seen or s.low_confidence:
            continue
        g = groups[(s.upn, s.ip, s.state, s.city, s.country, s.ts.date())]
        g.times.append(s.ts)
        g.succeeded += 1
        g.success = g.success or s
    return groups


def _sentinel_spam(ev: Evidence, ctx: Context, need_success: bool) -> list[Alert]:
    alerts: list[Alert] = []
    for key, g in sorted(_sentinel_groups(ev).items(), key=lambda kv: (kv[0][5], kv[0][0], kv[0][1])):
        if not g.records:
            continue
        span = max(g.times) - min(g.times)
        if g.failed <= 10 or span > timedelta(minutes=5):
            continue
        if need_success and g.succeeded < 1:
            continue
        g.records.sort(key=lambda r: r.ts)
        reasons = [
            f"{g.failed} failed steps (declined / no response, counted per expanded step) > 10 for "
            f"{key[0]} from {key[1]}; group span {int(span.total_seconds())} s ≤ 5 min"
        ]
        if need_success:
            reasons.append(f"{g.succeeded} 'MFA successfully completed' in the same user+IP+location group")
            alerts.append(
                _record_alert(
                    "DET-002",
                    "MFA Spamming followed by Successful login (Sentinel)",
                    Severity.HIGH,
                    g.records,
                    ctx,
                    f"Sentinel A1 would fire for {key[0]} from {key[1]}",
                    reasons,
                    success=g.success,
                    details={"failed_steps": g.failed, "span_seconds": int(span.total_seconds())},
                    mitre=("T1110",),
                )
            )
        else:
            alerts.append(
                _record_alert(
                    "DET-001",
                    "MFA Spamming (Sentinel hunting)",
                    Severity.MEDIUM,
                    g.records,
                    ctx,
                    f"Sentinel A2 would fire for {key[0]} from {key[1]}",
                    reasons,
                    details={"failed_steps": g.failed, "span_seconds": int(span.total_seconds())},
                    mitre=("T1078",),
                )
            )
    return alerts


def sentinel_burst(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    return _sentinel_spam(ev, ctx, need_success=False)


def sentinel_spam_success(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    return _sentinel_spam(ev, ctx, need_success=True)


def sentinel_deny(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    # A4 "Explicit MFA Deny": every 500121 record (interactive or not) whose status text contains the
    # declined or Phone-App-Reported-Fraud phrase; one alert per record, medium.
    alerts: list[Alert] = []
    for rec in ev.denial_records:
        text = rec.status_detail.lower()
        if rec.error_code != 500121:
            continue
        if (
            "mfa denied; user declined the authentication" in text
            or "mfa denied; phone app reported fraud" in text
        ):
            alerts.append(
                _record_alert(
                    "DET-004",
                    "Explicit MFA Deny (Sentinel)",
                    Severity.MEDIUM,
                    [rec],
                    ctx,
                    f"Sentinel A4 would fire for {rec.upn} ({rec.status_detail})",
                    [f"500121 with '{rec.status_detail}' (each record alerts): medium"],
                    mitre=("T1110",),
                )
            )
    return alerts


# -- Splunk: Azure AD Multiple Denied / Multiple Failed / Authentication Failed During MFA Challenge --

SPLUNK_DECLINED = "mfa denied; user declined the authentication"


def _splunk_buckets(ev: Evidence, declined: bool) -> dict[tuple[str, str, str, str, datetime], list[SignIn]]:
    buckets: dict[tuple[str, str, str, str, datetime], list[SignIn]] = defaultdict(list)
    for rec in ev.denial_records:
        if rec.error_code != 500121:
            continue
        # SPL compares field values case-insensitively but literally: a trailing "." does not match.
        phrase = rec.status_detail.strip().lower()
        if (phrase == SPLUNK_DECLINED) != declined:
            continue
        key = (rec.upn, phrase, rec.app, rec.user_agent, bucket_start(rec.ts, timedelta(minutes=10)))
        buckets[key].append(rec)
    return buckets


def splunk_burst(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    alerts: list[Alert] = []
    for declined, threshold, name in (
        (True, 10, "Azure AD Multiple Denied MFA Requests For User (Splunk)"),
        (False, 11, "Azure AD Multiple Failed MFA Requests For User (Splunk)"),
    ):
        for key, recs in sorted(_splunk_buckets(ev, declined).items(), key=lambda kv: (kv[0][4], kv[0][0])):
            if len(recs) < threshold:
                continue
            recs.sort(key=lambda r: r.ts)
            alerts.append(
                _record_alert(
                    "DET-001",
                    name,
                    Severity.MEDIUM,
                    recs,
                    ctx,
                    f"{len(recs)} records '{key[1]}' for {key[0]} in the 10-min bucket at {iso(key[4])}",
                    [
                        f"{len(recs)} 500121 records in one fixed 10-min bucket per user+phrase+app+UA "
                        f"(threshold {'> 9' if declined else '> 10'})"
                    ],
                    details={"bucket": iso(key[4])},
                )
            )
    return alerts


def splunk_per_event(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    groups: dict[tuple[str, str, str, str, str], list[SignIn]] = defaultdict(list)
    for rec in ev.denial_records:
        if rec.error_code == 500121:
            groups[(rec.upn, rec.ip, rec.status_detail, rec.app, rec.user_agent)].append(rec)
    alerts = []
    for key, recs in sorted(groups.items()):
        recs.sort(key=lambda r: r.ts)
        alerts.append(
            _record_alert(
                "DET-004",
                "Azure AD Authentication Failed During MFA Challenge (Splunk)",
                Severity.MEDIUM,
                recs,
                ctx,
                f"{len(recs)} MFA challenge failure(s) for {key[0]} from {key[1]}",
                ["every 500121 record is a finding (no threshold)"],
            )
        )
    return alerts


# -- Elastic: Okta MFA bombing sequences translated to Entra records; Entra user-reported; TOTP ---------


def _elastic_sequences(
    ev: Evidence, with_success: bool, maxspan: timedelta
) -> list[tuple[list[SignIn], SuccessEvent | None]]:
    out: list[tuple[list[SignIn], SuccessEvent | None]] = []
    per_user: dict[str, list[tuple[datetime, int, SignIn | SuccessEvent]]] = defaultdict(list)
    for rec in ev.denial_records:
        if rec.cls is EventClass.DENY_EXPLICIT:
            per_user[rec.user_key].append((rec.ts, 0, rec))
    for s in ev.successes:
        if s.user_key in per_user:
            per_user[s.user_key].append((s.ts, 1, s))
    for items in per_user.values():
        items.sort(key=lambda x: (x[0], x[1]))
        pending: list[SignIn] = []
        for ts, kind, item in items:
            pending = [r for r in pending if ts - r.ts <= maxspan]
            if kind == 1:
                assert isinstance(item, SuccessEvent)
                if with_success and len(pending) >= 5:
                    out.append((pending[-5:], item))
                pending = []
                continue
            assert isinstance(item, SignIn)
            pending.append(item)
            if not with_success and len(pending) == 5:
                out.append((pending, None))
                pending = []
    return out


def elastic_burst(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    return [
        _record_alert(
            "DET-001",
            "Potential MFA Bombing via Push Notifications (Elastic)",
            Severity.HIGH,
            recs,
            ctx,
            f"5 push denials for {recs[0].upn} within 10 min",
            ["EQL sequence of 5 deny events by user with maxspan=10m, no success in between"],
        )
        for recs, _ in _elastic_sequences(ev, False, timedelta(minutes=10))
    ]


def elastic_spam_success(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    return [
        _record_alert(
            "DET-002",
            "Potentially Successful MFA Bombing via Push Notifications (Elastic)",
            Severity.HIGH,
            recs,
            ctx,
            f"5 push denials then a success for {recs[0].upn} within 10 min",
            ["EQL sequence 5 × deny then success by user, maxspan=10m from the first deny to the success"],
            success=success,
            mitre=("T1621", "T1078.004"),
        )
        for recs, success in _elastic_sequences(ev, True, timedelta(minutes=10))
    ]


def elastic_user_reported(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    alerts = []
    for a in ev.audits:
        if a.activity.lower() != "suspicious activity reported":
            continue
        upn = (a.target_upns or (a.initiator_upn,))[0]
        alerts.append(
            Alert(
                detection_id="DET-005",
                name="Entra ID User Reported Suspicious Activity (Elastic)",
                severity=Severity.MEDIUM,
                user=upn or None,
                user_id=(a.target_user_ids or (a.initiator_user_id,))[0] or None,
                first_seen=a.ts,
                last_seen=a.ts,
                record_ids=(a.id,),
                mitre=("T1078.004", "T1621"),
                profile=ctx.profile,
                summary=f"audit 'Suspicious activity reported' for {upn}",
                reasons=("each audit event 'Suspicious activity reported' alerts (risk 47, medium)",),
                timeline=(TimelineEntry(a.ts, "AUDIT", a.id, a.activity),),
            )
        )
    return alerts


def elastic_totp(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    guests = {r.id for r in ev.denial_records if r.user_type.lower() == "guest"}
    members = Evidence(
        denials=tuple(d for d in ev.denials if d.record_id not in guests),
        successes=ev.successes,
        denial_records=ev.denial_records,
        baseline=ev.baseline,
        users=ev.users,
    )
    return totp_brute_force(members, ctx, p, prior)


# -- registry ----------------------------------------------------------------------------------------

_DEFAULT = {d.id: d.run for d in DETECTIONS}

PROFILES: Mapping[str, Profile] = {
    "default": Profile(
        "default", "mfaguard's definitions (reference §4): deduplicated events, sliding windows.", _DEFAULT
    ),
    "sentinel": Profile(
        "sentinel",
        "Microsoft Sentinel: MFA Spamming (>10 expanded steps, whole-group span ≤5 min per user+IP+location), "
        "followed by Successful login, Explicit MFA Deny per record, blocked-user and method-change rules.",
        {
            "DET-001": sentinel_burst,
            "DET-002": sentinel_spam_success,
            "DET-004": sentinel_deny,
            "DET-006": blocked_attempts,
            "DET-007": method_change_after_attack,
        },
    ),
    "splunk": Profile(
        "splunk",
        "Splunk: declined-only ≥10 and non-declined >10 per fixed 10-min bucket per user+phrase+app+UA "
        "(records, not steps); every 500121 a per-event finding.",
        {"DET-001": splunk_burst, "DET-004": splunk_per_event},
    ),
    "elastic": Profile(
        "elastic",
        "Elastic: 5 deny records in a 10-min EQL sequence (with or without a closing success), "
        "user-reported suspicious activity (audit, medium), TOTP brute force on member users (9 min).",
        {
            "DET-001": elastic_burst,
            "DET-002": elastic_spam_success,
            "DET-005": elastic_user_reported,
            "DET-009": elastic_totp,
        },
        Params(
            totp_window=timedelta(minutes=9), interactive_only_bursts=False, burst_classes=COUNTING_CLASSES
        ),
    ),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise UsageError(f"unknown profile {name!r}", hint=f"use one of: {', '.join(PROFILES)}") from None


def ordered(profile: Profile) -> list[tuple[str, DetectFn]]:
    """The profile's detections in registry order."""
    return [
        (det_id, profile.detections[det_id]) for det_id in DETECTIONS_BY_ID if det_id in profile.detections
    ]
