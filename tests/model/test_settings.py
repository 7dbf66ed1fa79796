"""AuditSettings: the frozen settings every control reads."""

from __future__ import annotations

from mfaguard.model.settings import AuditSettings, NumberMatchingMode


def test_defaults_are_the_safe_choice() -> None:
    settings = AuditSettings()
    assert settings.break_glass_groups == ()
    assert settings.number_matching is NumberMatchingMode.SERVICE_ENFORCED
    assert settings.exceptions == ()


def test_break_glass_matching_is_case_insensitive() -> None:
    settings = AuditSettings(break_glass_groups=("ABC-1",))
    assert settings.is_break_glass("abc-1")
    assert not settings.is_break_glass("abc-2")


def test_merged_adds_groups_and_replaces_mode() -> None:
    base = AuditSettings(break_glass_groups=("a",))
    merged = base.merged(break_glass_groups=["b", "a"], number_matching=NumberMatchingMode.CONFIGURABLE)
    assert merged.break_glass_groups == ("a", "b")
    assert merged.number_matching is NumberMatchingMode.CONFIGURABLE
    assert base.merged().number_matching is NumberMatchingMode.SERVICE_ENFORCED
