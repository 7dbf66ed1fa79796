"""Plan, apply and rollback on an open Graph client: the session steps with the pieces a live tenant
needs (the writer, the lock-out guard's directory read, what a plan leaves failing).

The CLI, the fleet (apply, remediation), the dashboard and the demo open the tenant the one way
(:func:`mfaguard.graph.connect.open_tenant`) and call these; the workflow itself is
:mod:`mfaguard.enforce.session`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mfaguard.enforce.apply import ApplyOutcome, VerifyPolicy, Writer
from mfaguard.enforce.baseline import LoadedBaseline
from mfaguard.enforce.interrupt import Interrupts
from mfaguard.enforce.journal import ChangeStore, tenant_id_of, tenant_key
from mfaguard.enforce.lockout import LockoutVerdict
from mfaguard.enforce.plan import Plan, PlanSettings
from mfaguard.enforce.session import Confirm, make_plan, run_apply, run_rollback

if TYPE_CHECKING:
    from mfaguard.enforce.residual import Residual
    from mfaguard.graph.client import GraphClient
    from mfaguard.model.directory import Directory
    from mfaguard.model.policy import AuthenticationMethodsPolicy, TenantInfo
    from mfaguard.model.settings import AuditSettings


@dataclass(frozen=True, slots=True)
class LivePlan:
    tenant: str
    """The tenant's name in the history store (:func:`~mfaguard.enforce.journal.tenant_key`)."""
    plan: Plan
    requests: Mapping[str, int]
    tenant_id: str | None = None
    """The tenant id the token (or ``--tenant-id``) names, None when neither says."""
    still_failing: tuple[Residual, ...] = ()
    """MFA-001..015 FAILs left once the plan is applied (:mod:`mfaguard.enforce.residual`)."""


async def live_plan(
    client: GraphClient,
    tenant: TenantInfo,
    loaded: LoadedBaseline,
    settings: PlanSettings,
    audit_settings: AuditSettings | None = None,
) -> LivePlan:
    """Read and plan; with ``audit_settings``, also what the plan leaves failing."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from mfaguard.enforce.plan import plan
    from mfaguard.enforce.residual import residual

    result = await make_plan(client, loaded, settings)
    left: tuple[Residual, ...] = ()
    if audit_settings is not None:
        widened = None
        if settings.pilot_group is not None:
            everyone = replace(settings, pilot_group=None)
            widened = plan(result.policy_body, loaded.baseline, everyone, baseline_name=loaded.name)
        left = residual(
            result.policy_body, result.plan, audit_settings, now=datetime.now(UTC), widened=widened
        )
    key = tenant_key(tenant.id)
    return LivePlan(key, result.plan, {"total": client.requests_sent}, tenant_id_of(key), left)


def directory_reader(
    client: GraphClient,
) -> Callable[[AuthenticationMethodsPolicy, Sequence[str]], Any]:
    """The lock-out guard's directory read (users, registration report, group members)."""

    async def read(policy: AuthenticationMethodsPolicy, extra_groups: Sequence[str]) -> Directory | None:
        from mfaguard.read.directory import collect_directory

        return await collect_directory(client, policy, extra_groups=extra_groups)

    return read


async def live_apply(
    client: GraphClient,
    store_tenant: str,
    store: ChangeStore,
    loaded: LoadedBaseline,
    settings: PlanSettings,
    *,
    confirm: Confirm,
    show_plan: Callable[[Plan, LockoutVerdict], None],
    force: bool,
    actor: str | None,
    log: Callable[[str], None] | None = None,
    verify: VerifyPolicy | None = None,
    overwrite_concurrent: bool = False,
    interrupts: Interrupts | None = None,
) -> tuple[ApplyOutcome, Plan | None, LockoutVerdict | None]:
    """The whole apply on an open client (:func:`~mfaguard.enforce.session.run_apply`), with the
    lock-out guard reading the directory through the same client. ``store_tenant`` names the tenant
    in the change journal (:func:`~mfaguard.enforce.journal.tenant_key` of its id; the fleet's name)."""
    writer = Writer(
        client,
        store,
        store_tenant,
        settings,
        actor=actor,
        log=log or (lambda _message: None),
        verify=verify or VerifyPolicy(),
        interrupts=interrupts,
    )
    return await run_apply(
        writer,
        store,
        client,
        loaded,
        confirm=confirm,
        show_plan=show_plan,
        force=force,
        read_directory=directory_reader(client),
        overwrite_concurrent=overwrite_concurrent,
    )


async def live_rollback(
    client: GraphClient,
    store_tenant: str,
    store: ChangeStore,
    settings: PlanSettings,
    *,
    to: int | None,
    confirm: Confirm,
    force: bool,
    actor: str | None,
    log: Callable[[str], None] | None = None,
    interrupts: Interrupts | None = None,
) -> ApplyOutcome:
    """Restore a change of ``store_tenant`` on an open client. ``force``: overwrite objects someone
    else edited after the change (``--overwrite-concurrent``)."""
    writer = Writer(
        client,
        store,
        store_tenant,
        settings,
        actor=actor,
        log=log or (lambda _message: None),
        interrupts=interrupts,
    )
    return await run_rollback(writer, store, to=to, confirm=confirm, force=force)
