"""DET-009 — MFA TOTP code brute force (reference D9).

- Fires: at least ``totp_failures`` (20) failed verification codes (OATH methods) for one user across
  at least ``totp_sessions`` (10) sessions within ``totp_window`` (10 min).
- Severity: medium.
"""

from __future__ import annotations

from collections.abc import Sequence

from mfaguard.detect.alerts import Alert
from mfaguard.detect.classify import is_oath
from mfaguard.detect.collect import Evidence
from mfaguard.detect.context import Context
from mfaguard.detect.model import COUNTING_CLASSES
from mfaguard.detect.rules.base import (
    NEXT_RESET,
    NEXT_REVOKE,
    Detection,
    Params,
    by_user,
    event_alert,
    user_of,
)
from mfaguard.detect.windows import sliding_bursts
from mfaguard.model.report import Severity


def totp_brute_force(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    per_user = by_user(e for e in ev.denials if e.cls in COUNTING_CLASSES and is_oath(e.method))
    alerts: list[Alert] = []
    for user, events in per_user.items():
        times = [e.ts for e in events]
        for first, last, _best in sliding_bursts(times, p.totp_failures, p.totp_window):
            burst = events[first : last + 1]
            sessions = {e.session_id or e.correlation_id or e.record_id for e in burst}
            if len(sessions) < p.totp_sessions:
                continue
            upn, uid = user_of(ev, user, burst[0].upn, burst[0].user_id)
            alerts.append(
                event_alert(
                    DETECTION,
                    burst,
                    severity=Severity.MEDIUM,
                    user=upn or None,
                    user_id=uid or None,
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


DETECTION = Detection(
    "DET-009",
    "D9",
    "MFA TOTP code brute force",
    "Many failed verification codes across many sessions.",
    ("T1621", "T1110"),
    totp_brute_force,
)
