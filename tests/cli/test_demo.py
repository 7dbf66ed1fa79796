"""`mfaguard demo`: the README's first command works from a checkout, with no tenant and no setup."""

from __future__ import annotations

import pytest

from mfaguard.demo import DEMO_STEPS, DemoStep, add_step
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


def test_add_step_inserts_after_a_key() -> None:
    step = DemoStep("probe", "Probe", "narration", lambda ctx: None)
    add_step(step, after="connect")
    try:
        keys = [s.key for s in DEMO_STEPS]
        assert keys[keys.index("connect") + 1] == "probe"
        with pytest.raises(ValueError, match="already registered"):
            add_step(step)
    finally:
        DEMO_STEPS.remove(step)
