"""Wiring for the commands: credential → Graph client → session steps → outcome.

Kept out of ``cli/`` (no logic there) and out of :mod:`mfaguard.enforce.session` (which takes an
already-open client, so tests and the fleet runner can inject theirs).
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
    from mfaguard.graph.connect import GraphConnection
    from mfaguard.model.directory import Directory
    from mfaguard.model.policy import AuthenticationMethodsPolicy
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


async def _open(connection: GraphConnection, expected_tenant: str | None) -> tuple[str, GraphClient]:
    from mfaguard.graph.connect import token_tenant

    provider = connection.token_provider()
    tenant, _ = await token_tenant(provider, expected_tenant)
    return tenant_key(tenant.id), connection.client(provider)


async def live_plan(
    connection: GraphConnection,
    expected_tenant: str | None,
    loaded: LoadedBaseline,
    settings: PlanSettings,
    audit_settings: AuditSettings | None = None,
) -> LivePlan:
    """Read and plan; with ``audit_settings``, also what the plan leaves failing."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from mfaguard.enforce.plan import plan
    from mfaguard.enforce.residual import residual

    tenant, client = await _open(connection, expected_tenant)
    async with client:
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
    return LivePlan(tenant, result.plan, {"total": client.requests_sent}, tenant_id_of(tenant), left)


def directory_reader(
    client: GraphClient,
) -> Callable[[AuthenticationMethodsPolicy, Sequence[str]], Any]:
    """The lock-out guard's directory read (users, registration report, group members)."""

    async def read(policy: AuthenticationMethodsPolicy, extra_groups: Sequence[str]) -> Directory | None:
        from mfaguard.read.directory import collect_directory

        return await collect_directory(client, policy, extra_groups=extra_groups)

    return read


async def live_apply(
    connection: GraphConnection,
    expected_tenant: str | None,
    store: ChangeStore,
    loaded: LoadedBaseline,
    settings: PlanSettings,
    *,
    confirm: Confirm,
    show_plan: Callable[[Plan, LockoutVerdict], None],
    force: bool,
    actor: str | None,
    log: Callable[[str], None],
    verify: VerifyPolicy | None = None,
    overwrite_concurrent: bool = False,
    interrupts: Interrupts | None = None,
) -> tuple[str, ApplyOutcome, Plan | None, LockoutVerdict | None]:
    tenant, client = await _open(connection, expected_tenant)
    async with client:
        writer = Writer(
            client,
            store,
            tenant,
            settings,
            actor=actor,
            log=log,
            verify=verify or VerifyPolicy(),
            interrupts=interrupts,
        )
        outcome, p, verdict = await run_apply(
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
        return tenant, outcome, p, verdict


async def live_rollback(
    connection: GraphConnection,
    expected_tenant: str | None,
    store: ChangeStore,
    settings: PlanSettings,
    *,
    to: int | None,
    confirm: Confirm,
    force: bool,
    actor: str | None,
    log: Callable[[str], None],
    interrupts: Interrupts | None = None,
) -> tuple[str, ApplyOutcome]:
    """``force``: overwrite objects someone else edited after the change (``--overwrite-concurrent``)."""
    tenant, client = await _open(connection, expected_tenant)
    async with client:
        writer = Writer(client, store, tenant, settings, actor=actor, log=log, interrupts=interrupts)
        return tenant, await run_rollback(writer, store, to=to, confirm=confirm, force=force)
