"""Eventual consistency: a store whose writes become visible to reads after a delay (graph.md §11.8).

Graph's policy stores answer a GET right after a write with the old object for a while; clients must
re-read with backoff before declaring a write lost. Every writable resource of the emulator keeps its
state in a :class:`ConsistentStore`.
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class ConsistentStore(Generic[T]):
    """``truth`` is what the service has stored (writes build on it); ``visible(now)`` is what a GET
    returns — the newest committed version whose visibility time has passed."""

    def __init__(self, state: T) -> None:
        self.truth = state
        self._visible = state
        self._pending: list[tuple[float, T]] = []

    def visible(self, now: float) -> T:
        while self._pending and self._pending[0][0] <= now:
            self._visible = self._pending.pop(0)[1]
        return self._visible

    def commit(self, state: T, *, now: float, delay_s: float) -> None:
        """Store a new version, visible to reads ``delay_s`` seconds from ``now`` (at once when 0)."""
        self.truth = state
        if delay_s <= 0:
            self._pending.clear()
            self._visible = state
        else:
            self._pending.append((now + delay_s, state))
