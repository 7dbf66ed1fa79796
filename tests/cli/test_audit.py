"""``mfaguard audit --snapshot``: the fixture table through the CLI, exit codes, malformed input."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mfaguard.cli import app
from tests.conftest import run_cli
from tests.controls.cases import BREAK_GLASS, CASES, CONTRACTORS, FIXTURES, Case, expected_statuses

SETTINGS_FLAGS = {
    "default": ["--break-glass-group", BREAK_GLASS],
    "configurable": ["--break-glass-group", BREAK_GLASS, "--number-matching", "configurable"],
    "no-break-glass": [],
    "contractors-break-glass": ["--break-glass-group", BREAK_GLASS, "--break-glass-group", CONTRACTORS],
}


def invoke(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_json_statuses_for_every_fixture(case: Case) -> None:
    code, out, _ = invoke(
        ["audit", "--snapshot", str(case.path), "--format", "json", *SETTINGS_FLAGS[case.settings]]
    )
    document = json.loads(out)
    grouped: dict[str, list[str]] = defaultdict(list)
    for finding in document["findings"]:
        grouped[finding["control_id"]].append(finding["status"])
    got = {k: v[0] if len(v) == 1 else tuple(sorted(v)) for k, v in grouped.items()}
    assert got == {
        k: v if not isinstance(v, tuple) else tuple(s.value for s in v)
        for k, v in expected_statuses(case).items()
    }
    has_fail = any(
        f["status"] == "FAIL" and f["severity"] in ("critical", "high", "medium")
        for f in document["findings"]
    )
    assert code == (1 if has_fail else 0)


def test_real_process_json_and_exit_code() -> None:
    result = run_cli(
        ["audit", "--snapshot", str(FIXTURES / "sms-enabled-all-users.json"), "--format", "json"]
    )
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["schema_version"] and document["summary"]["FAIL"] >= 1
    (sms,) = [f for f in document["findings"] if f["control_id"] == "MFA-007"]
    assert sms["status"] == "FAIL" and sms["severity"] == "high"
    assert sms["references"][0] == "EIDSCA.AS04" and sms["exception"] is None


def test_fail_on_and_strict() -> None:
    lite = str(FIXTURES / "companion-app-enabled.json")  # one low FAIL
    assert invoke(["audit", "--snapshot", lite, "-f", "json", "--break-glass-group", BREAK_GLASS])[0] == 0
    assert (
        invoke(
            [
                "audit",
                "--snapshot",
                lite,
                "-f",
                "json",
                "--break-glass-group",
                BREAK_GLASS,
                "--fail-on",
                "LOW",
            ]
        )[0]
        == 1
    )
    otp = str(FIXTURES / "authenticator-otp-absent.json")  # one ERROR
    assert invoke(["audit", "--snapshot", otp, "-f", "json", "--break-glass-group", BREAK_GLASS])[0] == 0
    assert (
        invoke(["audit", "--snapshot", otp, "-f", "json", "--break-glass-group", BREAK_GLASS, "--strict"])[0]
        == 3
    )


def test_config_file_with_exception_and_expired_exception(tmp_path: Path) -> None:
    config = tmp_path / "audit.yaml"
    config.write_text(
        f"break_glass_groups: [{BREAK_GLASS}]\n"
        "exceptions:\n"
        "  - control: MFA-007\n    reason: call centre rollout\n    owner: it-ops\n    expires: 2099-12-31\n"
        "  - control: MFA-008\n    reason: old\n    owner: it-ops\n    expires: 2020-01-01\n"
    )
    sms = str(FIXTURES / "sms-enabled-all-users.json")
    code, out, _ = invoke(["audit", "--snapshot", sms, "-f", "json", "--config", str(config)])
    assert code == 0
    (finding,) = [f for f in json.loads(out)["findings"] if f["control_id"] == "MFA-007"]
    assert finding["status"] == "FAIL"
    assert finding["exception"] == {
        "reason": "call centre rollout",
        "owner": "it-ops",
        "expires": "2099-12-31",
    }
    voice = str(FIXTURES / "voice-enabled-all-users.json")
    code, out, err = invoke(["audit", "--snapshot", voice, "-f", "json", "--config", str(config)])
    assert code == 1
    (finding,) = [f for f in json.loads(out)["findings"] if f["control_id"] == "MFA-008"]
    assert finding["exception"] is None and finding["expired_exception"]["expires"] == "2020-01-01"
    assert "note: the exception for MFA-008 (owner it-ops) expired on 2020-01-01" in err
    assert "note: the exception for MFA-007 (owner it-ops) covers no WARN or FAIL finding" in err


def test_output_file_is_written(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, err = invoke(
        [
            "audit",
            "--snapshot",
            str(FIXTURES / "compliant.json"),
            "-f",
            "json",
            "-o",
            str(target),
            "--break-glass-group",
            BREAK_GLASS,
        ]
    )
    assert code == 0 and out == ""
    assert f"wrote the json report to {target} (FAIL 0 · accepted 0, ERROR 0, WARN 0, PASS" in err
    assert json.loads(target.read_text())["summary"]["PASS"] == 14
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_table_is_the_default() -> None:
    code, out, _ = invoke(["audit", "--snapshot", str(FIXTURES / "compliant.json")])
    assert code == 1  # break-glass group excluded but not declared → MFA-014 FAIL
    assert "MFA-014" in out and "FAIL" in out


def test_help_documents_formats_exit_codes_and_input() -> None:
    result = run_cli(["audit", "--help"])
    assert result.returncode == 0
    for needle in (
        "Exit codes",
        "--fail-on",
        "Graph Explorer",
        "authenticationMethodsPolicy",
        "sarif",
        "junit",
        "html",
        "--strict",
    ):
        assert needle in result.stdout


MALFORMED = [
    ("empty.json", "", "the file is empty"),
    ("garbage.json", "this is not json", "not JSON"),
    ("array.json", "[]", "JSON array"),
    ("report.json", '{"schema_version": "1.0", "findings": []}', "audit report"),
    ("wrong.json", '{"value": [{"id": "x"}]}', "Graph collection page"),
    (
        "shape.json",
        '{"id": "authenticationMethodsPolicy", "authenticationMethodConfigurations": {}}',
        "authenticationMethodConfigurations: expected an array",
    ),
]


@pytest.mark.parametrize(("name", "text", "needle"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_snapshot_is_exit_2_one_line(tmp_path: Path, name: str, text: str, needle: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = run_cli(["audit", "--snapshot", str(path)])
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and needle in lines[0]
    assert result.stdout == ""


BAD_CONFIGS = [
    ("unknown-key.yaml", "break_glass_group: [g]\n", ":1:", "break_glass_group"),
    ("wrong-type.yaml", "break_glass_groups: 5\n", ":1:", "break_glass_groups"),
    ("bad-mode.yaml", "number_matching: sometimes\n", ":1:", "number_matching"),
    ("bad-exception.yaml", "exceptions:\n  - control: MFA-006\n    owner: me\n", ":2:", "reason"),
]


@pytest.mark.parametrize(("name", "text", "line", "key"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_is_exit_2_naming_file_line_and_key(
    tmp_path: Path, name: str, text: str, line: str, key: str
) -> None:
    config = tmp_path / name
    config.write_text(text)
    result = run_cli(["audit", "--snapshot", str(FIXTURES / "compliant.json"), "--config", str(config)])
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"{config}{line}" in lines[0] and key in lines[0]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--format", "yaml"], "invalid value for --format"),
        (["--fail-on", "severe"], "--fail-on"),
        (["--number-matching", "maybe"], "--number-matching"),
        (["--break-glass-group", "a,b"], "one group id per option"),
    ],
)
def test_bad_options_are_exit_2(args: list[str], needle: str) -> None:
    code, _, err = invoke(["audit", "--snapshot", str(FIXTURES / "compliant.json"), *args])
    assert code == 2 and needle in err


def test_missing_snapshot_file_and_no_input() -> None:
    code, _, err = invoke(["audit", "--snapshot", "/nonexistent/policy.json"])
    assert code == 2 and "/nonexistent/policy.json" in err and "no such file" in err
    # Without --snapshot the audit is live; with no credential anywhere that is an auth failure (3),
    # and the message points at --snapshot for offline use.
    code, _, err = invoke(["audit"])
    assert code == 3 and "--snapshot" in err
