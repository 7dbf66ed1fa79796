from __future__ import annotations

import json
from pathlib import Path

import yaml

from mfaguard.enforce.baseline import baseline_json_schema, builtin_text
from tests.conftest import run_cli


def test_show_prints_the_builtin_with_comments() -> None:
    result = run_cli(["baseline", "show", "recommended"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == builtin_text("recommended")
    assert "# MFA-001" in result.stdout
    assert yaml.safe_load(result.stdout)["sms"] == "disabled"


def test_show_unknown_name_is_exit_2() -> None:
    result = run_cli(["baseline", "show", "strict"])
    assert result.returncode == 2
    assert "unknown built-in baseline 'strict'" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_good_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(builtin_text("cis-l1"), encoding="utf-8")
    result = run_cli(["baseline", "validate", str(path)])
    assert result.returncode == 0, result.stderr
    assert "valid baseline" in result.stdout and "MFA-011" in result.stdout


def test_validate_bad_file_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("authenticator:\n  state: enabled\n  app_info: enabled\n", encoding="utf-8")
    result = run_cli(["baseline", "validate", str(path)])
    assert result.returncode == 2
    assert f"{path}:3: authenticator.app_info: unknown key" in result.stderr
    assert "Traceback" not in result.stderr


def test_schema_command_matches_published_schema() -> None:
    result = run_cli(["baseline", "schema"])
    assert result.returncode == 0
    assert json.loads(result.stdout) == baseline_json_schema()
