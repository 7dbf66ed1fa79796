"""One live `mfaguard audit` against the local emulator, process start to exit (target < 0.6 s).

The emulator (scenario ``weak``) runs in another process over HTTPS with its own CA; each run is a
fresh ``python -m mfaguard audit --format json`` with the emulator's environment, so it includes
interpreter start, imports, the azure-identity token request (client secret), reading the policy,
resolving its groups, judging and rendering.

    python bench/bench_live_audit.py [RUNS]

Two credential paths are timed: the client secret (azure-identity; what the emulator's environment
sets up) and a bearer token in MFAGUARD_ACCESS_TOKEN (obtained once before timing, as a CI job that
runs `az account get-access-token` would), which skips importing azure-identity.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _emulator_proc import child_env, emulator_process

TARGET_S = 0.6


def time_audits(env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Wall time and CPU time (user + system of the audit process) of each run.

    CPU time shows the cost independent of other load on the machine; wall time adds the waits
    for the emulator (token endpoint, Graph) and for the CPU when the machine is busy.
    """
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "mfaguard", "audit", "--format", "json"],
            env=env,
            capture_output=True,
            text=True,
        )
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if result.returncode not in (0, 1):
            print(result.stderr, file=sys.stderr)
            raise SystemExit(f"audit exited {result.returncode}")
    return times, cpu


def fetch_token(env: dict[str, str]) -> str:
    code = (
        "import asyncio, os\n"
        "from mfaguard.demo.context import emulator_connection\n"
        "c = emulator_connection(os.environ)\n"
        "print(asyncio.run(c.token_provider(os.environ).get_token()))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def report(label: str, measured: tuple[list[float], list[float]]) -> None:
    times, cpu = measured
    median = statistics.median(times)
    verdict = "meets" if median < TARGET_S else "MISSES"
    print(
        f"  {label}: wall min {min(times):.3f} s, median {median:.3f} s, max {max(times):.3f} s "
        f"({verdict} the {TARGET_S} s target); CPU median {statistics.median(cpu):.3f} s"
    )


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with emulator_process("weak") as emulator_env:
        env = child_env()
        env.update(emulator_env)
        secret_times = time_audits(env, runs)
        token_env = {**env, "MFAGUARD_ACCESS_TOKEN": fetch_token(env)}
        token_times = time_audits(token_env, runs)
    load = os.getloadavg()[0]
    print(
        f"live audit (weak scenario, HTTPS emulator in another process), {runs} runs each; "
        f"load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    report("client secret (azure-identity)", secret_times)
    report("MFAGUARD_ACCESS_TOKEN", token_times)


if __name__ == "__main__":
    main()
