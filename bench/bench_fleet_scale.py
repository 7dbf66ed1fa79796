"""Fleet CPU per tenant and scale-out (issue 15 item 2, and item 4's ``--shard``): whole processes, CLI only.

``mfaguard emulator`` serves the tenants in its own process (HTTPS, its own CA, scenarios ``compliant``,
``weak``, ``fresh-tenant``, ``legacy-2022`` in turn, ``--latency-ms 50`` on every Graph request); every
tenant signs in with the emulator's client secret through azure-identity, as a real fleet does.

**Fleet vs sequential** (``--tenants 50``, ``--rounds R`` interleaved rounds; medians):

- ``mfaguard fleet audit --config FILE --format json`` over N tenants, fresh SQLite store each run:
  wall, the process's CPU (user + system) and peak RSS, CPU per tenant, and the marginal CPU per
  tenant ``(CPU(N) − CPU(1)) / (N − 1)`` (the fixed start-up cost taken out with a 1-tenant fleet run);
- its peer: ``mfaguard audit --format json`` once per tenant, one after another (how a single-tenant
  tool is run over a fleet) — total wall and CPU; the speed-up fleet vs sequential (target ≥ 20×);
- the lower bound: round trips per tenant × latency × ⌈N / concurrency⌉ (round trips counted in the
  emulator's request log), and the emulator's own CPU (it shares the 2 cores).

**Large fleets** (``--large 1000,2000,10000``; one run each, ``--timeout`` seconds at most): the same
fleet audit over N tenants (target: 10,000 in < 3 minutes on 2 cores). A run that times out reports
how many tenants it had read (tenants whose policy GET the emulator answered) at the end; with two or
more finished sizes, the unfinished ones are extrapolated (linear in N), clearly marked.

**Shards** (``--shards K``, default 2): K ``fleet audit --shard i/K`` workers at once over one fleet file
and one store; each tenant must be audited exactly once. A build without ``--shard`` prints
"not supported by this build".

    python bench/bench_fleet_scale.py                          # 50 tenants, 3 rounds, this checkout
    python bench/bench_fleet_scale.py --python /work/wt/perf-before/.venv/bin/python \\
        --emulator-python /work/main/.venv/bin/python --large 1000,2000,10000 --timeout 900
    python bench/bench_fleet_scale.py --profile /tmp/prof      # + one cProfile'd 50-tenant fleet run
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cli import (
    Build,
    Emulator,
    Result,
    add_build_args,
    dump_json,
    graph_rows,
    machine,
    median,
    run,
)

SCENARIOS = ("compliant", "weak", "fresh-tenant", "legacy-2022")
PER_SCENARIO_MAX = 5000  # `mfaguard emulator --tenants` allows 1..5000 per scenario
TARGETS = {"speedup": 20.0, "cpu_per_tenant_ms": 10.0, "large_s": 180.0}
LARGE_TARGET_N = 10_000


def fleet_file(path: Path, emu: Emulator, tenants: list[dict[str, Any]], store: str) -> None:
    """The fleet file (DESIGN §7 keys): one client-secret credential per tenant, by environment variable."""
    ex = emu.exports
    lines = [
        f"store: {store}",
        "defaults:",
        f"  graph_endpoint: {ex['MFAGUARD_GRAPH_ENDPOINT']}",
        f"  authority_host: {ex['MFAGUARD_AUTHORITY_HOST']}",
        f"  ca_bundle: {ex['MFAGUARD_CA_BUNDLE']}",
        f"  credential: {{type: client_secret, client_id: {ex['AZURE_CLIENT_ID']}, secret_env: BENCH_SECRET}}",
        "tenants:",
    ]
    for index, tenant in enumerate(tenants):
        lines += [f"  - name: t{index:05d}-{tenant['scenario']}", f"    tenant_id: {tenant['id']}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class FleetRun:
    """One ``fleet audit`` process over a fleet file, with the emulator's CPU and log around it."""

    def __init__(self, build: Build, emu: Emulator, tmp: Path, options: argparse.Namespace) -> None:
        self.build, self.emu, self.tmp = build, emu, tmp
        self.concurrency = options.concurrency
        self.latency_s = options.latency_ms / 1000
        store_url = options.store
        self.store_url = store_url
        self.env = build.env(BENCH_SECRET=emu.exports["AZURE_CLIENT_SECRET"])
        self.count = 0

    def prepare(self, tenants: list[dict[str, Any]], tag: str) -> Path:
        self.count += 1
        store = self.store_url or f"sqlite:///{self.tmp / f'history-{tag}-{self.count}.db'}"
        path = self.tmp / f"fleet-{tag}-{self.count}.yaml"
        fleet_file(path, self.emu, tenants, store)
        return path

    def argv(self, path: Path, *extra: str) -> list[str]:
        return self.build.cli(
            "fleet",
            "audit",
            "--config",
            str(path),
            "--format",
            "json",
            "--concurrency",
            str(self.concurrency),
            *extra,
        )

    def once(
        self, tenants: list[dict[str, Any]], tag: str, *, timeout: float | None = None, progress: bool = False
    ) -> dict[str, Any]:
        path = self.prepare(tenants, tag)
        out = self.tmp / f"out-{tag}-{self.count}.json"
        self.emu.clear_requests()
        emu_cpu = self.emu.cpu()
        stop = threading.Event()
        curve: list[tuple[float, int]] = []
        if progress:
            threading.Thread(target=self._watch, args=(stop, curve), daemon=True).start()
        result = run(self.argv(path), self.env, timeout=timeout, stdout_path=out, ok=(0, 1, 3))
        stop.set()
        emu_cpu = self.emu.cpu() - emu_cpu
        figures = self._figures(result, tenants, out)
        figures.update(emulator_cpu_s=emu_cpu, progress=curve)
        return figures

    def _watch(self, stop: threading.Event, curve: list[tuple[float, int]]) -> None:
        """Every 30 s: how many tenants have had their policy read (a light query of the request log)."""
        start = time.perf_counter()
        while not stop.wait(30):
            try:
                curve.append((time.perf_counter() - start, self.tenants_read()))
            except Exception:
                return

    def tenants_read(self) -> int:
        rows = self.emu.control("GET", "requests", params={"path": "authenticationMethodsPolicy"})["value"]
        return len({e["tenant"] for e in rows if e.get("status") == 200 and e.get("method") == "GET"})

    def _figures(self, result: Result, tenants: list[dict[str, Any]], out: Path) -> dict[str, Any]:
        log = graph_rows(self.emu.requests())
        round_trips = sum(1 for e in log if not e.get("batch_id"))
        ok = errors = None
        if not result.timed_out:
            try:
                doc = json.loads(out.read_text(encoding="utf-8"))
                ok = sum(1 for t in doc["tenants"] if t.get("status") == "ok")
                errors = [t.get("error") for t in doc["tenants"] if t.get("status") != "ok"][:3]
            except (ValueError, KeyError):
                errors = [result.stderr[-500:]]
        read = len(
            {e["tenant"] for e in log if "authenticationMethodsPolicy" in e["path"] and e["status"] == 200}
        )
        n = len(tenants)
        return {
            "tenants": n,
            "wall_s": result.wall,
            "cpu_s": result.cpu,
            "rss_mb": result.maxrss_mb,
            "exit": result.returncode,
            "timed_out": result.timed_out,
            "ok": ok,
            "errors": errors,
            "tenants_read": read,
            "round_trips": round_trips,
            "graph_requests": len(log),
            "lower_bound_s": (round_trips / max(read, 1)) * self.latency_s * math.ceil(n / self.concurrency),
        }


def sequential(build: Build, emu: Emulator, tenants: list[dict[str, Any]]) -> dict[str, float]:
    """``mfaguard audit`` once per tenant, one after another (client secret, as the fleet)."""
    wall = cpu = 0.0
    rss = 0.0
    for tenant in tenants:
        result = run(build.cli("audit", "--format", "json"), build.env(**emu.client_env(tenant["id"])))
        wall += result.wall
        cpu += result.cpu
        rss = max(rss, result.maxrss_mb)
    return {"wall_s": wall, "cpu_s": cpu, "rss_mb": rss, "audits": len(tenants)}


def pick(emu: Emulator, count: int) -> list[dict[str, Any]]:
    """``count`` tenants, the scenarios in turn (compliant, weak, fresh-tenant, legacy-2022, ...)."""
    by_scenario: dict[str, list[dict[str, Any]]] = {}
    for tenant in emu.tenants():
        by_scenario.setdefault(tenant["scenario"], []).append(tenant)
    chosen: list[dict[str, Any]] = []
    index = 0
    while len(chosen) < count:
        for scenario in SCENARIOS:
            group = by_scenario.get(scenario, [])
            if index < len(group) and len(chosen) < count:
                chosen.append(group[index])
        index += 1
        if index > max(len(g) for g in by_scenario.values()):
            raise SystemExit(f"the emulator serves only {len(chosen)} tenants, {count} asked")
    return chosen


def shards(
    build: Build, runner: FleetRun, tenants: list[dict[str, Any]], k: int, timeout: float | None
) -> dict[str, Any] | None:
    """K ``fleet audit --shard i/K`` workers at once over one fleet file and store."""
    if not build.supports(["fleet", "audit"], "--shard"):
        print(f"  sharded ({k} workers, --shard i/{k}): not supported by this build")
        return None
    path = runner.prepare(tenants, f"shard{k}")
    runner.emu.clear_requests()
    results: list[Result] = [None] * k  # type: ignore[list-item]
    outs = [runner.tmp / f"shard-{i}-of-{k}-{runner.count}.json" for i in range(k)]

    def worker(i: int) -> None:
        results[i] = run(
            runner.argv(path, "--shard", f"{i + 1}/{k}"),
            runner.env,
            timeout=timeout,
            stdout_path=outs[i],
            ok=None,
        )

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(k)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    names: list[str] = []
    for out in outs:
        with contextlib.suppress(ValueError, KeyError):
            names += [t["name"] for t in json.loads(out.read_text(encoding="utf-8"))["tenants"]]
    expected = {f"t{i:05d}-{t['scenario']}" for i, t in enumerate(tenants)}
    exactly_once = sorted(names) == sorted(expected)
    cpu = sum(r.cpu for r in results)
    print(
        f"  sharded ({k} workers at once, one store): {wall:.2f} s wall, {cpu:.2f} s CPU in all, "
        f"exits {[r.returncode for r in results]}; every tenant exactly once: {exactly_once} "
        f"({len(names)} rows for {len(expected)} tenants)"
    )
    return {"workers": k, "wall_s": wall, "cpu_s": cpu, "exactly_once": exactly_once}


def compare(options: argparse.Namespace, build: Build, emu_build: Build) -> dict[str, Any]:
    n = options.tenants
    per = max(1, math.ceil(n / len(SCENARIOS)))
    report: dict[str, Any] = {}
    with (
        Emulator(emu_build, SCENARIOS, tenants=per, latency_ms=options.latency_ms, throttling=False) as emu,
        tempfile.TemporaryDirectory(prefix="mfaguard-bench-fleet-") as tmp,
    ):
        runner = FleetRun(build, emu, Path(tmp), options)
        tenants = pick(emu, n)
        seq_tenants = tenants[: options.sequential] if options.sequential else tenants
        runner.once(tenants[:1], "warm")  # warm the file cache and the bytecode
        fleets, ones, seqs = [], [], []
        for round_no in range(options.rounds):
            fleets.append(runner.once(tenants, f"n{n}"))
            ones.append(runner.once(tenants[:1], "n1"))
            seqs.append(sequential(build, emu, seq_tenants))
            f, s = fleets[-1], seqs[-1]
            print(
                f"  round {round_no + 1}: fleet {f['wall_s']:.2f} s wall / {f['cpu_s']:.2f} s CPU "
                f"({f['ok']}/{n} ok); 1-tenant fleet {ones[-1]['cpu_s']:.2f} s CPU; sequential "
                f"{s['wall_s']:.1f} s wall / {s['cpu_s']:.1f} s CPU over {s['audits']} audits",
                flush=True,
            )
        if options.profile:
            profile(options, build, runner, tenants)
            if options.py_spy:
                py_spy(options, runner, tenants)
        shard_figures = shards(build, runner, tenants, options.shards, None) if options.shards else None
    fleet = {key: median([f[key] for f in fleets]) for key in ("wall_s", "cpu_s", "rss_mb", "emulator_cpu_s")}
    fleet.update(
        round_trips=fleets[-1]["round_trips"],
        graph_requests=fleets[-1]["graph_requests"],
        lower_bound_s=fleets[-1]["lower_bound_s"],
        ok=fleets[-1]["ok"],
    )
    one_cpu = median([o["cpu_s"] for o in ones])
    scale = n / len(seq_tenants)
    seq = {key: median([s[key] for s in seqs]) * scale for key in ("wall_s", "cpu_s")}
    per_tenant = fleet["cpu_s"] / n
    marginal = (fleet["cpu_s"] - one_cpu) / (n - 1) if n > 1 else float("nan")
    speedup = seq["wall_s"] / fleet["wall_s"]
    extrapolated = f" (extrapolated from a sample of {len(seq_tenants)})" if scale != 1 else ""
    print(
        f"fleet audit of {n} tenants ({', '.join(SCENARIOS)} in turn), {options.latency_ms:g} ms per Graph "
        f"request, --concurrency {options.concurrency}, client-secret credentials; medians of "
        f"{options.rounds} interleaved rounds"
    )
    print(
        f"  fleet audit:      {fleet['wall_s']:7.2f} s wall  {fleet['cpu_s']:6.2f} s CPU  peak RSS "
        f"{fleet['rss_mb']:.0f} MB  ({fleet['ok']}/{n} ok; emulator CPU {fleet['emulator_cpu_s']:.2f} s)"
    )
    print(
        f"  CPU per tenant:   {per_tenant * 1000:.1f} ms (whole process / N); marginal "
        f"{marginal * 1000:.1f} ms ((CPU(N) − CPU(1)) / (N − 1), CPU(1) = {one_cpu:.2f} s); "
        f"target ≤ {TARGETS['cpu_per_tenant_ms']:g} ms: {'met' if per_tenant * 1000 <= 10 else 'NOT met'}"
    )
    print(
        f"  sequential `mfaguard audit` × {n}{extrapolated}: {seq['wall_s']:7.1f} s wall  {seq['cpu_s']:6.1f} s CPU"
        f"  → the fleet is {speedup:.1f}× faster (target ≥ {TARGETS['speedup']:g}×: "
        f"{'met' if speedup >= TARGETS['speedup'] else 'NOT met'}); CPU ratio {seq['cpu_s'] / fleet['cpu_s']:.1f}×"
    )
    print(
        f"  lower bound:      {fleet['lower_bound_s']:.2f} s ({fleet['round_trips'] / n:.1f} round trips per tenant "
        f"× {options.latency_ms:g} ms × ⌈{n}/{options.concurrency}⌉) → fleet is "
        f"{fleet['wall_s'] / fleet['lower_bound_s']:.1f}× the bound"
    )
    report.update(
        fleet=fleet,
        one_tenant_cpu_s=one_cpu,
        cpu_per_tenant_ms=per_tenant * 1000,
        marginal_cpu_per_tenant_ms=marginal * 1000,
        sequential=seq,
        speedup=speedup,
        rounds={"fleet": fleets, "one": ones, "sequential": seqs},
        shards=shard_figures,
    )
    return report


def profile(
    options: argparse.Namespace, build: Build, runner: FleetRun, tenants: list[dict[str, Any]]
) -> None:
    """One more fleet run under cProfile; the top functions by own time and by cumulative time."""
    import pstats

    out_dir = Path(options.profile)
    out_dir.mkdir(parents=True, exist_ok=True)
    prof = out_dir / f"fleet-audit-{len(tenants)}.prof"
    path = runner.prepare(tenants, "profile")
    argv = runner.argv(path)
    argv = [argv[0], "-m", "cProfile", "-o", str(prof), *argv[1:]]
    run(argv, runner.env, ok=(0, 1, 3))
    stats = pstats.Stats(str(prof))
    print(f"  cProfile of one {len(tenants)}-tenant fleet run written to {prof}; top by own time:")
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


def py_spy(options: argparse.Namespace, runner: FleetRun, tenants: list[dict[str, Any]]) -> None:
    """One more fleet run under py-spy (every thread, CPU samples only); where the samples fall."""
    out = Path(options.profile) / f"fleet-audit-{len(tenants)}.pyspy.txt"
    path = runner.prepare(tenants, "pyspy")
    argv = [options.py_spy, "record", "--format", "raw", "--full-filenames", "--rate", "500"]
    argv += ["--output", str(out), "--", *runner.argv(path)]
    run(argv, runner.env, ok=(0, 1, 3))
    print(f"  py-spy samples of one {len(tenants)}-tenant fleet run: {out}")
    summarize_stacks(out.read_text(encoding="utf-8"))


def _bucket(frame: str) -> str:
    """``function (file:line)`` → a package: ``mfaguard.<sub>``, a site-package, or ``stdlib:<module>``."""
    match = re.search(r"\((.*?):\d+\)$", frame)
    file = match.group(1) if match else frame
    if "/mfaguard/" in file:
        parts = file.split("/mfaguard/", 1)[1].split("/")
        return "mfaguard." + (parts[0] if len(parts) > 1 else parts[0].removesuffix(".py"))
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/")[0].removesuffix(".py")
    if "<frozen" in file:
        return "import machinery"
    return "stdlib:" + Path(file).stem


# Leaf functions of a thread that waits (py-spy does not always tell them from running ones here).
IDLE = frozenset(
    {
        "_worker",
        "wait",
        "Condition.wait",
        "Event.wait",
        "select",
        "EpollSelector.select",
        "_wait_for_tstate_lock",
    }
)


def summarize_stacks(collapsed: str, top: int = 20) -> dict[str, Any]:
    """Where the CPU samples are: by the package of the running frame, and by the innermost mfaguard
    function on the stack (what our code caused, libraries included)."""
    leaf: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = idle = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        if frames[-1].split(" (")[0] in IDLE:
            idle += count
            continue
        total += count
        leaf[_bucket(frames[-1])] += count
        mine = [f for f in frames if "/mfaguard/" in f]
        importing = any("<frozen importlib._bootstrap" in f for f in frames)
        ours[
            "(imports)"
            if importing
            else (re.sub(r" \(.*/mfaguard/", " (", mine[-1]) if mine else "(outside mfaguard)")
        ] += count
    print(f"    {total} samples ({idle} more of idle waits left out); by the package of the running code:")
    for name, count in leaf.most_common(top):
        print(f"      {count / total * 100:5.1f}%  {name}")
    print("    by the innermost mfaguard function on the stack (imports apart):")
    for name, count in ours.most_common(top):
        print(f"      {count / total * 100:5.1f}%  {name}")
    return {"samples": total, "by_package": dict(leaf), "by_mfaguard_function": dict(ours)}


def large(options: argparse.Namespace, build: Build, emu_build: Build) -> dict[str, Any]:
    sizes = [int(x) for x in options.large.split(",") if x]
    biggest = max(sizes)
    per = math.ceil(biggest / len(SCENARIOS))
    if per > PER_SCENARIO_MAX:
        raise SystemExit(
            f"at most {PER_SCENARIO_MAX * len(SCENARIOS)} tenants ({PER_SCENARIO_MAX} per scenario)"
        )
    figures: dict[int, dict[str, Any]] = {}
    started = time.perf_counter()
    with (
        Emulator(
            emu_build,
            SCENARIOS,
            tenants=per,
            latency_ms=options.latency_ms,
            throttling=False,
            start_timeout=1800,
        ) as emu,
        tempfile.TemporaryDirectory(prefix="mfaguard-bench-fleet-") as tmp,
    ):
        print(
            f"emulator serving {per * len(SCENARIOS)} tenants started in {time.perf_counter() - started:.0f} s"
        )
        runner = FleetRun(build, emu, Path(tmp), options)
        all_tenants = pick(emu, biggest)
        runner.once(all_tenants[:1], "warm")
        for n in sizes:
            f = runner.once(all_tenants[:n], f"large{n}", timeout=options.timeout, progress=True)
            figures[n] = f
            state = (
                f"TIMED OUT after {options.timeout:g} s with {f['tenants_read']}/{n} tenants read"
                if f["timed_out"]
                else f"{f['ok']}/{n} ok"
            )
            print(
                f"  {n:6d} tenants: {f['wall_s']:7.1f} s wall  {f['cpu_s']:7.1f} s CPU "
                f"({f['cpu_s'] / max(f['tenants_read'], 1) * 1000:.1f} ms per tenant read)  peak RSS "
                f"{f['rss_mb']:.0f} MB  emulator CPU {f['emulator_cpu_s']:.1f} s  lower bound "
                f"{f['lower_bound_s']:.1f} s  — {state}",
                flush=True,
            )
            if f["progress"]:
                print(
                    "          progress (s, tenants read): "
                    + ", ".join(f"{t:.0f}:{c}" for t, c in f["progress"])
                )
            if options.shards:
                f["shards"] = shards(build, runner, all_tenants[:n], options.shards, options.timeout)
    done = sorted(n for n, f in figures.items() if not f["timed_out"])
    for n in sizes:
        if figures[n]["timed_out"] and len(done) >= 2:
            a, b = done[-2], done[-1]
            slope = (figures[b]["wall_s"] - figures[a]["wall_s"]) / (b - a)
            estimate = figures[b]["wall_s"] + slope * (n - b)
            cpu_slope = (figures[b]["cpu_s"] - figures[a]["cpu_s"]) / (b - a)
            figures[n]["extrapolated_wall_s"] = estimate
            print(
                f"  EXTRAPOLATED {n} tenants (linear from the finished {a} and {b}): ~{estimate:.0f} s wall, "
                f"~{figures[b]['cpu_s'] + cpu_slope * (n - b):.0f} s CPU"
            )
    target_n = LARGE_TARGET_N
    if target_n in figures and not figures[target_n]["timed_out"]:
        met = figures[target_n]["wall_s"] < TARGETS["large_s"]
        print(f"  target: {target_n} tenants in < {TARGETS['large_s']:g} s: {'met' if met else 'NOT met'}")
    return {str(n): f for n, f in figures.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_build_args(parser)
    parser.add_argument(
        "--tenants", type=int, default=50, help="fleet size for fleet vs sequential (default 50)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--sequential",
        type=int,
        default=0,
        help="audit only this many tenants in sequence and extrapolate (default: all N)",
    )
    parser.add_argument("--latency-ms", type=float, default=50.0, help="added per Graph request (default 50)")
    parser.add_argument("--concurrency", type=int, default=32, help="fleet --concurrency (default 32)")
    parser.add_argument(
        "--store", help="history store URL for every run (default: a fresh SQLite file per run)"
    )
    parser.add_argument(
        "--large",
        help="comma-separated fleet sizes to run once each, e.g. 1000,2000,10000; "
        "skips the fleet-vs-sequential comparison",
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per large run (default 900)")
    parser.add_argument(
        "--shards", type=int, default=2, help="workers for the --shard run (0 = skip; default 2)"
    )
    parser.add_argument("--profile", metavar="DIR", help="also run one fleet audit under cProfile into DIR")
    parser.add_argument(
        "--py-spy", metavar="PATH", help="with --profile: also sample one run with this py-spy"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    options = parser.parse_args()
    build = Build.from_args(options.python, "under test")
    emu_build = Build.from_args(options.emulator_python or options.python, "emulator")
    build.compile()
    emu_build.compile()
    print(build.describe())
    print(emu_build.describe())
    print(f"before the run: {machine()}", flush=True)
    report = large(options, build, emu_build) if options.large else compare(options, build, emu_build)
    print(f"after the run: {machine()}")
    dump_json(options.json, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
