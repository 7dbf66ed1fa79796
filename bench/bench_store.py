"""History-store benchmark: seed a fleet's history, then time the dashboard's and the fleet's reads.

Default size is the dashboard target: 500 tenants × 18 controls × 90 days (one audit a day:
45,000 runs, 810,000 findings). Prints seed throughput, database size, and p50/p95 of:
- ``latest_status_grid()`` (the fleet grid: tenant × control → status of the newest audit),
- ``latest_findings_by_tenant()`` (the same with every finding's detail, evidence, exception),
- ``latest_runs()`` (every tenant's newest audit),
- ``findings_history(tenant=..., since=90 days)`` (one tenant's trend chart),
- ``findings_history(control_id=..., since=7 days)`` (one control across the fleet),
- ``previous_run(tenant)`` (what drift compares against).

Usage: python bench/bench_store.py [--tenants 500] [--days 90] [--runs-per-day 1] [--store URL]
(default store: a fresh SQLite file in a temporary directory).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from mfaguard.model.report import Finding, Severity, Status  # noqa: E402
from mfaguard.store import open_store  # noqa: E402

CONTROLS = [f"MFA-{i:03d}" for i in range(1, 19)]
STATUSES = [Status.PASS] * 6 + [Status.FAIL, Status.WARN, Status.ERROR, Status.NOT_APPLICABLE]


def _timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm caches once
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=500)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs-per-day", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--store", default=None)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="mfaguard-bench-store-")
    url = args.store or f"sqlite:///{Path(tmp) / 'history.db'}"
    store = open_store(url)
    rng = random.Random(7)
    now = datetime(2026, 11, 28, tzinfo=UTC)
    start = now - timedelta(days=args.days)
    step = timedelta(days=1) / args.runs_per_day
    runs = args.days * args.runs_per_day
    # Each tenant has a stable profile with occasional drift, like a real fleet.
    profiles = {f"tenant-{t:04d}": [rng.choice(STATUSES) for _ in CONTROLS] for t in range(args.tenants)}

    print(f"store: {store.url} ({store.backend})")
    print(f"seeding {args.tenants} tenants × {runs} runs × {len(CONTROLS)} findings ...", flush=True)
    t0 = time.perf_counter()
    for r in range(runs):
        at = start + step * r
        for name, profile in profiles.items():
            if rng.random() < 0.02:
                profile[rng.randrange(len(CONTROLS))] = rng.choice(STATUSES)
            findings = [
                Finding(c, f"{c} title", s, Severity.HIGH, f"{c} is {s.value.lower()}", evidence={"v": i})
                for i, (c, s) in enumerate(zip(CONTROLS, profile, strict=True))
            ]
            store.record_completed_run(
                name,
                "audit",
                started_at=at,
                finished_at=at + timedelta(seconds=2),
                findings=findings,
                summary={"FAIL": sum(s is Status.FAIL for s in profile)},
            )
    seed = time.perf_counter() - t0
    total_runs = runs * args.tenants
    print(f"seeded {total_runs} runs / {total_runs * len(CONTROLS)} findings in {seed:.1f} s "
          f"({total_runs / seed:.0f} runs/s, {total_runs * len(CONTROLS) / seed:.0f} findings/s)")
    if url.startswith("sqlite"):
        db = Path(url.removeprefix("sqlite:///"))
        size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
        print(f"database size: {size / 2**20:.0f} MiB (with WAL)")

    tenant = "tenant-0042"
    checks: list[tuple[str, Callable[[], object]]] = [
        ("latest_status_grid() [fleet grid, lean]", store.latest_status_grid),
        ("latest_findings_by_tenant() [with details]", store.latest_findings_by_tenant),
        ("latest_runs() [newest audit per tenant]", store.latest_runs),
        (f"findings_history(tenant, {args.days} d) [trend]",
         lambda: store.findings_history(tenant=tenant, since=start)),
        ("findings_history(control, 7 d) [fleet-wide]",
         lambda: store.findings_history(control_id="MFA-001", since=now - timedelta(days=7))),
        ("previous_run(tenant) [drift baseline]", lambda: store.previous_run(tenant)),
        ("latest_findings(tenant)", lambda: store.latest_findings(tenant)),
    ]
    print(f"\nreads (ms over {args.repeat} calls)       p50      p95")
    for label, fn in checks:
        p50, p95 = _timed(fn, args.repeat)
        print(f"{label:<46} {p50:8.1f} {p95:8.1f}")
    grid = store.latest_findings_by_tenant()
    print(f"\n(fleet grid: {len(grid)} tenants × {len(next(iter(grid.values())))} findings)")
    store.close()
    if not args.store:
        for p in Path(tmp).glob("*"):
            os.remove(p)
        os.rmdir(tmp)


if __name__ == "__main__":
    main()
