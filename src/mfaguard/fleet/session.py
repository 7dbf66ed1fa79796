"""``mfaguard fleet ...`` and ``mfaguard watch`` wiring: fleet file → store → runner → outcome.

Kept out of ``cli/`` (no logic there). The store URL comes from ``--store``, else the file's
``store:``, else the default SQLite file in the user data dir.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mfaguard.fleet.load import LoadedFleet, load_fleet
from mfaguard.fleet.model import select_tenants
from mfaguard.fleet.runner import (
    DEFAULT_CONCURRENCY,
    FleetOutcome,
    FleetRunner,
    Operation,
    Progress,
    run_fleet,
)
from mfaguard.fleet.steps import STEPS
from mfaguard.model.report import Severity

if TYPE_CHECKING:
    from mfaguard.enforce.apply import ApplyOutcome
    from mfaguard.fleet.model import FleetTenant
    from mfaguard.fleet.schedule import Schedule
    from mfaguard.store import Store

__all__ = ["FleetRequest", "execute", "fleet_tenant", "open_fleet", "roll_back_change"]


@dataclass(frozen=True, slots=True)
class FleetRequest:
    """One ``mfaguard fleet <operation>`` invocation."""

    config: str | os.PathLike[str]
    operation: Operation = Operation.AUDIT
    names: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    store_url: str | None = None
    concurrency: int | None = None
    """None: the file's ``concurrency``, else 32."""
    fail_on: Severity = Severity.MEDIUM
    options: Mapping[str, Any] | None = None
    trigger: str = "manual"


def open_fleet(
    config: str | os.PathLike[str],
    *,
    names: Iterable[str] = (),
    tags: Iterable[str] = (),
    store_url: str | None = None,
) -> tuple[LoadedFleet, list[Any], Store]:
    """Load the file, pick the tenants, open (and migrate) the store."""
    from mfaguard.store import open_store

    fleet = load_fleet(config)
    chosen = select_tenants(fleet.tenants, names=names, tags=tags)
    store = open_store(store_url or fleet.store_url)
    return fleet, chosen, store


def execute(
    request: FleetRequest,
    *,
    progress: Progress | None = None,
    env: Mapping[str, str] | None = None,
    client_kwargs: Mapping[str, Any] | None = None,
) -> FleetOutcome:
    """Run one fleet operation and close the store."""
    fleet, chosen, store = open_fleet(
        request.config, names=request.names, tags=request.tags, store_url=request.store_url
    )
    try:
        runner = FleetRunner(
            chosen,
            steps=STEPS,
            store=store,
            concurrency=request.concurrency or fleet.concurrency or DEFAULT_CONCURRENCY,
            env=env,
            client_kwargs=client_kwargs,
            progress=progress,
            fail_on=request.fail_on,
            options=request.options,
        )
        return run_fleet(runner, request.operation, trigger=request.trigger)
    finally:
        store.close()


def fleet_tenant(
    config: str | os.PathLike[str], name: str, *, env: Mapping[str, str] | None = None
) -> FleetTenant:
    """The tenant called ``name`` in the fleet file (the history store names tenants as the file does)."""
    from mfaguard.errors import UsageError

    for tenant in load_fleet(config, env=env).tenants:
        if tenant.name == name:
            return tenant
    raise UsageError(
        f"tenant {name!r} is not in the fleet file {config}",
        hint="changes made with `mfaguard apply` outside the fleet are rolled back with "
        "`mfaguard rollback --to ID`",
    )


async def roll_back_change(
    tenant: FleetTenant,
    store: Store,
    change_id: int,
    *,
    actor: str,
    env: Mapping[str, str] | None = None,
    client_kwargs: Mapping[str, Any] | None = None,
) -> ApplyOutcome:
    """``mfaguard rollback --to ID`` on a fleet tenant: opened with the credential the fleet file gives it
    (the fleet environment, :func:`~mfaguard.fleet.model.fleet_env`), restored and verified. The caller
    has the consent (``confirm`` answers yes); an object edited after the change is still refused (never
    ``--force``)."""
    from mfaguard.enforce.live import live_rollback
    from mfaguard.enforce.plan import PlanSettings
    from mfaguard.fleet.model import fleet_env
    from mfaguard.graph.connect import open_tenant

    fleet = fleet_env(env, keep=tenant.secret_envs)
    connected = open_tenant(tenant.connection, tenant.tenant_id, env=fleet, **dict(client_kwargs or {}))
    async with connected as (client, _info):
        return await live_rollback(
            client,
            tenant.name,
            store,
            PlanSettings(),  # the change's recorded number-matching mode is used
            to=change_id,
            confirm=lambda _question: True,
            force=False,
            actor=actor,
        )


def watch_fleet(
    config: str | os.PathLike[str],
    *,
    store_url: str | None,
    schedule_of: Callable[[Schedule | None], Schedule],
    concurrency: int | None = None,
    max_runs: int | None = None,
    say: Callable[[str], None] = lambda _text: None,
) -> int:
    """Run ``watch`` until SIGTERM/SIGINT (or ``max_runs``); returns the number of runs."""
    import asyncio
    import signal
    from concurrent.futures import ThreadPoolExecutor

    from mfaguard.fleet.watch import Watcher

    fleet, chosen, store = open_fleet(config, store_url=store_url)
    try:
        schedule = schedule_of(fleet.schedule)
        width = concurrency or fleet.concurrency or DEFAULT_CONCURRENCY
        runner = FleetRunner(chosen, steps=STEPS, store=store, concurrency=width)

        def finished(outcome: FleetOutcome) -> None:
            counts = outcome.counts()
            say(
                f"run done in {outcome.seconds:.1f} s: {counts['ok']} ok, {counts['error']} error, "
                f"{counts['skipped']} skipped, drift {counts['drift']}, notified {counts['notified']}"
            )
            for t in outcome.tenants:
                if t.status == "error":
                    say(f"  {t.tenant.name}: {t.error}")

        watcher = Watcher(runner, store, schedule, on_run=finished, on_event=say)

        async def main() -> int:
            loop = asyncio.get_running_loop()
            loop.set_default_executor(ThreadPoolExecutor(max_workers=min(64, max(4, width))))
            stop = asyncio.Event()

            def request_stop(name: str) -> None:
                if not stop.is_set():
                    say(f"{name} received: finishing the tenants in flight, then stopping")
                stop.set()

            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, request_stop, sig.name)
            say(f"watching {len(chosen)} tenant(s), {schedule.describe()}, store {store.url}")
            runs = await watcher.run(stop, max_runs=max_runs)
            say(f"stopped after {runs} run(s)")
            return runs

        return asyncio.run(main())
    finally:
        store.close()
