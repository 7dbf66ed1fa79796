"""``fleet coverage``: per-user protection levels; the counts and the users below the threshold are stored."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mfaguard.fleet.steps.common import recorded_run

if TYPE_CHECKING:
    from mfaguard.fleet.model import FleetTenant
    from mfaguard.fleet.runner import FleetRunner, TenantOutcome

__all__ = ["coverage_step"]


async def coverage_step(runner: FleetRunner, tenant: FleetTenant, *, trigger: str) -> TenantOutcome:
    """Per-user protection levels; the counts and the users below the threshold are stored."""
    from mfaguard.audit.coverage import judge_coverage, stored_coverage
    from mfaguard.fleet.runner import TenantOutcome
    from mfaguard.model.directory import Level
    from mfaguard.read.tenant import read_tenant

    # Default threshold: push with number matching and context — what this tool hardens towards.
    threshold = Level(str(runner.options.get("below") or Level.PUSH_WITH_CONTEXT.value))
    async with (
        recorded_run(runner, tenant, "coverage", trigger) as state,
        runner.open_tenant(tenant, named=True) as (client, info),
    ):
        snapshot = await read_tenant(client, info, now=runner.clock(), directory=True)
        report, findings = judge_coverage(snapshot, tenant.settings, now=runner.clock())
        stored = stored_coverage(report, threshold, captured_at=runner.clock())
        levels, admins, below = stored["levels"], stored["admins"], stored["below_threshold"]
        state["summary"] = {
            "users": len(report.users),
            "below": len(below),
            "levels_known": report.levels_known,
        }
        if runner.store is not None:
            await runner.db(runner.store.save_coverage, state["run_id"], **stored)
            await runner.db(runner.store.save_findings, state["run_id"], findings.findings)
    return TenantOutcome(
        tenant,
        "ok",
        run_id=state["run_id"],
        unfinished=not report.levels_known,
        failing=bool(findings.failing(runner.fail_on)),
        detail={
            "coverage": {
                "users": len(report.users),
                "levels": levels,
                "admins": admins,
                "below": below,
                "levels_known": report.levels_known,
            }
        },
    )
