"""Telling people: new drift, remediations, detection alerts and tenants that stopped being readable.

Messages are built by :mod:`mfaguard.notify` and sent by :func:`mfaguard.notify.deliver`, which
claims each (dedupe key, target) in the history store first: a message already sent — by this run,
an earlier one, or another machine — is not sent again; a failed one is retried on a later run.
Delivery runs in background tasks (the notifiers retry with backoff within a deadline), so a slow or
dead webhook never holds up the tenants; the runner waits for deliveries only at the very end of a
fleet run. Messages carry names, control ids and values — never a secret or a webhook URL.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mfaguard.fleet.drift import DriftChange
    from mfaguard.fleet.model import FleetTenant
    from mfaguard.notify import DeliveryReport, Notification, Notifier
    from mfaguard.store import Store

__all__ = ["Dispatcher", "NotifierFactory", "drift_severities", "refusal_notification"]

log = logging.getLogger("mfaguard.fleet")

NotifierFactory = Callable[[Any], "Notifier"]
"""Builds the notifier for one target of the fleet file (tests inject their own)."""

DRAIN_LIMIT = 120.0


def refusal_notification(tenant: FleetTenant, info: Mapping[str, Any], *, key: str) -> Notification:
    """The message about a remediation the lock-out guard refused (no change was recorded: nothing
    was written). Remediations that ran are told by :func:`mfaguard.notify.change_notification`."""
    from mfaguard.notify import EventKind, Notification

    return Notification(
        dedupe_key=f"change:{tenant.name}:refused:{key}",
        kind=EventKind.CHANGE,
        tenant=tenant.name,
        severity="high",
        title=f"mfaguard: remediation refused in {tenant.name} (lock-out guard)",
        text=str(info.get("message") or ""),
        facts=(("Controls", ", ".join(info["controls"])), ("Result", str(info["result"]))),
        data={k: v for k, v in info.items() if k != "verify_report"},
    )


def drift_severities(changes: Sequence[DriftChange], severity_of: Mapping[str, str]) -> dict[str, str]:
    """Severity per drifted control: its own when it got worse, ``info`` when it only improved."""
    from mfaguard.fleet.drift import is_regression

    worse = {c.control_id for c in changes if is_regression(c)}
    return {
        c.control_id: (severity_of.get(c.control_id, "medium") if c.control_id in worse else "low")
        for c in changes
    }


class Dispatcher:
    """Builds each tenant's notifiers once and delivers messages in the background."""

    def __init__(
        self,
        store: Store | None,
        *,
        factory: NotifierFactory | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self._factory = factory
        self._env = env
        self._notifiers: dict[str, list[Notifier]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.reports: list[DeliveryReport] = []
        self.policy: Any = None
        """A :class:`mfaguard.notify.DeliveryPolicy` (None: the notifier package's default)."""

    def notifiers(self, tenant: FleetTenant) -> list[Notifier]:
        found = self._notifiers.get(tenant.name)
        if found is None:
            found = []
            for target in tenant.notifications:
                try:
                    found.append(self._build(target))
                except Exception as exc:  # a target that cannot be built is logged, never fatal
                    log.warning(
                        "notification target %r of %s unusable: %s",
                        getattr(target, "name", None),
                        tenant.name,
                        exc,
                    )
            self._notifiers[tenant.name] = found
        return found

    def _build(self, target: Any) -> Notifier:
        if self._factory is not None:
            return self._factory(target)
        from mfaguard.notify import build_notifier

        # Notification secrets (url_env, password_env) are read from the real environment: fleet
        # mode hides MFAGUARD_* only from the Graph credentials.
        return build_notifier(target, os.environ if self._env is None else self._env)

    def submit(
        self,
        tenant: FleetTenant,
        notes: Sequence[Notification],
        *,
        on_sent: Callable[[], Awaitable[None]] | None = None,
    ) -> int:
        """Queue ``notes`` for the tenant's targets; returns how many (message, target) pairs will be
        attempted (each at most once ever, whatever this returns)."""
        if self.store is None or not notes:
            return 0
        notifiers = self.notifiers(tenant)
        jobs = sum(1 for note in notes for n in notifiers if n.accepts(note))
        if jobs:
            task = asyncio.create_task(self._deliver(notifiers, list(notes), on_sent))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return jobs

    async def _deliver(
        self,
        notifiers: list[Notifier],
        notes: list[Notification],
        on_sent: Callable[[], Awaitable[None]] | None,
    ) -> None:
        from mfaguard.notify import deliver

        assert self.store is not None
        try:
            if self.policy is None:
                report = await deliver(self.store, notifiers, notes)
            else:
                report = await deliver(self.store, notifiers, notes, policy=self.policy)
        except Exception as exc:  # deliver never raises by contract; be safe anyway
            log.warning("notification delivery failed: %s", exc)
            return
        self.reports.append(report)
        if on_sent is not None and report.count("sent"):
            try:
                await on_sent()
            except Exception as exc:
                log.warning("could not record the notification: %s", exc)

    def counts(self) -> dict[str, int]:
        """Deliveries so far: sent, failed, skipped (already sent earlier)."""
        return {
            status: sum(r.count(status) for r in self.reports) for status in ("sent", "failed", "skipped")
        }

    async def drain(self, limit: float = DRAIN_LIMIT) -> None:
        """Wait for deliveries still in flight (end of a fleet run)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=limit)
