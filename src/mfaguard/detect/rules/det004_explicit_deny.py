"""DET-004 — Explicit MFA deny (reference D3).

- Fires: the user declined a prompt ("user declined"); one alert per user and source IP per hour,
  interactive or not.
- Severity: low; medium with the ``priv`` / ``new_geo`` modifiers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from mfaguard.detect.alerts import Alert
from mfaguard.detect.collect import Evidence
from mfaguard.detect.context import Context, step_up
from mfaguard.detect.model import DenialEvent, EventClass
from mfaguard.detect.rules.base import (
    NEXT_HARDEN,
    NEXT_RESET,
    Detection,
    Params,
    denial_counts,
    entities,
    geo_modifiers,
    timeline_denials,
    user_of,
)
from mfaguard.detect.windows import time_groups
from mfaguard.model.report import Severity


def explicit_deny(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    per_key: dict[tuple[str, str], list[DenialEvent]] = defaultdict(list)
    for e in ev.denials:
        if e.cls is EventClass.DENY_EXPLICIT:
            per_key[(e.user_key, e.ip)].append(e)
    alerts: list[Alert] = []
    for (user, ip), events in per_key.items():
        for group in time_groups(events, lambda e: e.ts, p.deny_group):
            upn, uid = user_of(ev, user, group[0].upn, group[0].user_id)
            mods, mod_reasons = geo_modifiers(ctx, user, upn, uid, ((e.country, e.ip, e.ts) for e in group))
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
) -> Alert:
    return DETECTION.alert(
        severity=severity,
        user=upn or None,
        user_id=uid or None,
        first_seen=group[0].ts,
        last_seen=group[-1].ts,
        denials=denial_counts(group),
        modifiers=mods,
        profile=ctx.profile,
        summary=f"{upn or uid} denied {len(group)} MFA prompt(s) from {ip or 'an unknown IP'}",
        reasons=tuple(reasons),
        next_steps=(
            "Ask the user whether they started these sign-ins; if not, the password is known to someone else.",
            NEXT_RESET,
            NEXT_HARDEN,
        ),
        timeline=tuple(timeline_denials(group)),
        **entities(group),
    )


DETECTION = Detection(
    "DET-004",
    "D3",
    "Explicit MFA deny",
    "The user declined a prompt (per user and IP, per hour).",
    ("T1621", "T1078.004"),
    explicit_deny,
)
