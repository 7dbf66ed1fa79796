"""Run a profile's detections over collected evidence. Pure: evidence in, alerts out; ``now`` passed in."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Literal

from mfaguard.detect.alerts import Alert, DetectionResult
from mfaguard.detect.collect import Evidence
from mfaguard.detect.context import Context, DetectOptions
from mfaguard.detect.profiles import get_profile, ordered
from mfaguard.model.report import Severity

_RANK = {s: s.rank for s in Severity}


def window_start(
    evidence: Evidence, options: DetectOptions, now: datetime, anchor: Literal["input", "now"]
) -> datetime | None:
    """Start of the alerting window: ``--since`` back from the newest sign-in (files) or from now (Graph)."""
    if options.since is None:
        return None
    end = evidence.newest if anchor == "input" else now
    return end - options.since if end is not None else None


def restrict(evidence: Evidence, start: datetime | None) -> Evidence:
    """Evidence limited to events at or after ``start``; the baseline keeps everything older."""
    if start is None:
        return evidence
    return replace(
        evidence,
        denials=tuple(e for e in evidence.denials if e.ts >= start),
        successes=tuple(s for s in evidence.successes if s.ts >= start),
        denial_records=tuple(r for r in evidence.denial_records if r.ts >= start),
        audits=tuple(a for a in evidence.audits if a.ts >= start),
        risks=tuple(r for r in evidence.risks if r.ts >= start),
    )


def analyse(
    evidence: Evidence,
    *,
    now: datetime,
    options: DetectOptions | None = None,
    profile: str = "default",
    since_anchor: Literal["input", "now"] = "input",
) -> DetectionResult:
    """Judge the evidence with one profile; alerts sorted by severity (worst first), then time."""
    options = options or DetectOptions()
    prof = get_profile(profile)
    start = window_start(evidence, options, now, since_anchor)
    scoped = restrict(evidence, start)
    ctx = Context(options=options, baseline=evidence.baseline, now=now, profile=prof.name)
    alerts: list[Alert] = []
    for _det_id, run in ordered(prof):
        alerts.extend(run(scoped, ctx, prof.params, tuple(alerts)))
    alerts.sort(key=lambda a: (-_RANK[a.severity], a.first_seen, a.detection_id, a.user or ""))
    hunt: dict[str, object] = {}
    if options.hunt:
        hunt["mfa_interrupts"] = {
            (evidence.users.get(key, ("", ""))[0] or key): {
                str(code): n for code, n in sorted(counts.items())
            }
            for key, counts in sorted(evidence.interrupts.items())
        }
    end = evidence.newest if since_anchor == "input" else now
    return DetectionResult(
        alerts=tuple(alerts),
        profile=prof.name,
        stats=evidence.stats,
        window_start=start,
        window_end=end,
        generated_at=now,
        hunt=hunt,
    )
