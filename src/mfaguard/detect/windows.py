"""Window helpers: sliding (event-anchored) bursts, fixed buckets, and time groups.

Window edges are inclusive: an event exactly ``window`` after the first is inside (reference rule 9).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

T = TypeVar("T")


def sliding_bursts(
    times: Sequence[datetime], threshold: int, window: timedelta
) -> list[tuple[int, int, int]]:
    """Maximal runs of events covered by windows holding ``threshold`` or more events.

    For each event ``i`` the window is ``[t_i, t_i + window]``; qualifying windows that share events
    merge into one burst. Returns ``(first index, last index, largest window count)`` per burst.
    ``times`` must be sorted.
    """
    out: list[tuple[int, int, int]] = []
    n = len(times)
    j = 0
    for i in range(n):
        if j < i:
            j = i
        limit = times[i] + window
        while j + 1 < n and times[j + 1] <= limit:
            j += 1
        count = j - i + 1
        if count >= threshold:
            if out and i <= out[-1][1]:
                first, last, best = out[-1]
                out[-1] = (first, max(last, j), max(best, count))
            else:
                out.append((i, j, count))
    return out


def max_window_count(times: Sequence[datetime], window: timedelta) -> int:
    """The largest number of events any ``[t_i, t_i + window]`` holds (sorted input)."""
    best = 0
    j = 0
    n = len(times)
    for i in range(n):
        if j < i:
            j = i
        while j + 1 < n and times[j + 1] <= times[i] + window:
            j += 1
        best = max(best, j - i + 1)
    return best


def sliding_distinct(
    items: Sequence[T],
    ts: Callable[[T], datetime],
    key: Callable[[T], Hashable],
    threshold: int,
    window: timedelta,
) -> list[tuple[int, int, int]]:
    """Like :func:`sliding_bursts`, but a window qualifies on ``threshold`` distinct ``key`` values."""
    out: list[tuple[int, int, int]] = []
    n = len(items)
    counts: Counter[Hashable] = Counter()
    j = -1
    for i in range(n):
        limit = ts(items[i]) + window
        while j + 1 < n and ts(items[j + 1]) <= limit:
            j += 1
            counts[key(items[j])] += 1
        distinct = len(counts)
        if distinct >= threshold:
            if out and i <= out[-1][1]:
                first, last, best = out[-1]
                out[-1] = (first, max(last, j), max(best, distinct))
            else:
                out.append((i, j, distinct))
        k = key(items[i])
        counts[k] -= 1
        if counts[k] <= 0:
            del counts[k]
    return out


def bucket_start(ts: datetime, width: timedelta) -> datetime:
    """Start of the fixed (epoch-aligned) bucket holding ``ts`` (Splunk ``bin span=10m``)."""
    seconds = width.total_seconds()
    epoch = ts.timestamp()
    start = epoch - (epoch % seconds)
    return datetime.fromtimestamp(start, tz=ts.tzinfo)


def time_groups(items: Sequence[T], ts: Callable[[T], datetime], span: timedelta) -> list[list[T]]:
    """Groups that start at their first item and cover ``span`` (inclusive); sorted input."""
    groups: list[list[T]] = []
    start: datetime | None = None
    for item in items:
        t = ts(item)
        if start is None or t > start + span:
            groups.append([item])
            start = t
        else:
            groups[-1].append(item)
    return groups


def linked_clusters(items: Sequence[T], ts: Callable[[T], datetime], gap: timedelta) -> list[list[T]]:
    """Single-linkage clusters: an item within ``gap`` of the previous one joins its cluster."""
    clusters: list[list[T]] = []
    last: datetime | None = None
    for item in items:
        t = ts(item)
        if last is None or t - last > gap:
            clusters.append([item])
        else:
            clusters[-1].append(item)
        last = t
    return clusters
