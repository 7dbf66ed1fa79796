"""What the fleet steps share: a run recorded around a step, and a tenant's planner settings."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from mfaguard.errors import MfaguardError

if TYPE_CHECKING:
    from mfaguard.fleet.model import FleetTenant
    from mfaguard.fleet.runner import FleetRunner

__all__ = ["plan_settings_for", "recorded_run"]


@contextlib.asynccontextmanager
async def recorded_run(
    runner: FleetRunner, tenant: FleetTenant, kind: str, trigger: str
) -> AsyncIterator[dict[str, Any]]:
    """Record a ``kind`` run around the block: ``ok`` with ``state['summary']``, or ``error``."""
    store = runner.store
    state: dict[str, Any] = {"run_id": None, "summary": None, "error": None}
    if store is not None:
        await runner.ensure_tenant(tenant)
        state["run_id"] = await runner.db(
            store.record_run, tenant.name, kind, started_at=runner.clock(), trigger=trigger
        )
    try:
        yield state
    except MfaguardError as exc:
        if store is not None:
            await runner.db(
                store.finish_run, state["run_id"], status="error", error=" ".join(str(exc).split())
            )
        raise
    if store is not None:
        status = "error" if state["error"] else "ok"
        await runner.db(
            store.finish_run, state["run_id"], status=status, summary=state["summary"], error=state["error"]
        )


def plan_settings_for(tenant: FleetTenant, pilot: bool) -> Any:
    """The planner's settings of a fleet tenant: its number-matching mode, its pilot group (when
    ``pilot``) and its break-glass groups (kept by ``exclusions: break_glass_only``)."""
    from mfaguard.enforce.plan import PlanSettings

    return PlanSettings(
        number_matching=tenant.settings.number_matching,
        pilot_group=tenant.pilot_group if pilot else None,
        break_glass_groups=tuple(tenant.settings.break_glass_groups),
    )
