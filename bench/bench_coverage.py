"""Benchmark: coverage of the emulator's ``big`` tenant (100,000 users, 2,000 nested groups).

Runs the emulator in a separate process (so its CPU and memory are not counted), reads the tenant
the way ``mfaguard coverage`` does (policy, users, paced registration report, nested group members
through ``$batch``), judges it, and prints:

- Graph requests: HTTP round trips and inner requests (each ``$batch`` entry counts) against the
  lower bound = pages needed at the maximum page size (999): users + registration rows + the
  transitive members of every group the policy names;
- 429s received (from the emulator's request log);
- wall time of the read against the throttle-imposed lower bound (report pages at 5 per 10 s);
- peak memory of this process (ru_maxrss; target < 500 MB);
- CPU time of the evaluation (levels of every user + MFA-016..018; target < 5 s).

Usage: ``python bench/bench_coverage.py [--no-throttling] [--json]`` (from the repository root).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

PAGE = 999
REPORT_QUOTA = (5, 10.0)  # requests per window (s): the reports throttle


def start_emulator(throttling: bool, cert_dir: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """``mfaguard emulator --scenario big`` in its own process; returns it and its ``export`` lines."""
    args = [sys.executable, "-m", "mfaguard", "emulator", "--scenario", "big", "--cert-dir", str(cert_dir)]
    if not throttling:
        args.append("--no-throttling")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    exports: dict[str, str] = {}
    ready = threading.Event()

    def read_stdout() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            match = re.match(r"export (\w+)=(.*)$", line.strip())
            if match:
                exports[match.group(1)] = match.group(2).strip("'")

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "Ctrl-C" in line:
                ready.set()

    threading.Thread(target=read_stdout, daemon=True).start()
    threading.Thread(target=read_stderr, daemon=True).start()
    if not ready.wait(120):
        proc.kill()
        raise SystemExit("the emulator did not start within 120 s")
    time.sleep(0.2)  # the export lines are printed just before the ready line
    return proc, exports


async def read_tenant() -> tuple[Any, int, float]:
    from mfaguard.cli._graphopts import GraphOptions
    from mfaguard.graph.connect import open_tenant
    from mfaguard.read.tenant import read_tenant as read

    # The CLI reads these variables through its options; here they are passed explicitly.
    connection = GraphOptions(
        graph_endpoint=os.environ["MFAGUARD_GRAPH_ENDPOINT"],
        authority_host=os.environ.get("MFAGUARD_AUTHORITY_HOST"),
        ca_bundle=os.environ.get("MFAGUARD_CA_BUNDLE"),
    ).connection()
    async with open_tenant(connection, os.environ.get("AZURE_TENANT_ID")) as (client, tenant):
        started = time.perf_counter()
        snapshot = await read(client, tenant, now=datetime.now(UTC), directory=True)
        sent = client.requests_sent
    return snapshot, sent, time.perf_counter() - started


def emulator_log(endpoint: str, ca: str, tenant: str) -> list[dict[str, Any]]:
    import httpx

    response = httpx.get(f"{endpoint}/_emulator/requests", params={"tenant": tenant}, verify=ca, timeout=60)
    response.raise_for_status()
    return list(response.json()["value"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-throttling", action="store_true", help="turn the report throttle off")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        proc, exports = start_emulator(not options.no_throttling, Path(tmp))
        try:
            os.environ.update(exports)
            snapshot, round_trips, wall = asyncio.run(read_tenant())
            log = emulator_log(
                exports["MFAGUARD_GRAPH_ENDPOINT"], exports["MFAGUARD_CA_BUNDLE"], exports["AZURE_TENANT_ID"]
            )
        finally:
            proc.terminate()
            proc.wait(10)

    from mfaguard.audit.coverage import judge_coverage
    from mfaguard.coverage.resolve import Membership
    from mfaguard.model.settings import AuditSettings

    directory = snapshot.directory
    cpu_started = time.process_time()
    report, findings = judge_coverage(snapshot, AuditSettings(), now=datetime.now(UTC))
    cpu = time.process_time() - cpu_started

    membership = Membership(directory.groups)
    from mfaguard.coverage.lockout import policy_group_ids

    named = sorted(policy_group_ids(snapshot.policy))
    group_pages = sum(math.ceil(len(membership.members(g)) / PAGE) or 1 for g in named)
    user_pages = math.ceil(len(directory.users) / PAGE)
    report_pages = math.ceil(len(directory.registration) / PAGE)
    lower_requests = 1 + user_pages + report_pages + group_pages  # +1: the policy itself
    graph_log = [e for e in log if not str(e.get("path", "")).startswith("/_emulator")]
    inner = [e for e in graph_log if not str(e.get("path", "")).endswith("$batch")]
    throttled = sum(1 for e in graph_log if e.get("status") == 429)
    per, window = REPORT_QUOTA
    wall_floor = ((report_pages - 1) // per) * window if not options.no_throttling else 0.0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "users": len(directory.users),
        "registration_rows": len(directory.registration),
        "groups_read": len(directory.groups),
        "policy_groups": len(named),
        "http_requests": round_trips,
        "inner_requests": len(inner),
        "lower_bound_requests": lower_requests,
        "http_requests_ratio": round(round_trips / lower_requests, 2),
        "inner_requests_ratio": round(len(inner) / lower_requests, 2),
        "responses_429": throttled,
        "wall_s": round(wall, 1),
        "wall_lower_bound_s": wall_floor,
        "wall_ratio": round(wall / wall_floor, 3) if wall_floor else None,
        "peak_rss_mb": round(peak_mb, 1),
        "evaluation_cpu_s": round(cpu, 2),
        "levels": report.level_counts(),
        "findings": {f.control_id: f.status.value for f in findings.findings},
        "throttling": not options.no_throttling,
    }
    if options.json:
        print(json.dumps(figures))
        return
    print(
        f"big tenant: {figures['users']:,} users, {figures['groups_read']:,} groups read "
        f"({figures['policy_groups']} named by the policy), {figures['registration_rows']:,} report rows"
    )
    print(
        f"Graph requests: {round_trips} HTTP round trips, {len(inner)} inner requests; lower bound {lower_requests} "
        f"(ratios {figures['http_requests_ratio']} / {figures['inner_requests_ratio']})"
    )
    print(f"429s received: {throttled}")
    print(
        f"wall time: {wall:.1f} s; throttle-imposed lower bound {wall_floor:.0f} s "
        f"(ratio {figures['wall_ratio']})"
    )
    print(f"peak memory: {peak_mb:.0f} MB (target < 500)")
    print(f"evaluation CPU: {cpu:.2f} s (target < 5)")
    print(f"levels: {figures['levels']}")


if __name__ == "__main__":
    main()
