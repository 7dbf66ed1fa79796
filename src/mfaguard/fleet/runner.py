"""The fleet runner: one operation over many tenants, concurrently, each tenant on its own.

- **Fan-out.** Every tenant is a task; a global semaphore bounds how many run at once
  (``--concurrency``, default 32) and a per-tenant limiter keeps work against one tenant with one app
  serialised, with one report pacer shared by everything that uses that app in that tenant — Graph
  throttles *per app per tenant* (reports: 5 requests / 10 s), so two fleet entries for the same
  tenant must not double the rate.
- **Isolation.** A tenant that fails (bad secret, 403, a token for another tenant, Graph down, a bug)
  becomes an ``error`` result with the reason; the other tenants carry on.
- **Shared plumbing.** Clients share one connection pool per CA bundle (TLS sessions and keep-alive
  across tenants); token fetches (azure-identity is synchronous) get a thread pool as wide as the
  concurrency; store calls run on one worker thread, so a slow disk never stalls the event loop and
  SQLite sees one writer.
- **Stopping.** When ``stop`` is set no new tenant starts; tenants in flight finish (``watch`` sets it
  on SIGTERM). Tenants that never started are reported as ``skipped``.

The per-tenant work itself is the step table the runner is given (:mod:`mfaguard.fleet.steps`).
"""

from __future__ import annotations

import asyncio
import contextvars
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from mfaguard.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNFINISHED, MfaguardError
from mfaguard.fleet.model import FleetTenant, fleet_env
from mfaguard.model.report import Severity, TenantResult

if TYPE_CHECKING:
    from mfaguard.fleet.drift import DriftChange
    from mfaguard.graph.client import GraphClient
    from mfaguard.graph.pacing import Pacer
    from mfaguard.graph.pool import SharedTransports
    from mfaguard.model.policy import TenantInfo
    from mfaguard.store import Store

__all__ = [
    "FleetOutcome",
    "FleetRunner",
    "Operation",
    "Progress",
    "Step",
    "TenantOutcome",
    "run_fleet",
]

T = TypeVar("T")

DEFAULT_CONCURRENCY = 32
# Connection pool shards: one per this many concurrent tenants, each allowed this many connections.
_TENANTS_PER_POOL = 4
_POOL_CONNECTIONS = 8
DEFAULT_TENANT_TIMEOUT = 600.0
"""Seconds one tenant may take (all its requests, retries and a remediation) before it is an error."""


class Operation(StrEnum):
    AUDIT = "audit"
    PLAN = "plan"
    APPLY = "apply"
    COVERAGE = "coverage"
    DETECT = "detect"


Progress = Callable[[str, FleetTenant, "TenantOutcome | None"], None]
Step = Callable[..., Awaitable["TenantOutcome"]]
"""``step(runner, tenant, *, trigger)``: what one operation does for one tenant (:mod:`mfaguard.fleet.steps`)."""
"""Called with ``("start", tenant, None)`` and ``("done", tenant, outcome)``."""


@dataclass(frozen=True, slots=True)
class TenantOutcome:
    """What happened to one tenant in one fleet run."""

    tenant: FleetTenant
    status: Literal["ok", "error", "skipped"]
    error: str | None = None
    result: TenantResult | None = None
    """The audit-shaped result (audit; ``None`` for other operations)."""
    run_id: int | None = None
    unfinished: bool = False
    """The tenant could not be (fully) read or changed → exit code 3."""
    failing: bool = False
    """A FAIL at or above ``--fail-on`` that no exception covers → exit code 1."""
    drift: tuple[DriftChange, ...] = ()
    notified: int = 0
    """Notifications sent for this tenant in this run (new drift or alerts; deduplicated)."""
    remediation: Mapping[str, Any] | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    """Operation-specific JSON (a plan, an apply outcome, coverage counts, alerts)."""
    seconds: float = 0.0
    requests: int = 0

    def to_json(self) -> dict[str, Any]:
        """The tenant entry of the fleet document (DESIGN §7) plus the fleet's own keys."""
        if self.result is not None:
            base = self.result.to_json()
        else:
            base = {"name": self.tenant.name, "status": self.status, "error": self.error}
        base["status"] = self.status
        base["error"] = self.error
        base.setdefault("tenant_id", self.tenant.tenant_id)
        base.update(
            {
                "mode": self.tenant.mode.value,
                "tags": list(self.tenant.tags),
                "run_id": self.run_id,
                "drift": [d.to_json() for d in self.drift],
                "notified": self.notified,
                "remediation": dict(self.remediation) if self.remediation is not None else None,
                "seconds": round(self.seconds, 3),
                **self.detail,
            }
        )
        return base


@dataclass(frozen=True, slots=True)
class FleetOutcome:
    operation: Operation
    tenants: tuple[TenantOutcome, ...]
    started_at: datetime
    seconds: float
    stopped: bool = False
    """A stop was requested; tenants that had not started are ``skipped``."""
    deliveries: Mapping[str, int] = field(default_factory=dict)
    """Notification deliveries of this run: sent, failed, skipped (sent before)."""

    @property
    def exit_code(self) -> int:
        """DESIGN §7: 3 if any tenant could not be read, else 1 if any has a FAIL at or above
        ``--fail-on``, else 0."""
        if any(t.unfinished or t.status == "error" for t in self.tenants):
            return EXIT_UNFINISHED
        if any(t.failing for t in self.tenants):
            return EXIT_FINDINGS
        return EXIT_OK

    def results(self) -> list[TenantResult]:
        """Audit-shaped results for :func:`mfaguard.formats.render_fleet` (errors and skips included)."""
        out: list[TenantResult] = []
        for t in self.tenants:
            if t.result is not None:
                out.append(t.result)
            else:
                out.append(TenantResult(name=t.tenant.name, status="error", error=t.error or t.status))
        return out

    def counts(self) -> dict[str, int]:
        return {
            "tenants": len(self.tenants),
            "ok": sum(1 for t in self.tenants if t.status == "ok"),
            "error": sum(1 for t in self.tenants if t.status == "error"),
            "skipped": sum(1 for t in self.tenants if t.status == "skipped"),
            "unfinished": sum(1 for t in self.tenants if t.unfinished),
            "failing": sum(1 for t in self.tenants if t.failing),
            "drift": sum(len(t.drift) for t in self.tenants),
            "notified": sum(t.notified for t in self.tenants),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": "1.0",
            "operation": self.operation.value,
            "started_at": self.started_at.isoformat(),
            "seconds": round(self.seconds, 3),
            "stopped": self.stopped,
            "counts": self.counts(),
            "deliveries": dict(self.deliveries),
            "tenants": [t.to_json() for t in self.tenants],
        }


_HELD: contextvars.ContextVar[asyncio.Semaphore | None] = contextvars.ContextVar(
    "mfaguard_fleet_gate", default=None
)
"""The global gate the current tenant task holds (released while it waits for the store)."""


class _TenantLimits:
    """Per (tenant id, app) limits: a semaphore and a shared report pacer."""

    def __init__(self, per_tenant: int) -> None:
        self._per_tenant = per_tenant
        self._slots: dict[tuple[str, str], asyncio.Semaphore] = {}
        self._pacers: dict[tuple[str, str], Pacer] = {}

    @staticmethod
    def key(tenant: FleetTenant) -> tuple[str, str]:
        app = tenant.connection.credential.client_id or str(tenant.connection.credential.kind)
        return tenant.tenant_id.lower(), app.lower()

    def slot(self, tenant: FleetTenant) -> asyncio.Semaphore:
        return self._slots.setdefault(self.key(tenant), asyncio.Semaphore(self._per_tenant))

    def pacer(self, tenant: FleetTenant) -> Pacer:
        key = self.key(tenant)
        pacer = self._pacers.get(key)
        if pacer is None:
            from mfaguard.graph.pacing import Pacer

            pacer = self._pacers[key] = Pacer()
        return pacer


class FleetRunner:
    """Runs operations over tenants. One runner may run many times (``watch``); it is not thread-safe.

    ``client_kwargs`` go to every :class:`~mfaguard.graph.client.GraphClient` (tests pass an in-process
    ``transport``); ``env`` replaces the process environment for credentials (``MFAGUARD_*`` removed).
    """

    def __init__(
        self,
        tenants: Sequence[FleetTenant],
        *,
        steps: Mapping[Operation, Step],
        store: Store | None,
        concurrency: int = DEFAULT_CONCURRENCY,
        per_tenant: int = 1,
        env: Mapping[str, str] | None = None,
        client_kwargs: Mapping[str, Any] | None = None,
        progress: Progress | None = None,
        fail_on: Severity = Severity.MEDIUM,
        tenant_timeout: float = DEFAULT_TENANT_TIMEOUT,
        notifier_factory: Any = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        options: Mapping[str, Any] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.tenants = tuple(tenants)
        self.steps = steps
        """What each operation does for one tenant (:data:`mfaguard.fleet.steps.STEPS`)."""
        self.store = store
        self.concurrency = concurrency
        self.per_tenant = per_tenant
        self.env = fleet_env(env, keep=[name for t in self.tenants for name in t.secret_envs])
        self.client_kwargs = dict(client_kwargs or {})
        self.progress = progress
        self.fail_on = fail_on
        self.tenant_timeout = tenant_timeout
        self.clock = clock
        self.options = dict(options or {})
        """Operation options (``yes``/``force`` for apply, ``since`` for detect, ...)."""
        from mfaguard.fleet.alerting import Dispatcher

        self.dispatcher = Dispatcher(store, factory=notifier_factory)
        self._db_pool: ThreadPoolExecutor | None = None
        self._limits = _TenantLimits(per_tenant)
        self._upserted: set[tuple[str, str, tuple[str, ...]]] = set()
        self.previous: dict[str, tuple[int, list[Any]]] = {}
        """Per tenant name: the newest successful audit before this fleet run and its findings."""
        self.active = 0
        self.peak_active = 0
        """Most tenants that held the global gate at once (diagnostics, tests)."""
        self._pools: list[SharedTransports] = []
        if store is not None:
            secrets = [self.env.get(name, "") for t in self.tenants for name in t.secret_envs]
            store.add_secrets([s for s in secrets if s])

    # --- plumbing used by the operations -------------------------------------------------------------

    async def db(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a store method on the store's worker thread.

        While a tenant waits for the store it gives its place under the global limit to another
        tenant: the limit bounds concurrent Graph work, and store writes (serialised on one thread)
        then overlap other tenants' Graph round trips instead of adding to them.
        """
        if self._db_pool is None:
            return func(*args, **kwargs)
        loop = asyncio.get_running_loop()
        held = _HELD.get()
        if held is None:
            return await loop.run_in_executor(self._db_pool, partial(func, *args, **kwargs))
        self._leave(held)
        try:
            return await loop.run_in_executor(self._db_pool, partial(func, *args, **kwargs))
        finally:
            await self._enter(held)

    async def _enter(self, gate: asyncio.Semaphore) -> None:
        await gate.acquire()
        self.active += 1
        self.peak_active = max(self.peak_active, self.active)

    def _leave(self, gate: asyncio.Semaphore) -> None:
        self.active -= 1
        gate.release()

    async def ensure_tenant(self, tenant: FleetTenant) -> None:
        """Record the tenant's identity in the store (once per runner, or when it changed)."""
        key = (tenant.name, tenant.tenant_id, tenant.tags)
        if self.store is not None and key not in self._upserted:
            await self.db(self.store.upsert_tenant, tenant.name, tenant_id=tenant.tenant_id, tags=tenant.tags)
            self._upserted.add(key)

    def _load_previous(self) -> None:
        """The newest successful audit of every tenant (two queries for the whole fleet)."""
        assert self.store is not None
        runs = self.store.latest_runs("audit")
        findings = self.store.latest_findings_by_tenant()
        self.previous = {name: (run.id, findings.get(name, [])) for name, run in runs.items()}

    def client_options(self, tenant: FleetTenant) -> dict[str, Any]:
        """GraphClient keyword arguments for ``tenant``: the shared pool and the tenant's pacer."""
        kwargs = dict(self.client_kwargs)
        if "transport" not in kwargs and self._pools:
            shard = self._pools[zlib.crc32(tenant.name.encode()) % len(self._pools)]
            kwargs["transport"] = shard.get(tenant.connection.ca_bundle(self.env))
        kwargs.setdefault("pacer", self._limits.pacer(tenant))
        return kwargs

    def open_tenant(
        self, tenant: FleetTenant, *, named: bool = False
    ) -> AbstractAsyncContextManager[tuple[GraphClient, TenantInfo]]:
        """``async with runner.open_tenant(t) as (client, info):`` — the one way in
        (:func:`mfaguard.graph.connect.open_tenant`) with the fleet's environment (the file decides
        credentials), the shared connection pool and the tenant's report pacer. ``named`` gives ``info``
        the fleet file's name for the tenant."""
        from mfaguard.graph.connect import open_tenant

        return open_tenant(
            tenant.connection,
            tenant.tenant_id,
            name=tenant.name if named else None,
            env=self.env,
            **self.client_options(tenant),
        )

    # --- running ---------------------------------------------------------------------------------------

    async def run(
        self,
        operation: Operation | str = Operation.AUDIT,
        *,
        stop: asyncio.Event | None = None,
        trigger: str = "manual",
    ) -> FleetOutcome:
        """Run ``operation`` over every tenant; never raises for one tenant's failure."""
        from mfaguard.graph.pool import SharedTransports

        op = Operation(operation)
        step = self.steps[op]
        started_at = self.clock()
        t0 = time.perf_counter()
        gate = asyncio.Semaphore(self.concurrency)
        stop = stop or asyncio.Event()
        self._db_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mfaguard-store")
        self.active = self.peak_active = 0
        self.dispatcher.reports.clear()
        try:
            if self.store is not None and op is Operation.AUDIT:
                await self.db(self._load_previous)
            # Several small pools instead of one big one: httpcore's pool does work quadratic in its
            # connection count on every request (it recounts all connections per idle one), which
            # cost more CPU than the audits at concurrency 32. Each shard has headroom for uneven
            # hashing; tenants still share TLS sessions and keep-alive connections within a shard.
            shards = -(-self.concurrency // _TENANTS_PER_POOL)
            async with AsyncExitStack() as pools:
                self._pools = [
                    await pools.enter_async_context(SharedTransports(max_connections=_POOL_CONNECTIONS))
                    for _ in range(shards)
                ]

                async def one(tenant: FleetTenant) -> TenantOutcome:
                    async with self._limits.slot(tenant):
                        await self._enter(gate)
                        token = _HELD.set(gate)
                        try:
                            if stop.is_set():
                                return TenantOutcome(
                                    tenant, "skipped", error="not started: the fleet run was stopped"
                                )
                            self._report("start", tenant, None)
                            outcome = await self._guarded(step, tenant, trigger)
                            self._report("done", tenant, outcome)
                            return outcome
                        finally:
                            _HELD.reset(token)
                            self._leave(gate)

                outcomes = await asyncio.gather(*(one(t) for t in self.tenants))
                await self.dispatcher.drain()
        finally:
            self._pools = []
            pool, self._db_pool = self._db_pool, None
            pool.shutdown(wait=True)
        return FleetOutcome(
            op,
            tuple(outcomes),
            started_at,
            time.perf_counter() - t0,
            stopped=stop.is_set(),
            deliveries=self.dispatcher.counts(),
        )

    async def _guarded(self, step: Any, tenant: FleetTenant, trigger: str) -> TenantOutcome:
        t0 = time.perf_counter()
        try:
            outcome: TenantOutcome = await asyncio.wait_for(
                step(self, tenant, trigger=trigger), timeout=self.tenant_timeout
            )
        except TimeoutError:
            outcome = TenantOutcome(
                tenant, "error", error=f"timed out after {self.tenant_timeout:g} s", unfinished=True
            )
        except MfaguardError as exc:
            outcome = TenantOutcome(tenant, "error", error=_one_line(exc), unfinished=True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug for one tenant must not stop the fleet
            outcome = TenantOutcome(
                tenant,
                "error",
                error=f"internal error: {type(exc).__name__}: {exc}",
                unfinished=True,
            )
        from dataclasses import replace

        return replace(outcome, seconds=time.perf_counter() - t0)

    def _report(self, event: str, tenant: FleetTenant, outcome: TenantOutcome | None) -> None:
        if self.progress is not None:
            try:
                self.progress(event, tenant, outcome)
            except Exception:  # a broken progress display must not fail tenants
                self.progress = None


def _one_line(exc: MfaguardError) -> str:
    text = str(exc).strip()
    return " ".join(text.split())


def run_fleet(
    runner: FleetRunner,
    operation: Operation | str = Operation.AUDIT,
    *,
    trigger: str = "manual",
) -> FleetOutcome:
    """Run ``operation`` in a fresh event loop whose thread pool is as wide as the concurrency (token
    fetches through azure-identity are synchronous and run in threads)."""

    async def main() -> FleetOutcome:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(
            ThreadPoolExecutor(
                max_workers=min(64, max(4, runner.concurrency)), thread_name_prefix="mfaguard-token"
            )
        )
        return await runner.run(operation, trigger=trigger)

    return asyncio.run(main())
