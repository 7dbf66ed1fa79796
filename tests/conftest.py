"""Shared test fixtures.

Tests import mfaguard from this checkout's src/ (pytest's ``pythonpath``), and subprocess-based tests
run ``python -m mfaguard`` with the same path, so a worktree always tests its own code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

pytest_plugins = ["tests.emulator_fixtures", "tests.store_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


def run_cli(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 120,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess (``python -m mfaguard``) and capture its output."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MFAGUARD_")}
    full_env["PYTHONPATH"] = str(SRC) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.setdefault("NO_COLOR", "1")
    full_env["COLUMNS"] = "200"
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "mfaguard", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=input,
        timeout=timeout,
        cwd=cwd,
    )


def spawn_cli(args: Sequence[str], env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start the real CLI in a subprocess without waiting (to signal it, or to read its output live)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MFAGUARD_")}
    full_env["PYTHONPATH"] = str(SRC) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.setdefault("NO_COLOR", "1")
    full_env["COLUMNS"] = "200"
    full_env.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "mfaguard", *args],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own data directory: commands record their runs in the default history
    store, which must never land in the real user data folder, and tests must not see each other's
    history (a pending change left by one test would warn in the next)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))


@pytest.fixture
def cli() -> object:
    """The :func:`run_cli` helper as a fixture."""
    return run_cli
