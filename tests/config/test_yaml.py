from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, StrictBool

from mfaguard.config.yaml import load_and_validate, load_yaml_text, validate
from mfaguard.errors import ConfigError


class Tenant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    mode: Literal["report", "alert", "remediate"] = "report"
    enabled: StrictBool = True


class Fleet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    store: str | None = None
    tenants: list[Tenant]


def _err(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        validate(Fleet, load_yaml_text(text, path="fleet.yaml"))
    return info.value


def test_valid_document() -> None:
    fleet = validate(Fleet, load_yaml_text("tenants:\n  - name: a\n    mode: alert\n"))
    assert fleet.tenants[0].mode == "alert"


def test_unknown_key_names_file_line_key_and_allowed_keys() -> None:
    err = _err("tenants:\n  - name: a\n    colour: red\n")
    assert str(err).startswith("fleet.yaml:3: tenants[0].colour: unknown key (allowed: enabled, mode, name)")
    assert err.line == 3 and err.exit_code == 2


def test_bad_enum_value_names_the_value() -> None:
    err = _err("store: x\ntenants:\n  - name: a\n  - name: b\n    mode: remidiate\n")
    assert "fleet.yaml:5: tenants[1].mode:" in str(err)
    assert "'remidiate'" in str(err)


def test_missing_key_points_at_the_parent() -> None:
    err = _err("tenants:\n  - mode: alert\n")
    assert "fleet.yaml:2: tenants[0].name: required key is missing" in str(err)


def test_wrong_type_list_instead_of_scalar() -> None:
    err = _err("tenants:\n  - name: [a, b]\n")
    assert "fleet.yaml:2: tenants[0].name:" in str(err) and "a list" in str(err)


def test_yaml_bool_trap_is_caught_by_strict_types() -> None:
    err = _err("tenants:\n  - name: a\n    enabled: 'yes'\n")
    assert "tenants[0].enabled" in str(err)


def test_duplicate_key_rejected() -> None:
    with pytest.raises(ConfigError, match=r"fleet.yaml:3: tenants\[0\].name: duplicate key"):
        load_yaml_text("tenants:\n  - name: a\n    name: b\n", path="fleet.yaml")


def test_syntax_error_has_line() -> None:
    with pytest.raises(
        ConfigError, match=r"fleet.yaml:3: not valid YAML: .*flow sequence that starts on line 2"
    ):
        load_yaml_text("tenants:\n  - name: [a\n", path="fleet.yaml")


def test_empty_and_non_mapping_documents() -> None:
    assert "empty" in str(_err(""))
    assert "top level must be a mapping" in str(_err("- a\n- b\n"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_and_validate(tmp_path / "nope.yaml", Fleet)


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"tenants: \xff\xfe\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_and_validate(path, Fleet)


def test_more_problems_are_counted() -> None:
    err = _err("tenants:\n  - name: a\n    x: 1\n    y: 2\n")
    assert "1 more problem after this one" in str(err)
