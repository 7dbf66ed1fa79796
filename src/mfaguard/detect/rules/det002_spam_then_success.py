"""DET-002 — MFA spam followed by a successful sign-in (reference D2).

- Fires: per user, at least ``chain_min`` (5) denial events, each at most ``chain_gap`` (10 min) after
  the previous one, then a successful MFA sign-in within ``success_within`` (10 min) of the last denial.
  A success ends a chain whether or not it closes one.
- Severity: same source (the success IP is among the denials' IPs, or the same country and autonomous
  system) high, critical with the ``priv`` / ``new_geo`` modifiers; a different source medium; a
  non-push method from an expected source low. A success inferred from errorCode 0 without MFA detail
  (v1.0 data) is said to be low confidence.
- :func:`find_chains` and :func:`chain_alerts` are shared with DET-003 (slow spam).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mfaguard.detect.alerts import Alert, iso
from mfaguard.detect.classify import is_push
from mfaguard.detect.collect import Evidence
from mfaguard.detect.context import Context, step_up
from mfaguard.detect.model import DenialEvent, SuccessEvent
from mfaguard.detect.rules.base import (
    NEXT_BLOCK_IP,
    NEXT_CONTACT,
    NEXT_METHODS,
    NEXT_RESET,
    NEXT_REVOKE,
    Detection,
    Params,
    burst_events,
    denial_counts,
    entities,
    geo_modifiers,
    sorted_unique,
    timeline_denials,
    timeline_success,
    user_of,
)
from mfaguard.model.report import Severity


@dataclass(frozen=True)
class Chain:
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
) -> list[Chain]:
    """Per user: ≥``min_denials`` denials, each ≤``gap`` after the previous, then a success within
    ``success_within`` of the last denial. With ``span``, only the denials in the ``span`` before the
    last one count. A success ends a chain (whether or not it closes one)."""
    chains: list[Chain] = []
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
                chains.append(Chain(user, tuple(counted), item))
            chain = []
    return chains


def chain_alerts(
    detection: Detection,
    chains: Iterable[Chain],
    ev: Evidence,
    ctx: Context,
    p: Params,
    base_same: Severity,
) -> list[Alert]:
    alerts: list[Alert] = []
    for ch in chains:
        s = ch.success
        upn, uid = user_of(ev, ch.user, s.upn)
        denial_ips = {d.ip for d in ch.denials if d.ip}
        # Same source: the success IP is among the denials' IPs, or (reference §4) the same country
        # and autonomous system when both are known (an attacker rotating addresses in one network).
        same_source = (bool(s.ip) and s.ip in denial_ips) or (
            bool(s.asn and s.country) and any(d.asn == s.asn and d.country == s.country for d in ch.denials)
        )
        reasons = [
            f"{len(ch.denials)} unique denial events, then a successful MFA sign-in "
            f"{fmt_delta(s.ts - ch.denials[-1].ts)} after the last one"
        ]
        mods: list[str] = []
        if same_source:
            mods, mod_reasons = geo_modifiers(ctx, ch.user, upn, uid, [(s.country, s.ip, s.ts)])
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
        ent = entities(ch.denials)
        alerts.append(
            detection.alert(
                severity=severity,
                user=upn or None,
                user_id=uid or None,
                first_seen=ch.denials[0].ts,
                last_seen=s.ts,
                denials=denial_counts(ch.denials),
                ips=sorted_unique([*ent["ips"], s.ip]),
                countries=sorted_unique([*ent["countries"], s.country]),
                apps=sorted_unique([*ent["apps"], s.app]),
                user_agents=ent["user_agents"],
                correlation_ids=ent["correlation_ids"],
                record_ids=sorted_unique([*ent["record_ids"], s.record_id]),
                success_record_id=s.record_id,
                modifiers=tuple(mods),
                profile=ctx.profile,
                summary=(
                    f"{upn or uid} approved an MFA prompt at {iso(s.ts)} after {len(ch.denials)} denials"
                    + (" from the same source" if same_source else " (success from a different source)")
                ),
                reasons=tuple(reasons),
                next_steps=(NEXT_REVOKE, NEXT_RESET, NEXT_METHODS, NEXT_BLOCK_IP, NEXT_CONTACT),
                timeline=(*timeline_denials(ch.denials), timeline_success(s)),
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


def fmt_delta(delta: timedelta) -> str:
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
    return chain_alerts(DETECTION, chains, ev, ctx, p, Severity.HIGH)


DETECTION = Detection(
    "DET-002",
    "D2",
    "MFA spam followed by a successful sign-in",
    "A chain of denials followed by a successful MFA sign-in.",
    ("T1621", "T1078.004"),
    spam_then_success,
)
