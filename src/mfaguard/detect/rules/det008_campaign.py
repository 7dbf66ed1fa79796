"""DET-008 — MFA push-spam campaign from one source (reference D8).

- Fires: at least ``campaign_users`` (3) distinct users with denial events from one source IP (or one
  ``--campaign-prefix`` network, e.g. /24) within ``campaign_window`` (1 h).
- Severity: high.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from mfaguard.detect.alerts import Alert
from mfaguard.detect.collect import Evidence
from mfaguard.detect.context import Context
from mfaguard.detect.model import DenialEvent
from mfaguard.detect.rules.base import (
    NEXT_BLOCK_IP,
    NEXT_HARDEN,
    NEXT_RESET,
    Detection,
    Params,
    burst_events,
    event_alert,
    user_of,
)
from mfaguard.detect.windows import sliding_distinct
from mfaguard.model.report import Severity


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
            upns = sorted({user_of(ev, e.user_key, e.upn, e.user_id)[0] or e.user_key for e in burst})
            alerts.append(
                event_alert(
                    DETECTION,
                    burst,
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


DETECTION = Detection(
    "DET-008",
    "D8",
    "MFA push-spam campaign from one source",
    "Denials for several users from one IP within an hour.",
    ("T1621",),
    campaign,
)
