"""One live `mfaguard audit` against the local emulator, process start to exit (target < 0.6 s).

The emulator (scenario ``weak``) runs in another process over HTTPS with its own CA; each run is a
fresh ``python -m mfaguard audit --format json`` with the emulator's environment, so it includes
interpreter start, imports, the azure-identity token request (client secret), reading the policy,
resolving its groups, judging and rendering.

    python bench/bench_live_audit.py [RUNS]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _emulator_proc import child_env, emulator_process  # noqa: E402

TARGET_S = 0.6


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    times: list[float] = []
    with emulator_process("weak") as emulator_env:
        env = child_env()
        env.update(emulator_env)
        for _ in range(runs):
            start = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "mfaguard", "audit", "--format", "json"],
                env=env,
                capture_output=True,
                text=True,
            )
            times.append(time.perf_counter() - start)
            if result.returncode not in (0, 1):
                print(result.stderr, file=sys.stderr)
                raise SystemExit(f"audit exited {result.returncode}")
    median = statistics.median(times)
    print(f"live audit (weak scenario, HTTPS emulator in another process), {runs} runs")
    print(f"  min {min(times):.3f} s, median {median:.3f} s, max {max(times):.3f} s (target < {TARGET_S} s)")
    print("  meets target" if median < TARGET_S else "  MISSES target")


if __name__ == "__main__":
    main()
