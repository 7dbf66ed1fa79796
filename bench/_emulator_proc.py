"""Run the emulator in a child process (so its CPU is not counted as the client's).

``start()`` spawns ``python bench/_emulator_proc.py SCENARIO``; the child serves the emulator over
HTTPS on 127.0.0.1, prints its environment as one JSON line, and serves until its stdin closes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFAGUARD_")}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@contextmanager
def emulator_process(scenario: str = "weak") -> Iterator[dict[str, str]]:
    """Yield the environment that points mfaguard at an emulator running in another process."""
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), scenario],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=child_env(),
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the emulator process did not start")
        yield json.loads(line)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


def _serve(scenario: str) -> None:
    from mfaguard.emulator import running_emulator

    with running_emulator(scenarios=scenario) as served:
        print(json.dumps(served.env()), flush=True)
        sys.stdin.read()  # until the parent closes our stdin


if __name__ == "__main__":
    _serve(sys.argv[1] if len(sys.argv) > 1 else "weak")
