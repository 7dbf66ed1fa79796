"""Issue 13 benchmark: CLI start-up of two source trees, interleaved (did the restructure slow it down?).

Runs ``python -m mfaguard --help`` and ``python -m mfaguard audit --snapshot <typical policy>`` from
``--before`` (a copy of an older ``src/``, e.g. ``git archive db135a1 src | tar -x -C /tmp/before``) and
from this checkout's ``src/``, alternating A, B, A, B … so both see the same machine load; prints the
median wall and CPU time of each. Bytecode is compiled first (``compileall``) so neither side pays for it.
Run from the repository root:  .venv/bin/python bench/bench_startup_compare.py --before /tmp/before/src
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import statistics
import sys
from pathlib import Path

from bench_startup import TYPICAL, _time_once

ROOT = Path(__file__).resolve().parent.parent

COMMANDS = {
    "mfaguard --help": ["--help"],
    "mfaguard audit --snapshot FILE": ["audit", "--snapshot", str(TYPICAL)],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--before", type=Path, action="append", required=True, help="an older src/ directory (repeatable)"
    )
    parser.add_argument("--runs", type=int, default=31, help="timed runs per command and tree (default 31)")
    args = parser.parse_args()
    trees = {
        f"before{i + 1}" if len(args.before) > 1 else "before": p.resolve() for i, p in enumerate(args.before)
    }
    trees["after"] = ROOT / "src"
    for name, tree in trees.items():
        print(f"{name}: {tree}")
    for tree in trees.values():
        compileall.compile_dir(str(tree), quiet=1)
    base = {k: v for k, v in os.environ.items() if not k.startswith("MFAGUARD_")}
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    base["NO_COLOR"] = "1"
    envs = {name: {**base, "PYTHONPATH": str(tree)} for name, tree in trees.items()}
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"load {os.getloadavg()[0]:.1f}; {args.runs} interleaved runs each"
    )
    for label, argv in COMMANDS.items():
        for env in envs.values():
            _time_once(argv, env)  # warm the file cache
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in envs}
        for _ in range(args.runs):
            for name, env in envs.items():
                samples[name].append(_time_once(argv, env))
        for name, runs in samples.items():
            wall = statistics.median(w for w, _ in runs) * 1000
            cpu = statistics.median(c for _, c in runs) * 1000
            print(f"{label:32} {name:7}  median wall {wall:6.0f} ms  median CPU {cpu:6.0f} ms")
    print(f"load after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
