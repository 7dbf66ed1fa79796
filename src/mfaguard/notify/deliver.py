"""Deliver notifications: once per (dedupe key, target), retried with backoff, bounded in time.

Delivery never raises and never holds a run up for long: every send has a timeout, the whole batch
has a deadline, and failures are recorded in the store (redacted) for the next run to retry.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mfaguard.notify.base import Notifier, SendResult
from mfaguard.notify.message import Notification

log = logging.getLogger("mfaguard.notify")


class NotificationLog(Protocol):
    """What delivery needs from the history store (:class:`mfaguard.store.Store`)."""

    def claim_notification(self, dedupe_key: str, target: str) -> bool: ...

    def finish_notification(
        self, dedupe_key: str, target: str, *, sent: bool, attempts: int, error: str | None = ...
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    attempts: int = 3
    first_delay: float = 1.0
    max_delay: float = 10.0
    deadline: float = 45.0
    """Wall-time budget for the whole batch (all targets in parallel)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    dedupe_key: str
    target: str
    status: str
    """sent | failed | skipped (already sent or in flight elsewhere)."""
    attempts: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    outcomes: tuple[Outcome, ...] = field(default_factory=tuple)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


async def deliver(
    store: NotificationLog,
    notifiers: Sequence[Notifier],
    notes: Sequence[Notification],
    *,
    policy: DeliveryPolicy = DeliveryPolicy(),
) -> DeliveryReport:
    """Send each note to each notifier that accepts it, at most once per (key, target) ever."""
    jobs = [(note, n) for note in notes for n in notifiers if n.accepts(note)]
    if not jobs:
        return DeliveryReport()
    end = time.monotonic() + policy.deadline
    results = await asyncio.gather(*(_one(store, note, n, policy, end) for note, n in jobs))
    report = DeliveryReport(tuple(results))
    if report.count("failed"):
        log.warning("notifications: %d sent, %d failed", report.count("sent"), report.count("failed"))
    return report


async def _one(
    store: NotificationLog, note: Notification, notifier: Notifier, policy: DeliveryPolicy, end: float
) -> Outcome:
    target = notifier.target
    try:
        claimed = await asyncio.to_thread(store.claim_notification, note.dedupe_key, target)
    except Exception as exc:  # the store is down: do not send blind (we could not dedupe)
        log.warning("notification %s to %s not sent: store unavailable (%s)", note.dedupe_key, target, exc)
        return Outcome(note.dedupe_key, target, "failed", 0, f"store unavailable: {exc}")
    if not claimed:
        return Outcome(note.dedupe_key, target, "skipped")
    attempts, result = await _attempts(note, notifier, policy, end)
    try:
        await asyncio.to_thread(
            store.finish_notification,
            note.dedupe_key,
            target,
            sent=result.ok,
            attempts=attempts,
            error=result.error,
        )
    except Exception as exc:
        log.warning("notification %s to %s: outcome not recorded (%s)", note.dedupe_key, target, exc)
    if result.ok:
        log.info("notification %s sent to %s", note.dedupe_key, target)
        return Outcome(note.dedupe_key, target, "sent", attempts)
    log.warning(
        "notification %s to %s failed after %d attempt(s): %s",
        note.dedupe_key,
        target,
        attempts,
        result.error,
    )
    return Outcome(note.dedupe_key, target, "failed", attempts, result.error)


async def _attempts(
    note: Notification, notifier: Notifier, policy: DeliveryPolicy, end: float
) -> tuple[int, SendResult]:
    delay = policy.first_delay
    result = SendResult(ok=False, error="not attempted")
    for attempt in range(1, policy.attempts + 1):
        left = end - time.monotonic()
        if left <= 0:
            return attempt - 1, SendResult(
                ok=False, error=f"{result.error}; gave up at the delivery deadline"
            )
        try:
            result = await asyncio.wait_for(notifier.send(note), timeout=left)
        except TimeoutError:
            return attempt, SendResult(ok=False, error="gave up at the delivery deadline (no answer)")
        except Exception as exc:  # a notifier bug must not break the run
            return attempt, SendResult(ok=False, error=f"internal error: {type(exc).__name__}")
        if result.ok or not result.retryable or attempt == policy.attempts:
            return attempt, result
        wait = result.retry_after if result.retry_after is not None else delay * (1 + random.random() / 2)
        if time.monotonic() + wait >= end:
            return attempt, SendResult(ok=False, error=f"{result.error}; no time left to retry")
        await asyncio.sleep(wait)
        delay = min(delay * 2, policy.max_delay)
    return policy.attempts, result
