"""``fleet detect``: push-spam detections over each tenant's recent sign-ins; new alerts notified once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mfaguard.fleet.steps.common import recorded_run

if TYPE_CHECKING:
    from mfaguard.fleet.model import FleetTenant
    from mfaguard.fleet.runner import FleetRunner, TenantOutcome

__all__ = ["detect_step"]


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
