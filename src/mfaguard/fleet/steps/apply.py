"""``fleet apply``: each tenant's baseline through the safe-change path (lock, guard, verify, undo)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mfaguard.errors import MfaguardError
from mfaguard.fleet.steps.common import plan_settings_for, recorded_run

if TYPE_CHECKING:
    from mfaguard.fleet.model import FleetTenant
    from mfaguard.fleet.runner import FleetRunner, TenantOutcome

__all__ = ["apply_step"]


async def apply_step(runner: FleetRunner, tenant: FleetTenant, *, trigger: str) -> TenantOutcome:
    """Apply the tenant's baseline through the safe-change path (lock, guard, verify, undo)."""
    from mfaguard.enforce.baseline import load_baseline
    from mfaguard.enforce.live import live_apply
    from mfaguard.enforce.session import LockoutRefused
    from mfaguard.fleet.runner import TenantOutcome

    if runner.store is None:
        raise MfaguardError("fleet apply needs the history store (pre-change records make rollback possible)")
    loaded = load_baseline(tenant.baseline)
    settings = plan_settings_for(tenant, bool(runner.options.get("pilot", True)))
    force = bool(runner.options.get("force", False))
    async with (
        recorded_run(runner, tenant, "apply", trigger) as state,
        runner.open_tenant(tenant) as (client, _info),
    ):
        try:
            outcome, _plan, verdict = await live_apply(
                client,
                tenant.name,
                runner.store,
                loaded,
                settings,
                confirm=lambda _q: True,  # `fleet apply --yes` was given (the CLI refuses otherwise)
                show_plan=lambda _p, _v: None,
                force=force,
                actor="mfaguard fleet apply",
            )
        except LockoutRefused as exc:
            state["error"] = exc.short
            users = [{"user": upn, "why": why} for upn, why in exc.users]
            return TenantOutcome(
                tenant,
                "error",
                error=exc.short,
                run_id=state["run_id"],
                unfinished=True,
                detail={"lockout": {"users": users}},
            )
        doc = outcome.to_json()
        if verdict is not None:
            doc["lockout"] = verdict.to_json()
        state["summary"] = {
            "result": outcome.result,
            "verified": outcome.verified,
            "change_id": outcome.change_id,
        }
        if outcome.result == "failed" or not outcome.verified:
            state["error"] = outcome.message
    failed = outcome.result == "failed" or not outcome.verified
    return TenantOutcome(
        tenant,
        "error" if outcome.result == "failed" else "ok",
        error=outcome.message if failed else None,
        run_id=state["run_id"],
        unfinished=failed,
        detail={"apply": doc},
    )
