"""The watcher in-process: fast schedule, no overlap, one watcher per store, missed runs made up once."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mfaguard.fleet.schedule import Schedule
from mfaguard.fleet.watch import LOCK_NAME, WATCH_TRIGGER, Watcher, WatchLocked
from tests.fleet.helpers import make_fleet


def _watcher(store: Any, every: float, **kwargs: Any) -> tuple[Watcher, list[Any], dict[str, int]]:
    fleet = make_fleet(("compliant", "weak"), per_scenario=2)
    active = {"now": 0, "max": 0}

    def progress(event: str, tenant: Any, outcome: Any) -> None:
        active["now"] += 1 if event == "start" else -1
        active["max"] = max(active["max"], active["now"])

    runs: list[Any] = []
    runner = fleet.runner(store, concurrency=2, progress=progress)
    watcher = Watcher(runner, store, Schedule(every=timedelta(seconds=every)), on_run=runs.append, **kwargs)
    return watcher, runs, active


def test_runs_on_a_fast_schedule_without_overlap(fleet_store: Any) -> None:
    watcher, runs, _ = _watcher(fleet_store, 0.2)
    count = asyncio.run(watcher.run(asyncio.Event(), max_runs=3))
    assert count == 3 and len(runs) == 3
    assert all(o.counts()["ok"] == 4 for o in runs)
    # Runs never overlap: each started after the previous one had finished.
    for before, after in itertools.pairwise(runs):
        assert after.started_at >= before.started_at + timedelta(seconds=before.seconds)
    assert watcher.runner.peak_active <= 2
    assert len(fleet_store.list_runs(kind="audit", limit=None)) == 12
    assert fleet_store.get_lock(LOCK_NAME) is None  # released


def test_a_second_watcher_on_the_same_store_refuses(fleet_store: Any) -> None:
    first, _, _ = _watcher(fleet_store, 60)
    second, _, _ = _watcher(fleet_store, 60)

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(first.run(stop))
        await asyncio.sleep(0.3)
        with pytest.raises(WatchLocked, match="already running"):
            second.acquire()
        stop.set()
        await task

    asyncio.run(scenario())
    second.acquire()  # free again once the first stopped


def test_an_abandoned_lock_is_taken_over_after_its_lease(fleet_store: Any) -> None:
    now = datetime.now(UTC)
    assert fleet_store.acquire_lock(
        LOCK_NAME, "crashed:1:x", ttl=timedelta(seconds=30), now=now - timedelta(minutes=5)
    )
    watcher, _, _ = _watcher(fleet_store, 60)
    watcher.acquire()
    lock = fleet_store.get_lock(LOCK_NAME)
    assert lock is not None and lock.holder == watcher.holder


def test_missed_runs_are_made_up_once(fleet_store: Any) -> None:
    # The last scheduled run was five hours ago with an hourly schedule: one run now, not five.
    old = datetime.now(UTC) - timedelta(hours=5)
    fleet_store.finish_run(
        fleet_store.record_run("t0", "audit", started_at=old, trigger=WATCH_TRIGGER), status="ok"
    )
    watcher, runs, _ = _watcher(fleet_store, 3600)

    async def scenario() -> int:
        stop = asyncio.Event()
        task = asyncio.create_task(watcher.run(stop))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if runs:
                break
        await asyncio.sleep(0.3)  # would be enough for a burst of catch-up runs
        stop.set()
        return await task

    assert asyncio.run(scenario()) == 1


def test_stop_during_a_run_finishes_tenants_in_flight(fleet_store: Any) -> None:
    watcher, runs, _ = _watcher(fleet_store, 60)
    stop = asyncio.Event()
    original = watcher.runner.progress

    def progress(event: str, tenant: Any, outcome: Any) -> None:
        assert original is not None
        original(event, tenant, outcome)
        if event == "start":
            stop.set()  # SIGTERM arrives while the first tenants are being audited

    watcher.runner.progress = progress
    assert asyncio.run(watcher.run(stop)) == 1
    statuses = [t.status for t in runs[0].tenants]
    assert statuses[0] == "ok" and set(statuses[1:]) == {"skipped"}
    assert runs[0].stopped
