"""Fleet audit of 200 emulated tenants with 50 ms latency per Graph request (issue 7).

The emulator runs in a child process (HTTPS, its own CA, 200 tenants of mixed scenarios, 50 ms added
to every Graph request). Three figures:

1. **fleet**: ``mfaguard fleet audit --format json`` over the 200 tenants of a fleet file, each with
   its own client-secret credential through azure-identity, results stored in a fresh SQLite
   history store — wall time (process start to exit) and the process's peak RSS;
2. **sequential**: ``mfaguard audit`` once per tenant, one after another (how single-tenant tools are
   run over a fleet). A sample of tenants is run and the mean extrapolated to 200 (printed as such);
3. **lower bound**: Graph requests per tenant × latency ÷ concurrency (requests counted from the
   emulator's request log during the fleet run).

Over HTTPS the single-process Python emulator (TLS, HTTP/1.1, on the same 2 cores) serves only
~100 requests/s under this load, far below what 32 × 20 requests/s needs, so the bound is also
measured **in-process**: the same runner and store, the emulator behind ``httpx.ASGITransport``
(no TLS, no second process), still 50 ms per Graph request — that isolates what the runner itself
adds to the bound (the emulator's CPU shares the runner's thread there) — and over **plain-HTTP
loopback**: the runner and store in this process, the emulator in one or two other processes (each
serving a share of the tenants), bearer tokens, 50 ms per request: real sockets and httpcore's
pool, without TLS or the emulator's CPU in the runner's process.

    python bench/bench_fleet.py [TENANTS] [SEQUENTIAL_SAMPLE] [CONCURRENCY]
    python bench/bench_fleet.py --local     # only the in-process and loopback figures (200 tenants)

Targets: fleet ≥ 20× faster than sequential; within 1.5× of the lower bound.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
LATENCY_MS = 50.0
SCENARIOS = ("compliant", "weak", "fresh-tenant", "legacy-2022")


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MFAGUARD_", "AZURE_"))}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env["NO_COLOR"] = "1"
    return env


def serve(per_scenario: int, plain: bool = False) -> None:
    """Child: serve the emulator, print its details as one JSON line, serve until stdin closes.

    ``plain``: HTTP without TLS, and a bearer token per tenant in the details (the loopback figure).
    """
    from mfaguard.emulator import Knobs, running_emulator

    knobs = Knobs(latency_ms=LATENCY_MS, report_throttling=False)
    with running_emulator(
        scenarios=list(SCENARIOS), tenants=per_scenario, knobs=knobs, tls=not plain
    ) as served:
        emu = served.emulator
        info = {
            "env": served.env(),
            "tenants": [
                {"id": t.id, "scenario": t.scenario, **({"token": emu.issue_token(t.id)} if plain else {})}
                for t in emu.tenants.values()
            ],
            "base_url": served.base_url,
            "graph_endpoint": served.graph_endpoint,
        }
        print(json.dumps(info), flush=True)
        sys.stdin.read()


def write_fleet(path: Path, info: dict[str, Any], count: int, store: Path) -> None:
    env = info["env"]
    lines = [
        f"store: sqlite:///{store}",
        "defaults:",
        f"  graph_endpoint: {env['MFAGUARD_GRAPH_ENDPOINT']}",
        f"  authority_host: {env['MFAGUARD_AUTHORITY_HOST']}",
        f"  ca_bundle: {env['MFAGUARD_CA_BUNDLE']}",
        f"  credential: {{type: client_secret, client_id: {env['AZURE_CLIENT_ID']}, secret_env: BENCH_SECRET}}",
        "tenants:",
    ]
    for index, tenant in enumerate(info["tenants"][:count]):
        lines += [f"  - name: t{index:03d}-{tenant['scenario']}", f"    tenant_id: {tenant['id']}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def in_process(count: int, concurrency: int) -> None:
    """The runner against the in-process emulator (50 ms per Graph request), with a SQLite store."""
    import resource
    import tempfile

    import httpx

    sys.path.insert(0, str(SRC))
    from mfaguard.emulator import Emulator, Knobs
    from mfaguard.fleet.runner import FleetRunner, run_fleet
    from mfaguard.fleet.steps import STEPS
    from mfaguard.fleet.model import FleetTenant
    from mfaguard.graph.auth import CredentialKind, CredentialOptions
    from mfaguard.graph.connect import GraphConnection
    from mfaguard.store import open_store

    per_scenario = -(-count // len(SCENARIOS))
    emu = Emulator(list(SCENARIOS), tenants=per_scenario, knobs=Knobs(latency_ms=LATENCY_MS))
    env: dict[str, str] = {}
    tenants = []
    for index, tid in enumerate(emu.tenant_ids[:count]):
        env[f"BENCH_TOKEN_{index}"] = emu.issue_token(tid)
        credential = CredentialOptions(kind=CredentialKind.TOKEN, token_env=f"BENCH_TOKEN_{index}")
        connection = GraphConnection.create(credential, graph_endpoint="https://graph.emulator.test")
        tenants.append(FleetTenant(name=f"t{index:03d}", tenant_id=tid, connection=connection))
    with tempfile.TemporaryDirectory() as tmp, open_store(f"sqlite:///{tmp}/history.db") as store:
        runner = FleetRunner(
            tenants,
            steps=STEPS,
            store=store,
            env=env,
            concurrency=concurrency,
            client_kwargs={"transport": httpx.ASGITransport(app=emu.asgi_app)},
        )
        cpu0 = time.process_time()
        outcome = run_fleet(runner)
        cpu = time.process_time() - cpu0
    requests = sum(1 for e in emu.requests() if e["version"] in ("v1.0", "beta"))
    lower = requests / count * LATENCY_MS / 1000 * count / concurrency
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  in-process (ASGI, no TLS), same runner and store: {outcome.seconds:.2f} s for "
        f"{outcome.counts()['ok']}/{count} tenants, {requests} Graph requests, bound {lower:.2f} s "
        f"→ {outcome.seconds / lower:.2f}× the bound; CPU {cpu:.2f} s (runner, store thread and the "
        f"in-process emulator together); peak RSS {peak:.0f} MiB; load average {os.getloadavg()[0]:.1f}"
    )


def loopback(count: int, concurrency: int, processes: int) -> None:
    """The runner and a SQLite store in this process; the emulator in ``processes`` other processes
    (each serving a share of the tenants) over plain-HTTP loopback, 50 ms per Graph request, bearer
    tokens. Measures what the runner and the store add to the bound without the emulator's CPU or
    TLS on the runner's core (the machine has 2 cores, so the emulators still compete for them).
    """
    import resource

    sys.path.insert(0, str(SRC))
    from mfaguard.fleet.runner import FleetRunner, run_fleet
    from mfaguard.fleet.steps import STEPS
    from mfaguard.fleet.model import FleetTenant
    from mfaguard.graph.auth import CredentialKind, CredentialOptions
    from mfaguard.graph.connect import GraphConnection
    from mfaguard.store import open_store

    per_scenario = -(-count // (len(SCENARIOS) * processes))
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--serve", str(per_scenario), "plain"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=child_env(),
            text=True,
        )
        for _ in range(processes)
    ]
    try:
        infos = [json.loads(child.stdout.readline()) for child in children if child.stdout]
        env: dict[str, str] = {}
        tenants = []
        for info in infos:
            for tenant in info["tenants"]:
                index = len(tenants)
                if index >= count:
                    break
                env[f"BENCH_TOKEN_{index}"] = tenant["token"]
                credential = CredentialOptions(kind=CredentialKind.TOKEN, token_env=f"BENCH_TOKEN_{index}")
                connection = GraphConnection.create(credential, graph_endpoint=info["graph_endpoint"])
                tenants.append(
                    FleetTenant(name=f"t{index:03d}", tenant_id=tenant["id"], connection=connection)
                )
        for info in infos:
            clear_requests(info["base_url"], True)
        with tempfile.TemporaryDirectory() as tmp, open_store(f"sqlite:///{tmp}/history.db") as store:
            runner = FleetRunner(tenants, steps=STEPS, store=store, env=env, concurrency=concurrency)
            cpu0 = time.process_time()
            outcome = run_fleet(runner)
            cpu = time.process_time() - cpu0
        requests = sum(graph_requests(info["base_url"], True) for info in infos)
    finally:
        for child in children:
            assert child.stdin is not None
            child.stdin.close()
        for child in children:
            child.wait(timeout=60)
    lower = requests / len(tenants) * LATENCY_MS / 1000 * len(tenants) / concurrency
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  loopback (runner + store here, {processes} plain-HTTP emulator processes, bearer tokens): "
        f"{outcome.seconds:.2f} s for {outcome.counts()['ok']}/{len(tenants)} tenants, {requests} Graph "
        f"requests, bound {lower:.2f} s → {outcome.seconds / lower:.2f}× the bound; runner process CPU "
        f"{cpu:.2f} s; peak RSS {peak:.0f} MiB; load average {os.getloadavg()[0]:.1f}"
    )


def graph_requests(base_url: str, ca: str | bool) -> int:
    with httpx.Client(verify=ca) as client:
        log = client.get(f"{base_url}/_emulator/requests").json()
    entries = log if isinstance(log, list) else log.get("requests", log.get("value", []))
    return sum(1 for e in entries if e.get("version") in ("v1.0", "beta"))


def clear_requests(base_url: str, ca: str | bool) -> None:
    with httpx.Client(verify=ca) as client:
        client.delete(f"{base_url}/_emulator/requests")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str], int]:
    """Run ``cmd``; wall seconds, the result, and the child's peak RSS in KiB."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, result, max(peak, before)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    sample = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    concurrency = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    per_scenario = -(-count // len(SCENARIOS))
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(per_scenario)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=child_env(),
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        ca, base_url = info["env"]["MFAGUARD_CA_BUNDLE"], info["base_url"]
        env = child_env()
        env["BENCH_SECRET"] = info["env"]["AZURE_CLIENT_SECRET"]
        with tempfile.TemporaryDirectory(prefix="mfaguard-bench-fleet-") as tmp:
            fleet_file = Path(tmp) / "mfaguard.yaml"
            write_fleet(fleet_file, info, count, Path(tmp) / "history.db")
            clear_requests(base_url, ca)
            cmd = [sys.executable, "-m", "mfaguard", "fleet", "audit", "--config", str(fleet_file)]
            wall, result, peak_kib = timed([*cmd, "--format", "json", "--concurrency", str(concurrency)], env)
            if result.returncode not in (0, 1):
                print(result.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"fleet audit exited {result.returncode}")
            doc = json.loads(result.stdout)
            ok = doc["counts"]["ok"]
            requests = graph_requests(base_url, ca)
        per_tenant = requests / count
        lower = per_tenant * LATENCY_MS / 1000 * count / concurrency
        # Sequential: `mfaguard audit` per tenant, as single-tenant tools are run.
        seq_times: list[float] = []
        seq_env = {**env, **info["env"]}
        for tenant in info["tenants"][:sample]:
            seq_env["AZURE_TENANT_ID"] = tenant["id"]
            t, res, _ = timed([sys.executable, "-m", "mfaguard", "audit", "--format", "json"], seq_env)
            if res.returncode not in (0, 1):
                print(res.stderr[-2000:], file=sys.stderr)
                raise SystemExit(f"audit exited {res.returncode}")
            seq_times.append(t)
        mean_seq = sum(seq_times) / len(seq_times)
        sequential = mean_seq * count
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=60)
    print(
        f"fleet audit: {count} tenants ({', '.join(SCENARIOS)}), {LATENCY_MS:g} ms per Graph request, "
        f"concurrency {concurrency}, HTTPS emulator in another process, client-secret credentials"
    )
    print(
        f"  fleet (`mfaguard fleet audit`, process start to exit): {wall:.2f} s wall, {ok}/{count} tenants ok, "
        f"peak RSS {peak_kib / 1024:.0f} MiB"
    )
    print(f"  Graph requests: {requests} ({per_tenant:.2f} per tenant)")
    print(
        f"  lower bound (requests/tenant × latency ÷ concurrency × tenants): {lower:.2f} s "
        f"→ fleet is {wall / lower:.2f}× the bound (target ≤ 1.5×)"
    )
    in_process(count, concurrency)
    for processes in (1, 2):
        loopback(count, concurrency, processes)
    print(
        f"  sequential `mfaguard audit` per tenant: mean {mean_seq:.3f} s over a sample of {sample} runs, "
        f"extrapolated to {count} tenants: {sequential:.1f} s → fleet is {sequential / wall:.1f}× faster "
        "(target ≥ 20×)"
    )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), plain=sys.argv[3:] == ["plain"])
    elif len(sys.argv) > 1 and sys.argv[1] == "--local":
        # Only the two figures that need no TLS emulator: in-process and loopback.
        in_process(200, 32)
        for processes in (1, 2):
            loopback(200, 32, processes)
    else:
        main()
