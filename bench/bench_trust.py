"""Issue 12 benchmark: what the trust fixes cost and save, as a user's shell sees it.

Against the emulator (``weak``, in another process), process start to exit of ``python -m mfaguard``:

- ``audit`` (records the run in the history store; reads the directory) next to ``audit --no-store``
  and ``audit --no-store --no-directory`` (the old behaviour's work): the cost of the history write
  and of the directory read;
- ``audit --snapshot FILE`` (offline: never touches the store) — the start-up path must not move;
- ``audit`` against a Graph endpoint that refuses connections, with this checkout and, when
  ``--before DIR`` names a checkout of the previous code, with that one side by side.

Medians of wall time and of the child's CPU time (the stable figure on a shared machine).
Run from the repository root (bytecode compiled first, see HELPER-COMMON):
    python -m compileall -q src && python bench/bench_trust.py [--runs N] [--before /path/to/old/checkout]
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _emulator_proc import ROOT, emulator_process

SNAPSHOT = ROOT / "tests" / "fixtures" / "policies" / "groups-all-exist.json"


def _time_once(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mfaguard", *args], env=env, capture_output=True, check=False
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, result.returncode


def _measure(label: str, args: list[str], env: dict[str, str], runs: int) -> None:
    _time_once(args, env)  # warm the file cache (and create the store once)
    walls, cpus, codes = [], [], set()
    for _ in range(runs):
        wall, cpu, code = _time_once(args, env)
        walls.append(wall)
        cpus.append(cpu)
        codes.add(code)
    print(
        f"{label:<58} median wall {statistics.median(walls) * 1000:7.0f} ms   "
        f"CPU {statistics.median(cpus) * 1000:6.0f} ms   exit {sorted(codes)}"
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--before", type=Path, help="a checkout of the previous code (its src/ is used)")
    args = parser.parse_args()
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()}; {args.runs} runs each"
    )
    with emulator_process("weak") as served, tempfile.TemporaryDirectory() as data:
        # Back-to-back audits would meet the report quota (5 requests / 10 s per app): measure the work,
        # not Retry-After waits a single audit never sees.
        import httpx

        knobs = {"report_throttling": False}
        ca = served["MFAGUARD_CA_BUNDLE"]
        httpx.post(
            f"{served['MFAGUARD_GRAPH_ENDPOINT']}/_emulator/knobs", json=knobs, verify=ca
        ).raise_for_status()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MFAGUARD_")}
        env.update(served)
        env["XDG_DATA_HOME"] = data
        env["NO_COLOR"] = "1"
        here = {**env, "PYTHONPATH": str(ROOT / "src")}
        _measure("audit (records the run, reads the directory)", ["audit"], here, args.runs)
        _measure("audit --no-store", ["audit", "--no-store"], here, args.runs)
        _measure(
            "audit --no-store --no-directory", ["audit", "--no-store", "--no-directory"], here, args.runs
        )
        _measure("audit --snapshot FILE (offline)", ["audit", "--snapshot", str(SNAPSHOT)], here, args.runs)
        refused = f"http://127.0.0.1:{_closed_port()}"
        _measure(
            "audit, Graph endpoint refuses connections",
            ["audit"],
            {**here, "MFAGUARD_GRAPH_ENDPOINT": refused},
            3,
        )
        if args.before is not None:
            old = {**env, "PYTHONPATH": str(args.before / "src")}
            _measure("  the same, previous code", ["audit"], {**old, "MFAGUARD_GRAPH_ENDPOINT": refused}, 3)
            _measure("  previous code: audit", ["audit"], old, args.runs)
            _measure(
                "  previous code: audit --snapshot FILE",
                ["audit", "--snapshot", str(SNAPSHOT)],
                old,
                args.runs,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
