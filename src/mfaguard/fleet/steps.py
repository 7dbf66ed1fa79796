"""Per-tenant steps of ``fleet plan``, ``fleet apply``, ``fleet coverage`` and ``fleet detect``.

Each reuses the single-tenant building blocks (enforce session, coverage collect/judge, detect
read/analyse), records a run in the history store, and reports its JSON in the tenant's ``detail``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from mfaguard.errors import MfaguardError

if TYPE_CHECKING:
    from mfaguard.fleet.model import FleetTenant
    from mfaguard.fleet.runner import FleetRunner, TenantOutcome

__all__ = ["apply_step", "coverage_step", "detect_step", "plan_step"]


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


async def detect_step(runner: FleetRunner, tenant: FleetTenant, *, trigger: str) -> TenantOutcome:
    """Push-spam detections over the tenant's recent sign-ins; new alerts are stored and notified once."""
    from mfaguard.detect.context import DetectOptions
    from mfaguard.detect.engine import analyse
    from mfaguard.detect.graph_source import read_recent
    from mfaguard.fleet.model import Mode
    from mfaguard.fleet.runner import TenantOutcome

    now = runner.clock()
    async with (
        recorded_run(runner, tenant, "detect", trigger) as state,
        runner.open_tenant(tenant) as (client, _info),
    ):
        evidence, options = await read_recent(
            client, DetectOptions(since=runner.options.get("since")), now=now
        )
        result = analyse(evidence, now=now, options=options, since_anchor="now")
        alerts = [a.to_json() for a in result.alerts]
        state["summary"] = result.counts()
        new: list[Any] = []
        if runner.store is not None and alerts:
            new = await runner.db(
                runner.store.save_alerts,
                tenant.name,
                [{**a, "dedupe_key": a["id"]} for a in alerts],
                run_id=state["run_id"],
                at=now,
            )
    notified = 0
    if new and tenant.mode is not Mode.REPORT:
        from mfaguard.notify import alert_notification

        notified = runner.dispatcher.submit(tenant, [alert_notification(record) for record in new])
    return TenantOutcome(
        tenant,
        "ok",
        run_id=state["run_id"],
        failing=bool(result.at_or_above(runner.fail_on)),
        notified=notified,
        detail={"alerts": alerts, "new_alerts": len(new)},
    )
