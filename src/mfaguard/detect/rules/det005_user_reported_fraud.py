"""DET-005 — User reported MFA fraud / suspicious activity (reference D4).

- Fires: a fraud sign-in, an audit "Suspicious activity reported" / "Fraud reported - …", or a
  ``userReportedSuspiciousActivity`` risk detection; reports of one user within ``fraud_merge``
  (±5 min) of each other are one alert. When the report has no sign-in of its own, the attacker's
  denials near it are attached for their IP and location.
- Severity: high; medium when the only evidence is an audit event during self-service password reset
  (a report then does not prove the password is known).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mfaguard.detect.alerts import Alert, TimelineEntry, iso
from mfaguard.detect.collect import Evidence
from mfaguard.detect.context import Context
from mfaguard.detect.model import AuditEvent, DenialEvent, EventClass, RiskEvent
from mfaguard.detect.rules.base import (
    NEXT_METHODS,
    NEXT_RESET,
    NEXT_REVOKE,
    Detection,
    Params,
    UserIndex,
    by_user,
    denial_counts,
    entities,
    sorted_unique,
    timeline_denials,
)
from mfaguard.detect.windows import linked_clusters
from mfaguard.model.report import Severity

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


@dataclass(frozen=True)
class _Evidence:
    ts: datetime
    source: str
    """signin | audit | risk"""
    item: DenialEvent | AuditEvent | RiskEvent


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
    denials_by_user = by_user(ev.denials)
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
            timeline = timeline_denials(attached)
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
            ent = entities(attached)
            alerts.append(
                DETECTION.alert(
                    severity=severity,
                    user=upn or None,
                    user_id=uid or None,
                    first_seen=first,
                    last_seen=last,
                    denials=denial_counts(signin_events),
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


DETECTION = Detection(
    "DET-005",
    "D4",
    "User reported MFA fraud / suspicious activity",
    "Report suspicious activity / fraud alert from sign-ins, audit log or Identity Protection.",
    ("T1621", "T1078.004"),
    user_reported_fraud,
)
