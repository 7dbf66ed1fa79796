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


class SlidingWindowLimiter:
    """Admits at most ``quota.requests`` starts per sliding ``quota.period``; waiters queue in order."""

    def __init__(self, quota: Quota, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.quota = quota
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> float:
        """Wait for a free slot and take it; returns how long the caller waited (seconds)."""
        waited = 0.0
        async with self._lock:  # held while sleeping: later callers queue behind, in order
            while True:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self.quota.period:
                    self._starts.popleft()
                if len(self._starts) < self.quota.requests:
                    self._starts.append(now)
                    return waited
                delay = self._starts[0] + self.quota.period - now
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

    async def acquire(self, path: str) -> float:
        """Wait until a request to ``path`` may start; 0 for paths outside every bucket."""
        bucket = bucket_for(path)
        if bucket is None or bucket not in self._quotas:
            return 0.0
        limiter = self._limiters.get(bucket)
        if limiter is None:
            limiter = SlidingWindowLimiter(self._quotas[bucket], clock=self._clock, sleep=self._sleep)
            self._limiters[bucket] = limiter
        return await limiter.acquire()
