"""DET-007 — MFA method changed after fatigue or a fraud report (reference D7).

- Fires: a security-info change (registered / changed / deleted security info, or an "Update user" of
  the Authenticator app details) for the user within −``method_change_before`` (30 min) ..
  +``method_change_after`` (6 h) of a DET-002 / DET-003 success or a DET-005 report.
- Severity: critical after a successful fatigue attack (the attacker may be adding their own method);
  high after a fraud report without a known success.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from mfaguard.detect.alerts import Alert, TimelineEntry, iso
from mfaguard.detect.collect import Evidence
from mfaguard.detect.context import Context
from mfaguard.detect.model import AuditEvent
from mfaguard.detect.rules import det002_spam_then_success as det002
from mfaguard.detect.rules import det003_slow_spam_then_success as det003
from mfaguard.detect.rules import det005_user_reported_fraud as det005
from mfaguard.detect.rules.base import NEXT_RESET, NEXT_REVOKE, Detection, Params, UserIndex, sorted_unique
from mfaguard.model.report import Severity

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
SUCCESS_ALERTS = frozenset({det002.DETECTION.id, det003.DETECTION.id})
"""The detections whose alerts end at a successful sign-in after spam."""


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
        if a.detection_id in SUCCESS_ALERTS:
            ts = a.last_seen  # the success (every profile's DET-002/003 ends at it)
        elif a.detection_id == det005.DETECTION.id:
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
        after_success = any(t.detection_id in SUCCESS_ALERTS for t in triggers.values())
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
            DETECTION.alert(
                severity=severity,
                user=upn or None,
                user_id=uid or None,
                first_seen=min(a.ts for a in matched),
                last_seen=max(a.ts for a in matched),
                ips=sorted_unique(a.initiator_ip for a in matched),
                record_ids=sorted_unique(a.id for a in matched),
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


DETECTION = Detection(
    "DET-007",
    "D7",
    "MFA method changed after fatigue or a fraud report",
    "Security info changed around a successful fatigue attack or a fraud report.",
    ("T1621", "T1098", "T1556.006"),
    method_change_after_attack,
)
