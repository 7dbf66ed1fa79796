"""`mfaguard demo`: the README's first command works from a checkout, with no tenant and no setup."""

from __future__ import annotations

import pytest

from mfaguard.demo import DEMO_STEPS
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e


def test_demo_runs_every_step_with_narration() -> None:
    result = run_cli(["demo"])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for number, step in enumerate(DEMO_STEPS, 1):
        assert f"Step {number}/{len(DEMO_STEPS)}: {step.title}" in out
    assert "Signed in to tenant" in out
    assert "FAIL" in out and "MFA-007" in out
    assert "the same findings as the live audit" in out
    assert "Drift found in fabrikam: MFA-004 status: PASS → FAIL" in out
    assert "applied, verified by a fresh audit" in out
    # coverage: the weak tenant's phone-only / unprotected members are named; detect: the push spam.
    assert "MFA-016 FAIL" in out and "phone_only" in out
    assert "DET-001" in out and "megan.bowen@contoso.onmicrosoft.com" in out
    assert "Traceback" not in result.stderr


def test_demo_unknown_step_is_a_usage_error() -> None:
    result = run_cli(["demo", "--step", "nope"])
    assert result.returncode == 2
    assert "invalid value for --step: 'nope' — use one of: audit, connect" in result.stderr


def test_steps_are_one_explicit_tuple_in_cycle_order() -> None:
    keys = [s.key for s in DEMO_STEPS]
    assert isinstance(DEMO_STEPS, tuple) and len(set(keys)) == len(keys)
    assert keys == [
        "connect", "audit", "export", "plan", "pilot", "widen", "rollback", "coverage", "detect", "fleet"
    ]  # fmt: skip
