"""The README's quick start: exactly two commands, both installing from the lock files, and the second
is what .ci/run runs (verbatim)."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def _quick_start() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_the_quick_start_is_two_one_line_commands_from_the_lock_files() -> None:
    demo, tests = _quick_start()
    assert "\n" not in demo and "\n" not in tests
    assert demo.startswith("python3 -m venv .venv && ")
    assert "pip install --require-hashes -r requirements/core.txt && " in demo
    assert demo.endswith(".venv/bin/pip install --no-deps . && .venv/bin/mfaguard demo")
    assert "pip install --require-hashes -r requirements/test.txt && " in tests
    assert tests.endswith(".venv/bin/pip install --no-deps -e . && .venv/bin/python -m pytest")


def test_ci_runs_the_second_command_verbatim_as_its_last_step() -> None:
    _, tests = _quick_start()
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert run.rstrip().splitlines()[-1] == tests
