"""Without PostgreSQL the store's PostgreSQL cases skip locally but fail under CI=true."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

CASE = "tests/store/test_store.py::test_open_reports_backend_and_head_revision"


def _run(ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"MFAGUARD_TEST_POSTGRES_URL", "CI"}}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", CASE],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.slow
def test_postgres_cases_skip_locally_and_fail_under_ci() -> None:
    local = _run(None)
    assert local.returncode == 0, local.stdout
    assert "1 passed, 1 skipped" in local.stdout
    ci = _run("true")
    assert ci.returncode == 1, ci.stdout
    assert "MFAGUARD_TEST_POSTGRES_URL is not set under CI=true" in ci.stdout
