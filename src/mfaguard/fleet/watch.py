"""``mfaguard watch``: audit the fleet on its schedule until stopped.

- **One watcher per store.** The watcher holds the store lock ``watch`` (a lease renewed by a
  heartbeat). A second ``watch`` on the same store — on this machine or another — refuses to start
  while the lease is fresh; a watcher that died stops renewing and its lease expires, so the next one
  can take over. A watcher that loses its lease (the store was unreachable for longer than the
  lease) stops after the tenants in flight rather than run alongside a successor.
- **Never overlapping.** Runs are awaited one after another; a run that overruns its slot delays the
  next, it never runs beside it.
- **Missed runs made up once.** The last run's start is read from the store; if one or more due
  times passed while nothing ran (the host was down, a run overran), one run starts at once — never
  a burst — and the schedule continues from it.
- **Graceful stop.** ``stop`` (set on SIGTERM/SIGINT by the CLI) lets the tenants in flight finish,
  skips those not started, releases the lock and returns.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from mfaguard.errors import MfaguardError
from mfaguard.fleet.runner import FleetOutcome, FleetRunner, Operation
from mfaguard.fleet.schedule import Schedule, due_runs

if TYPE_CHECKING:
    from mfaguard.store import Store

__all__ = ["LOCK_NAME", "WATCH_TRIGGER", "WatchLocked", "Watcher"]

log = logging.getLogger("mfaguard.watch")

LOCK_NAME = "watch"
WATCH_TRIGGER = "watch"


class WatchLocked(MfaguardError):
    """Another ``watch`` holds this store's lock."""


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Watcher:
    runner: FleetRunner
    store: Store
    schedule: Schedule
    holder: str = field(default_factory=default_holder)
    lease: timedelta = timedelta(minutes=2)
    """How long the lock lives without a heartbeat (a crashed watcher blocks a successor this long)."""
    heartbeat_every: float = 20.0
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    on_run: Callable[[FleetOutcome], None] | None = None
    on_event: Callable[[str], None] = field(default=lambda _text: None)
    runs: int = 0

    def acquire(self) -> None:
        """Take the store's watch lock or raise :class:`WatchLocked` naming its holder."""
        if self.store.acquire_lock(LOCK_NAME, self.holder, ttl=self.lease, now=self.clock()):
            return
        current = self.store.get_lock(LOCK_NAME)
        who = current.holder if current else "another process"
        beat = f", last heartbeat {current.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC" if current else ""
        raise WatchLocked(
            f"another mfaguard watch is already running on this store (held by {who}{beat})",
            hint="stop that one first (SIGTERM); a watcher that crashed releases the lock when its lease "
            f"expires ({int(self.lease.total_seconds())} s after its last heartbeat)",
        )

    def last_start(self) -> datetime | None:
        """When the newest scheduled run started (any tenant), from the store."""
        for run in self.store.list_runs(kind="audit", limit=200):
            if run.trigger == WATCH_TRIGGER:
                started = run.started_at
                return started if started.tzinfo else started.replace(tzinfo=UTC)
        return None

    async def run(self, stop: asyncio.Event, *, max_runs: int | None = None) -> int:
        """Watch until ``stop`` is set (or ``max_runs`` runs happened); returns the number of runs."""
        self.acquire()
        beat = asyncio.create_task(self._heartbeat(stop))
        try:
            while not stop.is_set() and (max_runs is None or self.runs < max_runs):
                now = self.clock()
                due, missed = due_runs(self.schedule, await asyncio.to_thread(self.last_start), now)
                if missed == 0:
                    self.on_event(f"next run at {due:%Y-%m-%d %H:%M:%S} UTC")
                    if await _wait(stop, (due - now).total_seconds()):
                        break
                    continue
                if missed > 1:
                    self.on_event(f"{missed} scheduled runs were missed; making up once")
                outcome = await self.runner.run(Operation.AUDIT, stop=stop, trigger=WATCH_TRIGGER)
                self.runs += 1
                if self.on_run is not None:
                    self.on_run(outcome)
        finally:
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)
            await asyncio.to_thread(self.store.release_lock, LOCK_NAME, self.holder)
        return self.runs

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if await _wait(stop, self.heartbeat_every):
                return
            try:
                held = await asyncio.to_thread(
                    self.store.heartbeat, LOCK_NAME, self.holder, ttl=self.lease, now=self.clock()
                )
            except MfaguardError as exc:
                self.on_event(f"heartbeat failed: {exc}")
                continue
            if not held:
                self.on_event("lost the watch lock (lease expired); stopping after the tenants in flight")
                stop.set()
                return


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to ``seconds``; True if ``stop`` was set meanwhile."""
    if seconds <= 0:
        return stop.is_set()
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
