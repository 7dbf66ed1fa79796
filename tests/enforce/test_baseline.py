from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from mfaguard.enforce.baseline import (
    BUILTIN_NAMES,
    Baseline,
    baseline_json_schema,
    builtin_text,
    covered_controls,
    load_baseline,
)
from mfaguard.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "docs" / "schema" / "baseline.schema.json"
GROUP = "11111111-2222-3333-4444-555555555555"


def test_published_schema_is_up_to_date() -> None:
    published = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert published == baseline_json_schema(), (
        "docs/schema/baseline.schema.json is stale; regenerate it with "
        "`python -c 'import json; from mfaguard.enforce.baseline import baseline_json_schema as s; "
        "print(json.dumps(s(), indent=2))' > docs/schema/baseline.schema.json`"
    )


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtins_validate_against_models_and_schema(name: str) -> None:
    loaded = load_baseline(name)
    assert loaded.name == name
    jsonschema.validate(yaml.safe_load(builtin_text(name)), baseline_json_schema())
    assert covered_controls(loaded.baseline)


def test_recommended_is_design_section_5() -> None:
    b = load_baseline("recommended").baseline
    assert b.authenticator is not None
    assert b.authenticator.include == ("all_users",)
    # Feature exclusions follow `exclusions: break_glass_only` (issue 12): break-glass groups stay.
    assert not b.authenticator.sets_feature_exclude and b.exclusions == "break_glass_only"
    assert (b.sms, b.voice, b.email, b.migration) == ("disabled", "disabled", "disabled", "complete")
    assert covered_controls(b, number_matching_configurable=True) == {f"MFA-{n:03d}" for n in range(1, 14)}
    assert "MFA-002" not in covered_controls(b)


def test_benchmark_builtins_only_set_what_they_require() -> None:
    cisa = load_baseline("cisa-scuba").baseline
    assert cisa.report_suspicious_activity is None and cisa.system_preferred_mfa is None
    assert cisa.email == "disabled" and cisa.migration == "complete"
    cis = load_baseline("cis-l1").baseline
    assert cis.email is None  # 5.2.3.7 is Level 2
    assert cis.authenticator is not None and cis.authenticator.companion_app == "disabled"  # 5.2.3.10
    assert cis.system_preferred_mfa == "enabled"  # 5.2.3.6


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        ("sms: disabled\nvoyce: disabled\n", 2, "voyce", "unknown key"),
        (
            "authenticator:\n  state: enabled\n  software_oath: 'no'\n",
            3,
            "authenticator.software_oath",
            "boolean",
        ),
        ("authenticator:\n  include: []\n", 2, "authenticator.include", "at least one target"),
        ("authenticator:\n  include: [all_users, not-a-guid]\n", 2, "authenticator.include[1]", "pattern"),
        ("sms: off\n", 1, "sms", "got False"),
        ("migration: in_progress\n", 1, "migration", "complete"),
    ],
)
def test_bad_baselines_name_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str, words: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_baseline(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: {key}: "), message
    assert words in message
    assert info.value.exit_code == 2


def test_group_that_does_not_exist_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(f"authenticator:\n  include:\n    - all_users\n    - {GROUP.upper()}\n", encoding="utf-8")
    loaded = load_baseline(str(path))
    assert loaded.baseline.group_ids() == {GROUP: ("authenticator", "include", 1)}
    loaded.check_groups({GROUP: True})
    with pytest.raises(ConfigError) as info:
        loaded.check_groups({})
    assert str(info.value).startswith(f"{path}:4: authenticator.include[1]: group {GROUP} does not exist")


def test_unknown_builtin_and_missing_file() -> None:
    with pytest.raises(ConfigError, match="neither a built-in nor a readable file"):
        load_baseline("recomended")


def test_models_are_frozen() -> None:
    b = Baseline.model_validate({"sms": "disabled"})
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on assignment
        b.sms = "enabled"  # type: ignore[misc]
