"""Read a large JSON Lines sign-in file with several processes (one byte range each).

Decoding JSON is most of the cost of a large file and a single Python process uses one core. Each
worker reduces its range to a small :class:`~mfaguard.detect.collect.Collector` (the same reduction as
a sequential read: triage, normalise, dedupe, baseline); the parent merges them in file order, so the
evidence — and the alerts — are exactly those of a sequential read.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from mfaguard.detect.collect import Collector
from mfaguard.detect.loaders.jsonio import _DecodeError, _loads, raise_if_too_deep
from mfaguard.detect.loaders.shapes import from_log_analytics, looks_like_la

MIN_PARALLEL_BYTES = 64 << 20
"""Smaller files are read in-process: starting workers costs more than it saves."""


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def split(size: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` byte ranges covering ``[0, size)``; lines are assigned by where they start."""
    step = max(1, size // parts)
    bounds = [min(size, i * step) for i in range(parts)] + [size]
    return [(bounds[i], bounds[i + 1]) for i in range(parts) if bounds[i] < bounds[i + 1]]


def iter_range(
    path: Path, start: int, end: int, on_skip: Any, counter: list[int]
) -> Iterator[tuple[Any, int]]:
    """``(object, line)`` for the lines *starting* in ``[start, end)`` (line numbers relative to
    the range); bad lines are reported through ``on_skip``; ``counter[0]`` ends as the line count."""
    loads = _loads
    with path.open("rb", buffering=1 << 20) as fh:
        if start > 0:
            fh.seek(start - 1)
            fh.readline()  # the line that straddles ``start`` belongs to the previous range
        pos = fh.tell()
        lineno = 0
        first = True
        la = False
        for line in fh:
            if pos >= end:
                break
            pos += len(line)
            lineno += 1
            if len(line) < 3 and not line.strip():
                continue
            try:
                obj = loads(line)
            except _DecodeError as exc:
                raise_if_too_deep(exc)
                if line.strip():
                    on_skip("not valid JSON (truncated line?)", lineno)
                continue
            if first:
                first = False
                la = isinstance(obj, dict) and looks_like_la(obj)
            if la and isinstance(obj, dict) and looks_like_la(obj):
                obj = from_log_analytics(obj)
            yield obj, lineno
    counter[0] = lineno


def _worker(path: str, start: int, end: int, lookback_s: float, source: str) -> tuple[Collector, int]:
    collector = Collector(lookback=timedelta(seconds=lookback_s))
    counter = [0]

    def skip(reason: str, line: int | None) -> None:
        collector.skip(reason, source, line)

    collector.add_signins(iter_range(Path(path), start, end, skip, counter), source=source)
    return collector, counter[0]


def load_jsonl_parallel(collector: Collector, path: Path, *, jobs: int, source: str) -> None:
    """Read ``path`` (JSON Lines sign-ins) with ``jobs`` processes and merge into ``collector``."""
    size = path.stat().st_size
    ranges = split(size, jobs)
    lookback = collector.baseline.lookback
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(ranges), mp_context=ctx) as pool:
        futures = [pool.submit(_worker, str(path), a, b, lookback, source) for a, b in ranges]
        offset = 0
        for future in futures:
            part, lines = future.result()
            collector.merge(part, line_offset=offset)
            offset += lines
