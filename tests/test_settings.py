from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from mfaguard.errors import ConfigError
from mfaguard.settings import AuditConfigFile, AuditSettings, NumberMatchingMode, load_audit_config


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


def test_config_file_model_builds_settings() -> None:
    model = AuditConfigFile.model_validate(
        {
            "break_glass_groups": ["g1"],
            "number_matching": "configurable",
            "exceptions": [
                {"control": "mfa-006", "reason": "scanners", "owner": "secops", "expires": "2027-03-31"},
                {"control": "MFA-014", "resource": "g2", "reason": "vpn", "owner": "it"},
            ],
        }
    )
    settings = model.to_settings()
    assert settings.break_glass_groups == ("g1",)
    assert settings.number_matching is NumberMatchingMode.CONFIGURABLE
    first, second = settings.exceptions
    assert first.control_id == "MFA-006" and first.expires == date(2027, 3, 31)
    assert second.resource == "g2" and second.expires is None
    assert settings.to_json()["exceptions"][0]["control"] == "MFA-006"


@pytest.mark.parametrize(
    "data",
    [
        {"break_glass_group": ["g"]},
        {"number_matching": "sometimes"},
        {"exceptions": [{"control": "MFA-6", "reason": "r", "owner": "o"}]},
        {"exceptions": [{"control": "MFA-999", "reason": "r", "owner": "o"}]},
        {"exceptions": [{"control": "MFA-006", "reason": "", "owner": "o"}]},
        {"exceptions": [{"control": "MFA-006", "reason": "r"}]},
        {"exceptions": [{"control": "MFA-006", "reason": "r", "owner": "o", "expires": "soon"}]},
    ],
)
def test_config_file_rejects_bad_values(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AuditConfigFile.model_validate(data)


def test_load_audit_config_reads_yaml(tmp_path: Path) -> None:
    path = tmp_path / "audit.yaml"
    path.write_text(
        "break_glass_groups: [g1]\n"
        "exceptions:\n"
        "  - control: MFA-006\n"
        "    reason: scanners\n"
        "    owner: secops\n"
        "    expires: 2027-03-31\n"
    )
    settings = load_audit_config(path)
    assert settings.break_glass_groups == ("g1",)
    assert settings.exceptions[0].expires == date(2027, 3, 31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("break_glass_group: [g1]\n", ":1: break_glass_group"),
        ("number_matching: service_enforced\nexceptions:\n  - control: MFA-006\n    reason: 5\n", ":4:"),
    ],
)
def test_load_audit_config_errors_name_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "audit.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_audit_config(path)
    assert str(info.value).startswith(str(path))
    assert expected in str(info.value)
