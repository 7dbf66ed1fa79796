"""One writer and many readers, several processes opening one store, racing for the watch lock."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from mfaguard.model.report import Finding, Severity, Status
from mfaguard.store import Store, open_store


def _open_and_write(url: str, name: str) -> int:
    store = open_store(url)
    try:
        run = store.record_run(name, "audit")
        store.finish_run(run, status="ok")
        return run
    finally:
        store.close()


def test_processes_opening_a_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    # The first open creates the schema; the others must wait for it, not fail or migrate twice.
    url = f"sqlite:///{tmp_path / 'history.db'}"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        runs = pool.starmap(_open_and_write, [(url, f"t{i}") for i in range(8)])
    assert sorted(runs) == list(range(1, 9))
    with open_store(url) as store:
        assert len(store.list_tenants()) == 8 and store.info().revision == "0003"


def test_readers_never_block_or_fail_while_one_writer_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.db'}"
    writer = open_store(url)
    reader = open_store(url)
    findings = [Finding(f"MFA-{i:03d}", "t", Status.PASS, Severity.LOW, "ok") for i in range(1, 19)]
    stop = threading.Event()
    errors: list[BaseException] = []
    seen: list[int] = []

    def read() -> None:
        try:
            while not stop.is_set():
                latest = reader.latest_findings_by_tenant()
                # Each run's findings are committed in one transaction: never a half-written run.
                assert all(len(f) == 18 for f in latest.values())
                seen.append(len(latest))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(60):
            run = writer.record_run(f"tenant-{i % 10}", "audit")
            writer.save_findings(run, findings)
            writer.finish_run(run, status="ok")
    finally:
        stop.set()
        for t in threads:
            t.join()
        writer.close()
        reader.close()
    assert errors == []
    assert seen and max(seen) <= 10


def test_two_writers_queue_instead_of_failing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.db'}"
    stores = [open_store(url), open_store(url)]

    def write(args: tuple[Store, int]) -> None:
        store, i = args
        for j in range(25):
            run = store.record_run(f"t{i}", "audit")
            store.finish_run(run, status="ok", summary={"j": j})

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, [(stores[i % 2], i) for i in range(4)]))
    assert len(stores[0].list_runs(limit=None)) == 100
    for store in stores:
        store.close()


def test_exactly_one_contender_gets_the_lock(store: Store) -> None:
    def contend(i: int) -> bool:
        return store.acquire_lock("watch", f"holder-{i}", ttl=timedelta(minutes=5))

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(contend, range(16)))
    assert results.count(True) == 1
    held = store.get_lock("watch")
    assert held is not None and held.holder == f"holder-{results.index(True)}"


def test_writers_creating_the_same_new_tenant_at_once_do_not_collide(store: Store) -> None:
    def record(i: int) -> int:
        return store.record_run("brand-new", "audit")

    with ThreadPoolExecutor(8) as pool:
        runs = list(pool.map(record, range(16)))
    assert len(set(runs)) == 16
    assert [t.name for t in store.list_tenants()] == ["brand-new"]
