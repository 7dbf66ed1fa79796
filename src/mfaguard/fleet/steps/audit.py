"""``fleet audit`` (and ``watch``): read and judge the tenant; store the run, snapshot and findings; compare with the previous
audit (drift, stored); in ``alert`` and ``remediate`` mode notify the new drift once; in
``remediate`` mode bring controls that got worse back to the baseline through the safe-change path
and audit again to verify (:mod:`mfaguard.fleet.steps.remediate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mfaguard.fleet.model import FleetTenant, Mode
from mfaguard.model.report import TenantResult

if TYPE_CHECKING:
    from mfaguard.audit.run import AuditOutcome
    from mfaguard.fleet.drift import DriftChange
    from mfaguard.fleet.runner import FleetRunner, TenantOutcome

__all__ = ["AuditRun", "audit_and_store", "audit_step"]


@dataclass(frozen=True, slots=True)
class AuditRun:
    """One stored audit of one tenant."""

    live: AuditOutcome | None
    """None when the tenant could not be read at all (``error`` says why)."""
    run_id: int | None
    previous_run_id: int | None = None
    drift: tuple[DriftChange, ...] = ()
    error: str | None = None
    drift_records: tuple[Any, ...] = ()
    """The stored :class:`~mfaguard.store.DriftRecord` rows of ``drift``."""


def _controls(tenant: FleetTenant) -> Any:
    from mfaguard.controls import CONTROLS

    if not tenant.skip_controls:
        return None
    return tuple(c for c in CONTROLS if c.id not in tenant.skip_controls)


async def audit_and_store(
    runner: FleetRunner, tenant: FleetTenant, *, trigger: str, compare: bool = True
) -> AuditRun:
    """Read, judge and store one audit of ``tenant``; with ``compare``, compute and store drift."""
    import dataclasses

    from mfaguard.audit.run import run_live_audit
    from mfaguard.errors import MfaguardError
    from mfaguard.fleet.drift import compute_drift
    from mfaguard.read.snapshot_file import snapshot_to_json
    from mfaguard.store import DriftItem

    store = runner.store
    now = runner.clock()
    if store is not None:
        await runner.ensure_tenant(tenant)

    async def record(
        status: str, *, error: str | None = None, findings: Any = (), summary: Any = None
    ) -> int | None:
        """The finished run (and its findings) in one transaction: fewer writes per tenant."""
        if store is None:
            return None
        run_id: int = await runner.db(
            store.record_completed_run,
            tenant.name,
            "audit",
            started_at=now,
            finished_at=runner.clock(),
            status=status,
            findings=findings,
            summary=summary,
            error=error,
            trigger=trigger,
        )
        return run_id

    try:
        async with runner.open_tenant(tenant) as (client, info):
            live = await run_live_audit(
                client,
                info,
                settings=tenant.settings,
                now=now,
                fail_on=runner.fail_on,
                controls=_controls(tenant),
                directory=tenant.directory,
            )
    except MfaguardError as exc:
        reason = " ".join(str(exc).split())
        return AuditRun(None, await record("error", error=reason), error=reason)
    report = live.report
    if live.snapshot is None:
        reason = "; ".join(live.problems) or "the policy could not be read"
        return AuditRun(live, await record("error", error=reason), error=reason)
    changes: tuple[DriftChange, ...] = ()
    previous_id: int | None = None
    if compare and tenant.name in runner.previous:
        # The newest successful audit before this fleet run (read for every tenant at its start).
        previous_id, before = runner.previous[tenant.name]
        changes = compute_drift(before, report.findings)
    summary = {**report.summary(), "problems": list(live.problems), "drift": len(changes)}
    run_id = await record(
        "ok", findings=report.findings, summary=summary, error="; ".join(live.problems) or None
    )
    if store is None or run_id is None:
        return AuditRun(live, None, drift=changes)
    snap = live.snapshot
    await runner.db(
        store.save_snapshot,
        run_id,
        # The policy and its groups; every user of the directory would make each run's row huge.
        snapshot_to_json(dataclasses.replace(snap, directory=None)),
        captured_at=snap.captured_at,
        api_version=snap.api_version.value,
    )
    records: list[Any] = []
    if changes:
        records = await runner.db(
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
    return AuditRun(live, run_id, previous_id, changes, drift_records=tuple(records))


async def audit_step(runner: FleetRunner, tenant: FleetTenant, *, trigger: str) -> TenantOutcome:
    from mfaguard.fleet.runner import TenantOutcome

    run = await audit_and_store(runner, tenant, trigger=trigger)
    live = run.live
    if live is None or live.snapshot is None:
        reason = run.error or "the policy could not be read"
        notified = await _notify_run_error(runner, tenant, run.run_id)
        return TenantOutcome(
            tenant,
            "error",
            error=reason,
            result=TenantResult(tenant.name, "error", error=reason),
            run_id=run.run_id,
            unfinished=True,
            notified=notified,
        )
    problems = "; ".join(live.problems) or None
    result = TenantResult(tenant.name, "ok", error=problems, report=live.report)
    notified = 0
    remediation: dict[str, Any] | None = None
    if tenant.mode in (Mode.ALERT, Mode.REMEDIATE) and tenant.notifications and run.run_id is not None:
        notified = await _notify_drift(runner, tenant, run)
    if run.drift and tenant.mode is Mode.REMEDIATE:
        from mfaguard.fleet.steps.remediate import remediate_drift

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
    """Notify this run's new drift, and drift of earlier runs whose notification failed (retried
    once per run until it goes out; each message is sent at most once per target)."""
    from mfaguard.fleet.alerting import drift_severities
    from mfaguard.notify import drift_notification

    store = runner.store
    if store is None or run.live is None:
        return 0
    pending = await runner.db(store.list_drift, tenant=tenant.name, unnotified=True, limit=500)
    by_run: dict[int, list[Any]] = {}
    for record in sorted(pending, key=lambda r: r.id):
        by_run.setdefault(record.run_id, []).append(record)
    severity_of = {f.control_id: f.severity.value for f in run.live.report.findings}
    severities = drift_severities(run.drift, severity_of)
    notified = 0
    for records in by_run.values():
        ids = [r.id for r in records]
        note = drift_notification(
            tenant.name,
            records,
            severities={
                r.control_id: severities.get(r.control_id, severity_of.get(r.control_id, "medium"))
                for r in records
            },
        )

        async def mark(ids: list[int] = ids) -> None:
            await runner.db(store.mark_drift_notified, ids)

        notified += runner.dispatcher.submit(tenant, [note], on_sent=mark)
    return notified


async def _notify_run_error(runner: FleetRunner, tenant: FleetTenant, run_id: int | None) -> int:
    """A tenant that could be read last time and cannot now: tell people once (not every run)."""
    from mfaguard.notify import run_error_notification

    store = runner.store
    if store is None or run_id is None or tenant.mode is Mode.REPORT or not tenant.notifications:
        return 0
    before = await runner.db(store.previous_run, tenant.name, "audit", before_run_id=run_id, status=None)
    if before is not None and before.status.value == "error":
        return 0
    record = await runner.db(store.get_run, run_id)
    if record is None:
        return 0
    return runner.dispatcher.submit(tenant, [run_error_notification(record)])
