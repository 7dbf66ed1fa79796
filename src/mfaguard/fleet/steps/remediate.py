"""``remediate`` mode: drift that made a control worse is put right through the safe-change path.

Nothing here writes to Graph itself. The tenant's baseline is planned and applied by
:func:`mfaguard.enforce.session.run_apply` — the same path as ``mfaguard apply``: the tenant's
enforcement lock, recovery of an interrupted change, group checks, the pilot group when the fleet file
sets one, the lock-out guard (a plan that would leave users without a usable method is refused and
reported, never forced), pre-change records, re-read before each PATCH, verification, undo on failure.
Then the tenant is audited again (stored as a run with trigger ``remediation``) and the remediation
counts as verified only when every control it was for no longer fails.

Only controls the baseline fully decides (:func:`mfaguard.enforce.baseline.covered_controls`) are
remediated; drift elsewhere (an excluded group, a missing break-glass group) is reported, not changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mfaguard.errors import MfaguardError
from mfaguard.fleet.drift import regressed_controls
from mfaguard.model.report import Status
from mfaguard.model.settings import NumberMatchingMode

if TYPE_CHECKING:
    from mfaguard.fleet.model import FleetTenant
    from mfaguard.fleet.runner import FleetRunner
    from mfaguard.fleet.steps.audit import AuditRun

__all__ = ["remediate_drift"]

ACTOR = "mfaguard fleet (remediate mode)"


async def remediate_drift(
    runner: FleetRunner, tenant: FleetTenant, run: AuditRun, *, trigger: str
) -> dict[str, Any]:
    """Remediate the controls that got worse in ``run``; returns what happened (JSON-ready, plus
    ``verify_report``: the re-audit's :class:`~mfaguard.model.report.AuditReport`, if one was made)."""
    from mfaguard.enforce.baseline import covered_controls, load_baseline
    from mfaguard.fleet.steps.common import plan_settings_for

    worse = regressed_controls(run.drift)
    if not worse:
        return {"result": "not_needed", "controls": [], "message": "no control got worse"}
    store = runner.store
    if store is None:
        return {
            "result": "failed",
            "controls": sorted(worse),
            "message": "remediation needs the history store",
        }
    loaded = load_baseline(tenant.baseline)
    configurable = tenant.settings.number_matching is NumberMatchingMode.CONFIGURABLE
    covered = covered_controls(loaded.baseline, number_matching_configurable=configurable)
    allowed = covered if tenant.remediate_controls is None else covered & tenant.remediate_controls
    targets = worse & allowed
    if not targets:
        return {
            "result": "not_remediable",
            "controls": sorted(worse),
            "message": f"baseline {loaded.name} does not decide {', '.join(sorted(worse))}; reported only",
        }
    settings = plan_settings_for(tenant, pilot=True)
    try:
        outcome, refused = await _apply(runner, tenant, loaded, settings)
    except MfaguardError as exc:
        return {"result": "failed", "controls": sorted(targets), "message": " ".join(str(exc).split())}
    if refused is not None:
        denied: dict[str, Any] = {
            "result": "refused",
            "controls": sorted(targets),
            "message": refused,
            "verified": False,
        }
        await _notify(runner, tenant, denied, key=f"run-{run.run_id}")
        return denied
    assert outcome is not None
    if outcome.change_id is not None and run.run_id is not None:
        records = await runner.db(store.list_drift, tenant=tenant.name, limit=None)
        ids = [r.id for r in records if r.run_id == run.run_id]
        await runner.db(store.link_drift_change, ids, outcome.change_id)
    info: dict[str, Any] = {
        "result": outcome.result,
        "change_id": outcome.change_id,
        "controls": sorted(targets),
        "changes": [c.to_json() for c in outcome.changes],
        "message": outcome.message,
        "applied_verified": outcome.verified,
        "verified": False,
    }
    if outcome.result == "failed":
        return info
    from mfaguard.fleet.steps.audit import audit_and_store

    check = await audit_and_store(runner, tenant, trigger="remediation", compare=False)
    if check.live is None:
        info.update(
            {"verify_run_id": check.run_id, "message": f"{outcome.message}; re-audit failed: {check.error}"}
        )
        return info
    report = check.live.report
    still = sorted(
        {
            f.control_id
            for f in report.findings
            if f.control_id in targets and f.status in (Status.FAIL, Status.WARN)
        }
    )
    pilot = tenant.pilot_group is not None
    info.update(
        {
            "verify_run_id": check.run_id,
            "still_failing": still,
            # A pilot apply fixes the pilot group only: the controls still fail for everyone else.
            "verified": outcome.verified and (pilot or (check.live.snapshot is not None and not still)),
            "verify_report": report,
        }
    )
    if outcome.change_id is not None:
        await _notify(runner, tenant, info, key=f"change-{outcome.change_id}")
    return info


async def _apply(
    runner: FleetRunner, tenant: FleetTenant, loaded: Any, settings: Any
) -> tuple[Any, str | None]:
    from mfaguard.enforce.live import live_apply
    from mfaguard.enforce.session import LockoutRefused

    store = runner.store
    assert store is not None  # checked by remediate_drift
    async with runner.open_tenant(tenant) as (client, _info):
        try:
            outcome, _plan, _verdict = await live_apply(
                client,
                tenant.name,
                store,
                loaded,
                settings,
                # The fleet file's `mode: remediate` is the operator's consent; the lock-out guard
                # still refuses (never --force).
                confirm=lambda _question: True,
                show_plan=lambda _plan, _verdict: None,
                force=False,
                actor=ACTOR,
            )
        except LockoutRefused as exc:
            # The notification says who (ten at most); the fleet's table cell stays one line.
            names = ", ".join(upn for upn, _ in exc.users[:10])
            more = f" and {len(exc.users) - 10} more" if len(exc.users) > 10 else ""
            return None, f"{exc.short} (users: {names}{more})"
    return outcome, None


async def _notify(runner: FleetRunner, tenant: FleetTenant, info: dict[str, Any], *, key: str) -> None:
    """Tell the tenant's targets: the recorded change's outcome, or the refusal."""
    from mfaguard.fleet.alerting import refusal_notification
    from mfaguard.notify import change_notification

    store = runner.store
    change = None
    if store is not None and info.get("change_id") is not None:
        change = await runner.db(store.get_change, info["change_id"])
    note = change_notification(change) if change is not None else refusal_notification(tenant, info, key=key)
    runner.dispatcher.submit(tenant, [note])
