"""DET-006 — Sign-in attempts while blocked for MFA (reference D5).

- Fires: sign-ins refused with "user is blocked"; one alert per user per ``blocked_group`` (24 h).
- Severity: medium; high when the user reported fraud (DET-005) before the attempts: whoever holds the
  password is still trying.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from mfaguard.detect.alerts import Alert, iso
from mfaguard.detect.collect import Evidence
from mfaguard.detect.context import Context
from mfaguard.detect.model import EventClass
from mfaguard.detect.rules import det005_user_reported_fraud as det005
from mfaguard.detect.rules.base import (
    NEXT_BLOCK_IP,
    NEXT_RESET,
    NEXT_REVOKE,
    Detection,
    Params,
    UserIndex,
    by_user,
    event_alert,
    user_of,
)
from mfaguard.detect.windows import time_groups
from mfaguard.model.report import Severity


def blocked_attempts(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    idx = UserIndex(ev)
    fraud_by_user: dict[str, list[datetime]] = defaultdict(list)
    for a in prior:
        if a.detection_id == det005.DETECTION.id:
            fraud_by_user[idx.key(a.user_id or "", a.user or "")].append(a.first_seen)
    alerts: list[Alert] = []
    blocked = by_user(e for e in ev.denials if e.cls is EventClass.BLOCKED)
    for user, events in blocked.items():
        for group in time_groups(events, lambda e: e.ts, p.blocked_group):
            upn, uid = user_of(ev, user, group[0].upn, group[0].user_id)
            reports = [t for t in fraud_by_user.get(user, []) if t <= group[0].ts]
            severity = Severity.HIGH if reports else Severity.MEDIUM
            reasons = [f"{len(group)} sign-in attempt(s) refused with 'user is blocked' within 24 h: medium"]
            if reports:
                reasons.append(
                    f"the user reported fraud at {iso(min(reports))} (DET-005) and the attempts go on: "
                    "whoever holds the password is still trying (high)"
                )
            alerts.append(
                event_alert(
                    DETECTION,
                    group,
                    severity=severity,
                    user=upn or None,
                    user_id=uid or None,
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


DETECTION = Detection(
    "DET-006",
    "D5",
    "Sign-in attempts while blocked for MFA",
    "Sign-ins refused with 'user is blocked'.",
    ("T1621", "T1110"),
    blocked_attempts,
)
