"""What the fleet runner does for one tenant, per operation: one module per step, and :data:`STEPS`,
the table the runner is given (:class:`~mfaguard.fleet.runner.FleetRunner`). Each step returns a
:class:`~mfaguard.fleet.runner.TenantOutcome` or raises an :class:`~mfaguard.errors.MfaguardError`
(the runner turns it into an ``error`` tenant); each reuses the single-tenant building blocks and
records its run in the history store.
"""

from __future__ import annotations

from collections.abc import Mapping

from mfaguard.fleet.runner import Operation, Step
from mfaguard.fleet.steps.apply import apply_step
from mfaguard.fleet.steps.audit import audit_step
from mfaguard.fleet.steps.coverage import coverage_step
from mfaguard.fleet.steps.detect import detect_step
from mfaguard.fleet.steps.plan import plan_step

__all__ = ["STEPS"]

STEPS: Mapping[Operation, Step] = {
    Operation.AUDIT: audit_step,
    Operation.PLAN: plan_step,
    Operation.APPLY: apply_step,
    Operation.COVERAGE: coverage_step,
    Operation.DETECT: detect_step,
}
"""The step of each operation (``remediate`` runs inside ``audit`` for tenants in remediate mode)."""
