"""What the runner does for one tenant, per operation. Each step returns a
:class:`~mfaguard.fleet.runner.TenantOutcome` or raises an :class:`~mfaguard.errors.MfaguardError`
(the runner turns it into an ``error`` tenant).

audit: read and judge the tenant; store the run, snapshot and findings; compare with the previous
audit (drift, stored); in ``alert`` and ``remediate`` mode notify the new drift once; in
``remediate`` mode bring controls that got worse back to the baseline through the safe-change path
and audit again to verify (:mod:`mfaguard.fleet.remediate`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mfaguard.fleet.runner import Operation
from mfaguard.fleet.steps import apply_step, coverage_step, detect_step, plan_step
from mfaguard.fleet.targets import FleetTenant, Mode
from mfaguard.report import TenantResult

if TYPE_CHECKING:
    from mfaguard.audit_live import LiveAudit
    from mfaguard.fleet.drift import DriftChange
    from mfaguard.fleet.runner import FleetRunner, TenantOutcome

__all__ = ["OPERATIONS", "AuditRun", "audit_and_store"]


@dataclass(frozen=True, slots=True)
class AuditRun:
    """One stored audit of one tenant."""

    live: LiveAudit | None
    """None when the tenant could not be read at all (``error`` says why)."""
    run_id: int | None
    previous_run_id: int | None = None
    drift: tuple[DriftChange, ...] = ()
    error: str | None = None


def _controls(tenant: FleetTenant) -> Any:
    from mfaguard.controls import CONTROLS

    if not tenant.skip_controls:
        return None
    return tuple(c for c in CONTROLS if c.id not in tenant.skip_controls)


async def audit_and_store(
    runner: FleetRunner, tenant: FleetTenant, *, trigger: str, compare: bool = True
) -> AuditRun:
    """Read, judge and store one audit of ``tenant``; with ``compare``, compute and store drift."""
    from mfaguard.audit_live import run_live_audit
    from mfaguard.errors import MfaguardError
    from mfaguard.fleet.drift import compute_drift
    from mfaguard.snapshot import snapshot_to_json
    from mfaguard.store import DriftItem

    store = runner.store
    now = runner.clock()
    run_id: int | None = None
    if store is not None:
        await runner.db(store.upsert_tenant, tenant.name, tenant_id=tenant.tenant_id, tags=tenant.tags)
        run_id = await runner.db(store.record_run, tenant.name, "audit", started_at=now, trigger=trigger)
    try:
        live = await run_live_audit(
            tenant.connection,
            expected_tenant=tenant.tenant_id,
            settings=tenant.settings,
            now=now,
            env=runner.env,
            controls=_controls(tenant),
            **runner.client_options(tenant),
        )
    except MfaguardError as exc:
        reason = " ".join(str(exc).split())
        if store is not None and run_id is not None:
            await runner.db(store.finish_run, run_id, status="error", error=reason)
        return AuditRun(None, run_id, error=reason)
    report = live.report
    if live.snapshot is None:
        reason = "; ".join(live.problems) or "the policy could not be read"
        if store is not None and run_id is not None:
            await runner.db(store.finish_run, run_id, status="error", error=reason)
        return AuditRun(live, run_id, error=reason)
    if store is None or run_id is None:
        return AuditRun(live, None)
    snap = live.snapshot
    await runner.db(
        store.save_snapshot,
        run_id,
        snapshot_to_json(snap),
        captured_at=snap.captured_at,
        api_version=snap.api_version.value,
    )
    await runner.db(store.save_findings, run_id, report.findings)
    previous_id: int | None = None
    changes: tuple[DriftChange, ...] = ()
    if compare:
        previous = await runner.db(store.previous_run, tenant.name, "audit", before_run_id=run_id)
        if previous is not None:
            previous_id = previous.id
            before = await runner.db(store.findings_for_run, previous.id)
            changes = compute_drift(before, report.findings)
            if changes:
                await runner.db(
                    store.save_drift,
                    tenant.name,
                    [
                        DriftItem(
                            c.control_id,
                            c.field + (f" [{c.resource}]" if c.resource else ""),
                            c.before,
                            c.after,
                        )
                        for c in changes
                    ],
                    run_id=run_id,
                    previous_run_id=previous_id,
                    detected_at=now,
                )
    summary = {**report.summary(), "problems": list(live.problems), "drift": len(changes)}
    await runner.db(
        store.finish_run,
        run_id,
        status="ok",
        summary=summary,
        error="; ".join(live.problems) or None,
    )
    return AuditRun(live, run_id, previous_id, changes)


async def audit_step(runner: FleetRunner, tenant: FleetTenant, *, trigger: str) -> TenantOutcome:
    from mfaguard.fleet.runner import TenantOutcome

    run = await audit_and_store(runner, tenant, trigger=trigger)
    live = run.live
    if live is None or live.snapshot is None:
        reason = run.error or "the policy could not be read"
        return TenantOutcome(
            tenant,
            "error",
            error=reason,
            result=TenantResult(tenant.name, "error", error=reason),
            run_id=run.run_id,
            unfinished=True,
        )
    problems = "; ".join(live.problems) or None
    result = TenantResult(tenant.name, "ok", error=problems, report=live.report)
    notified = 0
    remediation: dict[str, Any] | None = None
    if run.drift and tenant.mode in (Mode.ALERT, Mode.REMEDIATE) and run.run_id is not None:
        notified = await _notify_drift(runner, tenant, run)
    if run.drift and tenant.mode is Mode.REMEDIATE:
        from mfaguard.fleet.remediate import remediate_drift

        remediation = await remediate_drift(runner, tenant, run, trigger=trigger)
        verified = remediation.get("verify_report")
        if verified is not None:
            result = TenantResult(tenant.name, "ok", error=problems, report=verified)
    report = result.report
    assert report is not None
    failing = bool(report.failing(runner.fail_on))
    public = None if remediation is None else {k: v for k, v in remediation.items() if k != "verify_report"}
    unfinished = live.unfinished or bool(public and public.get("result") == "failed")
    return TenantOutcome(
        tenant,
        "ok",
        error=problems,
        result=result,
        run_id=run.run_id,
        unfinished=unfinished,
        failing=failing,
        drift=run.drift,
        notified=notified,
        remediation=public,
    )


async def _notify_drift(runner: FleetRunner, tenant: FleetTenant, run: AuditRun) -> int:
    from mfaguard.fleet.alerting import drift_notice

    store = runner.store
    assert store is not None and run.run_id is not None
    run_id = run.run_id

    async def mark() -> None:
        records = await runner.db(store.list_drift, tenant=tenant.name, unnotified=True, limit=None)
        await runner.db(store.mark_drift_notified, [r.id for r in records if r.run_id == run_id])

    return await runner.dispatcher.submit(
        runner.db, tenant, drift_notice(tenant, run_id, run.drift), on_sent=mark
    )


Step = Callable[..., Awaitable["TenantOutcome"]]

OPERATIONS: dict[Operation, Step] = {
    Operation.AUDIT: audit_step,
    Operation.PLAN: plan_step,
    Operation.APPLY: apply_step,
    Operation.COVERAGE: coverage_step,
    Operation.DETECT: detect_step,
}
