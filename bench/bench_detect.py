"""Benchmark of ``mfaguard detect`` on large JSON Lines sign-in files (issue 6).

For each size (default 250k and 1M records; files generated into bench/out/ if missing) it runs,
each in a fresh process so peak memory is per run:
  - a bare parse of the file with the stdlib ``json`` (and with ``orjson``), line by line;
  - the full detection (load, normalise, classify, dedupe, baseline, all detections) with orjson and
    one process per core (``detect``), in one process (``detect-1job``), and in one process with the
    stdlib json parser forced (``detect-json``); peak memory is the largest of the processes;
and prints records/s, peak RSS and the ratio of detection time to the bare ``json`` parse. Each
mode runs ``--repeat`` times and the fastest run counts (the machine is shared: other work only ever
makes a run slower); the load average is printed so a noisy run can be recognised, and the CPU time
(all processes) is printed too: records per CPU-second do not depend on how busy the machine is.

    python bench/bench_detect.py [--sizes 250000,1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {src!r})
mode, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
c0 = time.process_time()
n = 0
alerts = None
if mode in ("parse-json", "parse-orjson"):
    import orjson
    loads = json.loads if mode == "parse-json" else orjson.loads
    with open(path, "rb") as fh:
        for line in fh:
            loads(line)
            n += 1
else:
    from datetime import UTC, datetime
    from pathlib import Path
    import mfaguard.detect.loaders.jsonio as jsonio
    if mode == "detect-json":
        jsonio._loads = json.loads
    from mfaguard.detect import collect_files, analyse
    from mfaguard.detect.parallel import default_jobs
    ev = collect_files([Path(path)], jobs=default_jobs() if mode == "detect" else 1)
    result = analyse(ev, now=datetime.now(UTC))
    n = ev.stats.records
    alerts = len(result.alerts)
elapsed = time.perf_counter() - t0
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = time.process_time() - c0 + kids.ru_utime + kids.ru_stime
print(json.dumps({{"mode": mode, "records": n, "seconds": elapsed, "cpu": cpu, "alerts": alerts,
                  "peak_rss_mb": max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                                     resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024}}))
"""


MODES = ("parse-json", "parse-orjson", "detect", "detect-1job", "detect-json")
"""detect: orjson and one process per core (up to 4); detect-1job: one process; detect-json: one
process with the stdlib parser."""


def run(mode: str, path: Path) -> dict[str, float]:
    code = CHILD.format(src=str(ROOT / "src"))
    out = subprocess.run(
        [sys.executable, "-c", code, mode, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def ensure(size: int, *, benign_only: bool = False) -> Path:
    path = OUT / (f"signins_{size}_benign.jsonl" if benign_only else f"signins_{size}.jsonl")
    if not path.exists():
        sys.path.insert(0, str(HERE))
        from gen_signins import ATTACK_RATE, generate

        generate(size, path, attack_rate=0.0 if benign_only else ATTACK_RATE)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--benign-only",
        action="store_true",
        help="files without attacks: memory that grows only with records",
    )
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(
        f"{'records':>9} {'mode':<13} {'seconds':>8} {'records/s':>10} {'CPU s':>7} {'rec/CPU-s':>10} "
        f"{'peak MB':>8} {'alerts':>6} {'x json':>7} {'x json CPU':>10}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        path = ensure(size, benign_only=args.benign_only)
        results: dict[str, dict[str, float]] = {}
        for _ in range(args.repeat):
            # Interleaved, so a burst of load on the machine hits every mode alike.
            for mode in MODES:
                r = run(mode, path)
                if mode not in results or r["seconds"] < results[mode]["seconds"]:
                    results[mode] = r
        bare = results["parse-json"]["seconds"]
        bare_cpu = results["parse-json"]["cpu"]
        for mode, r in results.items():
            print(
                f"{r['records']:>9} {mode:<13} {r['seconds']:>8.2f} {r['records'] / r['seconds']:>10,.0f} "
                f"{r['cpu']:>7.2f} {r['records'] / r['cpu']:>10,.0f} "
                f"{r['peak_rss_mb']:>8.0f} {r['alerts'] if r['alerts'] is not None else '':>6} "
                f"{r['seconds'] / bare:>7.2f} {r['cpu'] / bare_cpu:>10.2f}"
            )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
