from __future__ import annotations

import pytest

from mfaguard.demo import DEMO_STEPS
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e


def test_safe_change_steps_are_registered_in_order() -> None:
    keys = [s.key for s in DEMO_STEPS]
    assert keys.index("plan") < keys.index("pilot") < keys.index("widen") < keys.index("rollback")


def test_safe_change_demo_steps() -> None:
    steps = ["plan", "pilot", "widen", "rollback"]
    result = run_cli(["demo", *[arg for key in steps for arg in ("--step", key)]])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "PATCH Sms" in out and "[MFA-007]" in out
    assert "Result: pilot_applied, verified=True" in out
    assert "refused, nothing written: 11 user(s)" in out
    assert "Rollback: rolled_back, verified=True" in out
