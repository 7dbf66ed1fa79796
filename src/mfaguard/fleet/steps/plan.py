"""``fleet plan``: what ``apply`` would change in each tenant (its baseline, its pilot group)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mfaguard.fleet.steps.common import plan_settings_for, recorded_run

if TYPE_CHECKING:
    from mfaguard.fleet.model import FleetTenant
    from mfaguard.fleet.runner import FleetRunner, TenantOutcome

__all__ = ["plan_step"]


async def plan_step(runner: FleetRunner, tenant: FleetTenant, *, trigger: str) -> TenantOutcome:
    """What ``apply`` would change in this tenant (its baseline, its pilot group). Writes nothing."""
    from mfaguard.enforce.baseline import load_baseline
    from mfaguard.enforce.session import make_plan
    from mfaguard.fleet.runner import TenantOutcome

    loaded = load_baseline(tenant.baseline)
    async with (
        recorded_run(runner, tenant, "plan", trigger) as state,
        runner.open_tenant(tenant) as (client, _info),
    ):
        result = await make_plan(
            client, loaded, plan_settings_for(tenant, bool(runner.options.get("pilot", True)))
        )
        doc = result.plan.to_json()
        state["summary"] = {"changes": len(result.plan.changes), "objects": len(result.plan.objects)}
    return TenantOutcome(tenant, "ok", run_id=state["run_id"], detail={"plan": doc})
