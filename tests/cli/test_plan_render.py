from __future__ import annotations

import pytest

from mfaguard.cli._enforce import plan_settings, print_plan
from mfaguard.enforce.baseline import load_baseline
from mfaguard.enforce.plan import PlanSettings, plan
from mfaguard.errors import UsageError
from tests.builders.policy import weak_policy


def test_plan_table_lists_every_change_grouped_by_object(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    p = plan(
        weak_policy(), load_baseline("recommended").baseline, PlanSettings(), baseline_name="recommended"
    )
    print_plan(p, tenant="contoso")
    out = capsys.readouterr().out
    assert "Plan: baseline recommended for tenant contoso" in out
    for text in ("PATCH MicrosoftAuthenticator", "PATCH Sms", "PATCH authenticationMethodsPolicy", "MFA-013"):
        assert text in out
    assert "(push)" in out  # the push-only target is shown with its mode
    assert f"{len(p.changes)} change(s) to 5 object(s)" in out
    assert "note: number_matching is enforced by Microsoft" in out


def test_no_changes_message(capsys: pytest.CaptureFixture[str]) -> None:
    p = plan(
        {"authenticationMethodConfigurations": []},
        load_baseline("cis-l1").baseline.model_copy(update={"system_preferred_mfa": None}),
        PlanSettings(),
        baseline_name="cis-l1",
    )
    print_plan(p, tenant=None)
    assert "No changes: the tenant already matches baseline cis-l1." in capsys.readouterr().out


def test_number_matching_flag_is_checked() -> None:
    with pytest.raises(UsageError, match="invalid value for --number-matching"):
        plan_settings(None, "on", None)
    assert plan_settings("g", "configurable", None).configurable
