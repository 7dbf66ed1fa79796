"""Benchmark: plan + apply + verify of `recommended` on the emulator's `weak` scenario, 50 ms latency.

Prints the Graph requests by kind (from the emulator's request log) and the wall time of each step.
Target (issue 4): one GET per object read, one PATCH per object changed, plus verification reads.
The lock-out guard's directory read (users, registration report, group members) is counted apart.

    PYTHONPATH=src /work/venv/bin/python bench/bench_apply.py [--latency-ms 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any


def _kind(entry: dict[str, Any]) -> str:
    path = str(entry.get("path", ""))
    if "/oauth2/" in path or "openid-configuration" in path:
        return "token"
    if "/authenticationMethodsPolicy" in path:
        return f"{entry['method']} policy"
    return f"{entry['method']} directory"


async def _one(latency_ms: float) -> dict[str, Any]:
    from mfaguard.emulator import Emulator, running_emulator
    from mfaguard.enforce.apply import Writer
    from mfaguard.enforce.baseline import load_baseline
    from mfaguard.enforce.live import directory_reader
    from mfaguard.enforce.plan import PlanSettings
    from mfaguard.enforce.session import make_plan, run_lockout_guard
    from mfaguard.graph.auth import StaticTokenProvider
    from mfaguard.graph.client import GraphClient
    from mfaguard.store import open_store

    loaded = load_baseline("recommended")
    settings = PlanSettings()
    emulator = Emulator("weak")
    with running_emulator(emulator) as server, tempfile.TemporaryDirectory() as tmp:
        tenant = emulator.default_tenant
        token = emulator.issue_token(
            tenant.id,
            roles=[
                "Policy.ReadWrite.AuthenticationMethod",
                "Policy.Read.All",
                "GroupMember.Read.All",
                "User.Read.All",
                "AuditLog.Read.All",
            ],
        )
        emulator.set_latency(latency_ms)
        store = open_store(f"sqlite:///{Path(tmp) / 'history.db'}")
        async with GraphClient(
            server.graph_endpoint, StaticTokenProvider(token), verify=str(server.ca_path)
        ) as graph:
            emulator.clear_requests()
            t0 = time.perf_counter()
            planned = await make_plan(graph, loaded, settings)
            t1 = time.perf_counter()
            plan_requests = Counter(_kind(e) for e in emulator.requests())
            emulator.clear_requests()
            verdict = await run_lockout_guard(
                directory_reader(graph), planned.policy_body, planned.plan, settings
            )
            t2 = time.perf_counter()
            guard_requests = Counter(_kind(e) for e in emulator.requests())
            emulator.clear_requests()
            writer = Writer(graph, store, tenant.id, settings)
            outcome = await writer.apply(planned.plan, loaded.baseline, baseline_name=loaded.name)
            t3 = time.perf_counter()
            apply_requests = Counter(_kind(e) for e in emulator.requests())
        store.close()
    assert outcome.verified, outcome.message
    return {
        "objects": len(planned.plan.objects),
        "changes": len(planned.plan.changes),
        "plan_s": t1 - t0,
        "guard_s": t2 - t1,
        "apply_s": t3 - t2,
        "total_s": (t1 - t0) + (t3 - t2),
        "plan_requests": dict(plan_requests),
        "guard_requests": dict(guard_requests),
        "apply_requests": dict(apply_requests),
        "guard_checked": verdict.checked,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = [asyncio.run(_one(args.latency_ms)) for _ in range(args.runs)]
    first = results[0]
    print(
        f"plan + apply + verify of `recommended` on `weak`, {args.latency_ms:g} ms latency, {args.runs} runs"
    )
    print(f"objects changed: {first['objects']}, field changes: {first['changes']}")
    print(f"plan requests:   {first['plan_requests']}")
    print(
        f"apply requests:  {first['apply_requests']}  (preflight GET + GET before each PATCH + PATCHes + verify GETs)"
    )
    print(
        f"guard requests:  {first['guard_requests']}  (lock-out guard directory read; checked={first['guard_checked']})"
    )
    for key in ("plan_s", "apply_s", "total_s", "guard_s"):
        values = [r[key] for r in results]
        print(
            f"{key:<8} median {statistics.median(values):.3f} s  (min {min(values):.3f}, max {max(values):.3f})"
        )


if __name__ == "__main__":
    main()
