"""DET-003 — Slow MFA spam (across sessions) followed by a successful sign-in (reference D2s).

- Fires: per user, at least ``slow_min`` (6) denial events with gaps of at most ``slow_gap`` (30 min),
  counted within ``slow_span`` (60 min) before the last one, then a success within ``success_within``
  (10 min) — unless a DET-002 alert already ends at that success.
- Severity: as DET-002 (it shares DET-002's chain logic).
"""

from __future__ import annotations

from collections.abc import Sequence

from mfaguard.detect.alerts import Alert
from mfaguard.detect.collect import Evidence
from mfaguard.detect.context import Context
from mfaguard.detect.rules import det002_spam_then_success as det002
from mfaguard.detect.rules.base import Detection, Params, burst_events
from mfaguard.detect.rules.det002_spam_then_success import chain_alerts, find_chains
from mfaguard.model.report import Severity


def slow_spam_then_success(ev: Evidence, ctx: Context, p: Params, prior: Sequence[Alert]) -> list[Alert]:
    covered = {a.success_record_id for a in prior if a.detection_id == det002.DETECTION.id}
    chains = find_chains(
        burst_events(ev, p),
        ev.successes,
        min_denials=p.slow_min,
        gap=p.slow_gap,
        success_within=p.success_within,
        span=p.slow_span,
    )
    chains = [c for c in chains if c.success.record_id not in covered]
    return chain_alerts(DETECTION, chains, ev, ctx, p, Severity.HIGH)


DETECTION = Detection(
    "DET-003",
    "D2s",
    "Slow MFA spam (across sessions) followed by a successful sign-in",
    "Denials spread across sessions (gaps ≤30 min, ≤60 min span) then a success.",
    ("T1621", "T1078.004"),
    slow_spam_then_success,
)
