"""Issue 2 benchmark: process start to exit of the offline CLI paths (target < 0.4 s each).

Measures, as a user's shell or a CI step would see it, the wall time of:
- ``mfaguard --help``
- ``mfaguard audit --snapshot <typical policy>`` in the default table format and as JSON

Each command runs once to warm the OS file cache, then N times; the median and max are printed.
Run from the repository root:  /work/venv/bin/python bench/bench_startup.py [--runs N]
To find heavy imports:  PYTHONPATH=src python -X importtime -m mfaguard audit --snapshot FILE 2>imports.txt
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A typical tenant: an mfaguard snapshot with directory data, all 15 controls judged.
TYPICAL = ROOT / "tests" / "fixtures" / "policies" / "groups-all-exist.json"
TARGET_SECONDS = 0.4

COMMANDS = {
    "mfaguard --help": ["--help"],
    "mfaguard audit --snapshot (table)": ["audit", "--snapshot", str(TYPICAL)],
    "mfaguard audit --snapshot --format json": ["audit", "--snapshot", str(TYPICAL), "--format", "json"],
}


def _time_once(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child): CPU time stays meaningful on a busy machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mfaguard", *args], env=env, capture_output=True, check=False
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):  # 1 = findings, a normal audit outcome
        raise SystemExit(f"{args} failed with exit {result.returncode}: {result.stderr.decode()[:500]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs per command (default 21)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFAGUARD_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    env["NO_COLOR"] = "1"
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; {args.runs} runs each"
    )
    worst = 0.0
    for name, command in COMMANDS.items():
        _time_once(command, env)  # warm-up
        runs = [_time_once(command, env) for _ in range(args.runs)]
        samples = [wall for wall, _ in runs]
        median = statistics.median(samples)
        cpu = statistics.median(c for _, c in runs)
        worst = max(worst, median)
        verdict = "ok" if median < TARGET_SECONDS else "OVER TARGET"
        print(
            f"{name:42s} median {median * 1000:5.0f} ms  max {max(samples) * 1000:5.0f} ms  "
            f"cpu {cpu * 1000:5.0f} ms  {verdict}"
        )
    load = os.getloadavg()[0]
    print(f"target < {TARGET_SECONDS * 1000:.0f} ms median: {'met' if worst < TARGET_SECONDS else 'NOT met'}")
    print(f"load average during the run: {load:.1f} (on a busy machine compare the cpu column)")
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
