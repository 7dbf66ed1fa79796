"""DET-001 — Push burst: MFA fatigue in progress (reference D1, with D6 reported inside).

- Fires: at least ``burst_threshold`` (5) unique denial events of the counting classes for one user
  within ``burst_window`` (10 min), interactive sign-ins only unless the profile says otherwise. Each
  event opens a window; windows are inclusive.
- Severity: medium; high at ``burst_high`` (10) or more in one window; the ``priv`` / ``new_geo``
  modifiers raise it one step, never above high.
- Also says whether the burst is an "ignored push" burst (D6: more than 10 timeouts / other failures
  in one window, Splunk's "Multiple Failed" rule) in ``details``.
"""

from __future__ import annotations

from collections.abc import Sequence

from mfaguard.detect.alerts import Alert, iso
from mfaguard.detect.collect import Evidence
from mfaguard.detect.context import Context, step_up
from mfaguard.detect.rules.base import (
    NEXT_BLOCK_IP,
    NEXT_CONTACT,
    NEXT_HARDEN,
    NEXT_RESET,
    Detection,
    Params,
    burst_events,
    by_user,
    event_alert,
    geo_modifiers,
    sorted_unique,
    user_of,
)
from mfaguard.detect.windows import max_window_count, sliding_bursts
from mfaguard.model.report import Severity


def push_burst(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    alerts: list[Alert] = []
    for user, events in by_user(burst_events(ev, p)).items():
        times = [e.ts for e in events]
        for first, last, best in sliding_bursts(times, p.burst_threshold, p.burst_window):
            burst = events[first : last + 1]
            upn, uid = user_of(ev, user, burst[0].upn, burst[0].user_id)
            base = Severity.HIGH if best >= p.burst_high else Severity.MEDIUM
            mods, mod_reasons = geo_modifiers(ctx, user, upn, uid, ((e.country, e.ip, e.ts) for e in burst))
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
                event_alert(
                    DETECTION,
                    burst,
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


DETECTION = Detection(
    "DET-001",
    "D1",
    "Push burst (MFA fatigue in progress)",
    "Many MFA denials for one user in a short window (fatigue in progress).",
    ("T1621",),
    push_burst,
)
