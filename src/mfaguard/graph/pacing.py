"""Client-side pacing for Graph's narrow report and risk quotas.

Graph's general directory quota is thousands of resource units per 10 s, but two families are far
narrower (reference/graph.md §8, gotcha 9):

- identity and access *reports* (signIns, directoryAudits, authenticationMethods reports such as
  userRegistrationDetails): 5 requests / 10 s per app per tenant;
- Identity Protection and Conditional Access (riskDetections, riskyUsers, ...): 1 request / s per
  tenant, and their 429s carry **no** Retry-After.

Reading a large report as fast as possible provokes a storm of 429s (each of which still counts),
so the client waits for a free slot *before* sending. One :class:`Pacer` belongs to one tenant's
client; the fleet runner may share one between clients of the same tenant.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Quota:
    """At most ``requests`` request starts in any window of ``period`` seconds."""

    requests: int
    period: float


REPORTS = "reports"
IDENTITY_PROTECTION = "identity-protection"

QUOTAS: dict[str, Quota] = {
    REPORTS: Quota(5, 10.0),
    IDENTITY_PROTECTION: Quota(1, 1.0),
}

# Lower-case path (after /v1.0 or /beta) → bucket. First match wins.
_BUCKETS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/(auditlogs|reports/authenticationmethods)(/|$)"), REPORTS),
    (re.compile(r"^/(identityprotection|identity/conditionalaccess)(/|$)"), IDENTITY_PROTECTION),
)


def bucket_for(path: str) -> str | None:
    """The quota bucket a request path falls into, or None when it is not paced."""
    lowered = path.lower()
    for pattern, bucket in _BUCKETS:
        if pattern.search(lowered):
            return bucket
    return None


class Slot:
    """One admitted request. Its time is its start until :meth:`finish` moves it to the moment the
    answer arrived: the server stamps a request somewhere between the two, so counting the window
    from the finish time keeps a request ``period`` behind the server's stamp of the one it replaces
    (counting from the start let latency jitter provoke 429s: measured 11 in 99 report pages)."""

    __slots__ = ("done", "time")

    def __init__(self, time: float) -> None:
        self.time = time
        self.done = False

    def finish(self, now: float) -> None:
        self.time = max(self.time, now)
        self.done = True


class SlidingWindowLimiter:
    """Admits at most ``quota.requests`` requests per sliding ``quota.period``; waiters queue in order.

    A request occupies its slot from its start until ``period`` after it finished (or after its
    start, for :meth:`acquire` callers that never report the finish).
    """

    POLL = 0.05
    """Seconds between checks while every slot is still in flight."""

    def __init__(self, quota: Quota, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.quota = quota
        self._clock = clock
        self._sleep = sleep
        self._slots: deque[Slot] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> float:
        """Wait for a free slot and take it (counted from its start); returns the seconds waited."""
        waited, slot = await self.take()
        slot.done = True
        return waited

    async def take(self) -> tuple[float, Slot]:
        """Wait for a free slot and take it; the caller calls :meth:`Slot.finish` when the answer came."""
        waited = 0.0
        period = self.quota.period
        async with self._lock:  # held while sleeping: later callers queue behind, in order
            while True:
                now = self._clock()
                # Drop finished slots out of the window, and in-flight ones that are far too old
                # (a caller that never finished must not block the bucket for ever).
                self._slots = deque(
                    s
                    for s in self._slots
                    if not ((s.done and now - s.time >= period) or now - s.time >= 10 * period)
                )
                if len(self._slots) < self.quota.requests:
                    slot = Slot(now)
                    self._slots.append(slot)
                    return waited, slot
                finished = [s.time for s in self._slots if s.done]
                delay = min(finished) + period - now if finished else self.POLL
                delay = max(delay, 0.0) or self.POLL
                waited += delay
                await self._sleep(delay)


class Pacer:
    """One limiter per bucket, created on first use."""

    def __init__(
        self,
        quotas: dict[str, Quota] | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._quotas = dict(QUOTAS if quotas is None else quotas)
        self._clock = clock
        self._sleep = sleep
        self._limiters: dict[str, SlidingWindowLimiter] = {}

    def _limiter(self, path: str) -> SlidingWindowLimiter | None:
        bucket = bucket_for(path)
        if bucket is None or bucket not in self._quotas:
            return None
        limiter = self._limiters.get(bucket)
        if limiter is None:
            limiter = SlidingWindowLimiter(self._quotas[bucket], clock=self._clock, sleep=self._sleep)
            self._limiters[bucket] = limiter
        return limiter

    async def acquire(self, path: str) -> float:
        """Wait until a request to ``path`` may start; 0 for paths outside every bucket."""
        limiter = self._limiter(path)
        if limiter is None:
            return 0.0
        return await limiter.acquire()

    async def begin(self, path: str) -> Slot | None:
        """Like :meth:`acquire`, but the slot is held until the caller calls :meth:`Slot.finish`
        (None for paths outside every bucket)."""
        limiter = self._limiter(path)
        if limiter is None:
            return None
        _, slot = await limiter.take()
        return slot
