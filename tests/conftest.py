"""Shared test fixtures.

Tests import mfaguard from this checkout's src/ (pytest's ``pythonpath``), and subprocess-based tests
run ``python -m mfaguard`` with the same path, so a worktree always tests its own code.

``MFAGUARD_TEST_CLI=/path/to/venv/bin/mfaguard`` makes every CLI subprocess (:func:`cli_argv`) run that
installed ``mfaguard`` instead, without this checkout's src/ on its path: ``.ci/run`` points it at a
fresh virtual environment holding the built wheel, so a file missing from the wheel (a template, a
migration, a JSON Schema, a scenario) fails the end-to-end tests.
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


INSTALLED_CLI = os.environ.get("MFAGUARD_TEST_CLI") or None
"""The installed ``mfaguard`` executable the CLI tests run, or None for this checkout's src/."""


def cli_argv(args: Sequence[str]) -> list[str]:
    """The command line that runs ``mfaguard ARGS`` (see the module docstring)."""
    if INSTALLED_CLI:
        return [INSTALLED_CLI, *args]
    return [sys.executable, "-m", "mfaguard", *args]


def cli_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a CLI subprocess: ours without MFAGUARD_*, src/ on the path, then ``env``."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MFAGUARD_")}
    if not INSTALLED_CLI:
        full_env["PYTHONPATH"] = str(SRC) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.setdefault("NO_COLOR", "1")
    full_env["COLUMNS"] = "200"
    if env:
        full_env.update(env)
    return full_env


def run_cli(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 120,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess (``python -m mfaguard``) and capture its output."""
    return subprocess.run(
        cli_argv(args),
        capture_output=True,
        text=True,
        env=cli_env(env),
        input=input,
        timeout=timeout,
        cwd=cwd,
    )


def spawn_cli(args: Sequence[str], env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start the real CLI in a subprocess without waiting (to signal it, or to read its output live)."""
    return subprocess.Popen(
        cli_argv(args),
        env=cli_env(env),
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


_CLI_HELPERS = ("run_cli", "cli_argv")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``cli_subprocess`` every test of a module that starts the CLI (it imports :func:`run_cli`
    or :func:`cli_argv`, or the test takes the ``cli`` fixture): ``.ci/run`` selects them with
    ``-m cli_subprocess`` to run against the installed wheel."""
    for item in items:
        module = getattr(item, "module", None)
        uses_helper = module is not None and any(
            getattr(module, name, None) is globals()[name] for name in _CLI_HELPERS
        )
        if uses_helper or "cli" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.cli_subprocess)


def pytest_report_header() -> str:
    return (
        f"mfaguard CLI under test: {INSTALLED_CLI or 'this checkout (python -m mfaguard, src/ on the path)'}"
    )
