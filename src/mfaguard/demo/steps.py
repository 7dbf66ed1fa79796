"""The steps of ``mfaguard demo``, in order: one explicit tuple (no registration by import).

audit → offline re-audit → plan → pilot → lock-out guard → rollback → coverage → detect → fleet.
"""

from __future__ import annotations

from mfaguard.demo import audit, coverage, detect, enforce, fleet
from mfaguard.demo.context import DemoStep

__all__ = ["DEMO_STEPS", "step_keys"]

DEMO_STEPS: tuple[DemoStep, ...] = (
    audit.CONNECT,
    audit.AUDIT,
    audit.EXPORT,
    enforce.PLAN,
    enforce.PILOT,
    enforce.WIDEN,
    enforce.ROLLBACK,
    coverage.COVERAGE,
    detect.DETECT,
    fleet.FLEET,
)


def step_keys() -> tuple[str, ...]:
    """The keys ``mfaguard demo --step`` accepts, in demo order."""
    return tuple(step.key for step in DEMO_STEPS)
