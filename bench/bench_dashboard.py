"""Dashboard benchmark: the fleet overview for 500 tenants × 18 controls × 90 days of history.

Seeds a SQLite history store with bulk inserts (one audit a day per tenant: 45,000 runs, 810,000
findings), then requests the fleet overview page (``GET /``, HTML with the whole grid) and its JSON
twin (``GET /api/fleet``) through the ASGI app in-process, logged in, and prints p50/p95 server time
over 50 requests each (target: < 300 ms). Also times one tenant's page (trend over 90 days).

Usage: python bench/bench_dashboard.py [--tenants 500] [--days 90] [--requests 50] [--store URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from sqlalchemy import insert  # noqa: E402

from mfaguard.controls import CONTROLS  # noqa: E402
from mfaguard.store import open_store  # noqa: E402
from mfaguard.store.schema import findings, runs, tenants  # noqa: E402

STATUSES = ["PASS"] * 6 + ["FAIL", "WARN", "ERROR", "NOT_APPLICABLE"]
TOKEN = "bench-token-0123456789abcdef"


def seed(store: object, n_tenants: int, days: int) -> tuple[int, int]:
    """Bulk-insert the history (the store's own writers commit per run: too slow to seed 45k runs)."""
    rng = random.Random(7)
    now = datetime(2026, 11, 28, tzinfo=UTC)
    controls = [(c.id, c.title, c.severity.value) for c in CONTROLS]
    engine = store.engine  # type: ignore[attr-defined]
    run_rows: list[dict[str, object]] = []
    finding_rows: list[dict[str, object]] = []
    with engine.begin() as conn:
        conn.execute(
            insert(tenants),
            [
                {
                    "id": t + 1,
                    "name": f"tenant-{t:04d}",
                    "tenant_id": f"{t:08d}-0000-0000-0000-000000000000",
                    "tags": [rng.choice(["gold", "silver", "bronze"])],
                    "created_at": now - timedelta(days=days),
                }
                for t in range(n_tenants)
            ],
        )
        profiles = [[rng.choice(STATUSES) for _ in controls] for _ in range(n_tenants)]
        run_id = 0
        for day in range(days):
            at = now - timedelta(days=days - day)
            for t, profile in enumerate(profiles):
                if rng.random() < 0.02:
                    profile[rng.randrange(len(controls))] = rng.choice(STATUSES)
                run_id += 1
                run_rows.append(
                    {
                        "id": run_id,
                        "tenant_pk": t + 1,
                        "kind": "audit",
                        "status": "ok",
                        "started_at": at,
                        "finished_at": at + timedelta(seconds=3),
                        "summary": {"FAIL": profile.count("FAIL")},
                        "trigger": "schedule",
                    }
                )
                finding_rows.extend(
                    {
                        "run_id": run_id,
                        "control_id": cid,
                        "title": title,
                        "status": status,
                        "severity": sev,
                        "detail": f"{cid} is {status.lower()}",
                        "evidence": {"state": status},
                    }
                    for (cid, title, sev), status in zip(controls, profile, strict=True)
                )
            if len(finding_rows) >= 100_000:
                conn.execute(insert(runs), run_rows)
                conn.execute(insert(findings), finding_rows)
                run_rows, finding_rows = [], []
        if run_rows:
            conn.execute(insert(runs), run_rows)
            conn.execute(insert(findings), finding_rows)
    return run_id, run_id * len(controls)


def timed(client: object, path: str, n: int) -> tuple[float, float, int]:
    get = client.get  # type: ignore[attr-defined]
    first = get(path)
    assert first.status_code == 200, first.text[:300]
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    samples.sort()
    return statistics.median(samples), samples[max(0, round(len(samples) * 0.95) - 1)], len(first.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=500)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--store", default=None, help="an existing, empty store URL (default: temp SQLite)")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from mfaguard.web import create_app
    from mfaguard.web.auth import AuthSettings

    tmp = tempfile.mkdtemp(prefix="mfaguard-bench-dashboard-")
    url = args.store or f"sqlite:///{Path(tmp) / 'history.db'}"
    store = open_store(url)
    t0 = time.perf_counter()
    n_runs, n_findings = seed(store, args.tenants, args.days)
    print(f"store: {store.url}")
    print(f"seeded {args.tenants} tenants, {n_runs} runs, {n_findings} findings in {time.perf_counter() - t0:.1f} s")

    app = create_app(store, auth=AuthSettings(token=TOKEN), secret_key="bench")
    client = TestClient(app, base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {TOKEN}"})
    # Pages take the session cookie, not the bearer token: log in through the form once.
    import re

    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    client.post("/login", data={"token": TOKEN, "csrf_token": csrf.group(1)})

    print(f"\nserver time over {args.requests} requests (ms)      p50      p95   bytes")
    for label, path in (
        ("GET /  [fleet overview page]", "/"),
        ("GET /api/fleet  [same, JSON]", "/api/fleet"),
        ("GET /?severity=high  [filtered]", "/?severity=high"),
        ("GET /tenants/tenant-0042  [90-day trend]", "/tenants/tenant-0042"),
    ):
        p50, p95, size = timed(client, path, args.requests)
        print(f"{label:<44} {p50:8.1f} {p95:8.1f} {size:7d}")
    store.close()
    if not args.store:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
