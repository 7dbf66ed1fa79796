"""Telling people: notices for new drift, remediations and detection alerts, sent once per target.

A notice has a ``dedupe_key``. Before sending it to a target the dispatcher *claims* the pair in the
history store (:meth:`~mfaguard.store.Store.claim_notification`): a notice already sent — by this run,
an earlier run, or another machine — is not sent again, and a failed one is retried on a later run.
Sending happens in background tasks (the notifiers retry with backoff), so a slow or dead webhook
never holds up the tenants; the runner waits for deliveries only at the very end of a fleet run.
Messages carry names, control ids and values — never a secret or a webhook URL.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mfaguard.fleet.drift import DriftChange
    from mfaguard.fleet.targets import FleetTenant
    from mfaguard.store import Store

__all__ = ["Dispatcher", "Notice", "Sender", "drift_notice", "target_name"]

log = logging.getLogger("mfaguard.fleet")

Sender = Callable[[Any, "Notice"], Awaitable[None]]
"""Send one notice to one target (a notification target from the fleet file); raise on failure."""

SEND_TIMEOUT = 120.0
"""Seconds one delivery (with the notifier's own retries) may take."""


@dataclass(frozen=True, slots=True)
class Notice:
    """One thing to tell people about one tenant."""

    kind: str
    """``drift``, ``remediation`` or ``alert``."""
    tenant: str
    tenant_id: str | None
    dedupe_key: str
    title: str
    text: str
    severity: str = "medium"
    items: tuple[Mapping[str, Any], ...] = ()
    links: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The generic webhook payload."""
        return {
            "source": "mfaguard",
            "kind": self.kind,
            "tenant": self.tenant,
            "tenant_id": self.tenant_id,
            "dedupe_key": self.dedupe_key,
            "severity": self.severity,
            "title": self.title,
            "text": self.text,
            "items": [dict(i) for i in self.items],
        }


def drift_notice(tenant: FleetTenant, run_id: int, changes: Sequence[DriftChange]) -> Notice:
    """The notice for a run's new drift (one message per tenant and run, listing every change)."""
    from mfaguard.fleet.drift import is_regression

    worse = [c for c in changes if is_regression(c)]
    lines = [
        f"{c.control_id}{f' [{c.resource}]' if c.resource else ''} {c.field}: {c.before!r} → {c.after!r}"
        for c in changes
    ]
    title = (
        f"mfaguard: drift in tenant {tenant.name} ({len(changes)} change(s)"
        + (f", {len(worse)} control(s) got worse" if worse else "")
        + ")"
    )
    return Notice(
        kind="drift",
        tenant=tenant.name,
        tenant_id=tenant.tenant_id,
        dedupe_key=f"drift|{tenant.name}|run-{run_id}",
        title=title,
        text="\n".join(lines),
        severity="high" if worse else "low",
        items=tuple(c.to_json() for c in changes),
    )


def target_name(target: Any, index: int) -> str:
    """A target's name in the store and in logs: its ``name``, else ``<type>-<n>`` (never its URL)."""
    name = getattr(target, "name", None) if not isinstance(target, Mapping) else target.get("name")
    if name:
        return str(name)
    kind = getattr(target, "type", None) if not isinstance(target, Mapping) else target.get("type")
    return f"{kind or 'target'}-{index + 1}"


class Dispatcher:
    """Claims, sends and records notices (see the module docstring)."""

    def __init__(self, store: Store | None, *, sender: Sender | None = None) -> None:
        self.store = store
        self._sender = sender
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent = 0
        self.failed = 0

    @property
    def sender(self) -> Sender | None:
        return self._sender

    async def submit(
        self,
        db: Callable[..., Awaitable[Any]],
        tenant: FleetTenant,
        notice: Notice,
        *,
        on_sent: Callable[[], Awaitable[None]] | None = None,
    ) -> int:
        """Claim ``notice`` for each of the tenant's targets and send the claimed ones in the
        background; returns how many targets it will go to (0 = already sent or no targets)."""
        claimed = 0
        if self.sender is None:
            return 0
        for index, target in enumerate(tenant.notifications):
            name = target_name(target, index)
            if self.store is not None and not await db(
                self.store.claim_notification, notice.dedupe_key, name
            ):
                continue
            claimed += 1
            task = asyncio.create_task(self._deliver(db, target, name, notice, on_sent))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return claimed

    async def _deliver(
        self,
        db: Callable[..., Awaitable[Any]],
        target: Any,
        name: str,
        notice: Notice,
        on_sent: Callable[[], Awaitable[None]] | None,
    ) -> None:
        error: str | None = None
        try:
            assert self.sender is not None
            await asyncio.wait_for(self.sender(target, notice), timeout=SEND_TIMEOUT)
        except asyncio.CancelledError:
            error = "cancelled before it was sent"
        except TimeoutError:
            error = f"not delivered within {SEND_TIMEOUT:g} s"
        except Exception as exc:  # a failed notification is recorded and retried later, never fatal
            error = f"{type(exc).__name__}: {exc}"
        if error is None:
            self.sent += 1
        else:
            self.failed += 1
            log.warning("notification %s to %s failed: %s", notice.dedupe_key, name, error)
        if self.store is not None:
            try:
                await db(
                    self.store.finish_notification,
                    notice.dedupe_key,
                    name,
                    sent=error is None,
                    attempts=1,
                    error=error,
                )
                if error is None and on_sent is not None:
                    await on_sent()
            except Exception as exc:  # the store failing here must not crash the run
                log.warning("could not record notification %s: %s", notice.dedupe_key, exc)

    async def drain(self, limit: float = SEND_TIMEOUT + 10) -> None:
        """Wait for deliveries still in flight (end of a fleet run)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=limit)
