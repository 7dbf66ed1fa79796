"""The audit --config file: its models and load_audit_config (errors name file, line and key)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from mfaguard.config.audit_file import KNOWN_CONTROLS, AuditConfigFile, load_audit_config
from mfaguard.controls import CONTROL_IDS
from mfaguard.errors import ConfigError
from mfaguard.model.settings import NumberMatchingMode

CONTEXT = {KNOWN_CONTROLS: CONTROL_IDS}


def test_config_file_model_builds_settings() -> None:
    model = AuditConfigFile.model_validate(
        {
            "break_glass_groups": ["g1"],
            "number_matching": "configurable",
            "exceptions": [
                {"control": "mfa-006", "reason": "scanners", "owner": "secops", "expires": "2027-03-31"},
                {"control": "MFA-014", "resource": "g2", "reason": "vpn", "owner": "it"},
            ],
        },
        context=CONTEXT,
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
        AuditConfigFile.model_validate(data, context=CONTEXT)


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
    settings = load_audit_config(path, known_controls=CONTROL_IDS)
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
        load_audit_config(path, known_controls=CONTROL_IDS)
    assert str(info.value).startswith(str(path))
    assert expected in str(info.value)


def test_control_ids_are_never_accepted_unchecked() -> None:
    # Without the catalogue in the validation context an id cannot be checked: refused, never accepted.
    with pytest.raises(ValidationError, match="no control catalogue"):
        AuditConfigFile.model_validate({"exceptions": [{"control": "MFA-006", "reason": "r", "owner": "o"}]})
