"""Exit codes that tell the truth (issue 12, item 5), through the real CLI.

- an empty sign-in export is "no usable record", exit 2 (a failed export must not pass CI);
- every bad option value is a usage error, exit 2, in one wording across commands;
- answering "n" at a confirmation prompt changes nothing and is not a failure: exit 0;
- a garbage MFAGUARD_ACCESS_TOKEN is never "✓ token obtained".
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mfaguard.emulator import RunningEmulator
from tests.conftest import SRC, run_cli

pytestmark = pytest.mark.e2e

ONE_WORDING = re.compile(r"^error: invalid value for (--[a-z-]+): '([^']*)' — \S.*$")


@pytest.mark.parametrize("body", ["[]", '{"value": []}', ""])
def test_an_empty_signin_export_is_no_usable_record(tmp_path: Path, body: str) -> None:
    export = tmp_path / "signins.json"
    export.write_text(body, encoding="utf-8")
    result = run_cli(["detect", "--signins", str(export)])
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "no usable record" in result.stderr
    assert "No MFA fatigue alerts" not in result.stdout


@pytest.mark.parametrize(
    ("args", "option", "value"),
    [
        (["doctor", "--format", "nonsense"], "--format", "nonsense"),
        (["audit", "--snapshot", "x.json", "--format", "nonsense"], "--format", "nonsense"),
        (["audit", "--snapshot", "x.json", "--fail-on", "sometimes"], "--fail-on", "sometimes"),
        (["audit", "--cloud", "mars"], "--cloud", "mars"),
        (["plan", "--baseline", "recommended", "--format", "yaml"], "--format", "yaml"),
        (["apply", "--baseline", "recommended", "--format", "yaml"], "--format", "yaml"),
        (["rollback", "--format", "yaml"], "--format", "yaml"),
        (["rollback", "--to", "latest"], "--to", "latest"),
        (["coverage", "--format", "pdf"], "--format", "pdf"),
        (["coverage", "--below", "strong"], "--below", "strong"),
        (["explain", "someone@example.com", "--format", "pdf"], "--format", "pdf"),
        (["detect", "--signins", "x.json", "--format", "pdf"], "--format", "pdf"),
        (["detect", "--signins", "x.json", "--since", "yesterday"], "--since", "yesterday"),
        (["history", "runs", "--format", "pdf"], "--format", "pdf"),
        (["history", "runs", "--kind", "everything"], "--kind", "everything"),
        (["history", "runs", "--limit", "0"], "--limit", "0"),
        (["store", "prune", "--older-than", "forever"], "--older-than", "forever"),
        (["fleet", "audit", "--config", "fleet.yaml", "--fail-on", "sometimes"], "--fail-on", "sometimes"),
        (["watch", "--config", "fleet.yaml", "--every", "soon"], "--every", "soon"),
        (["emulator", "--scenario", "no-such-scenario"], "--scenario", "no-such-scenario"),
        (["demo", "--step", "everything"], "--step", "everything"),
    ],
)
def test_every_bad_option_value_is_a_usage_error_in_one_wording(
    tmp_path: Path, args: list[str], option: str, value: str
) -> None:
    (tmp_path / "x.json").write_text("[]", encoding="utf-8")
    (tmp_path / "fleet.yaml").write_text("tenants: []\n", encoding="utf-8")
    result = run_cli(args, cwd=tmp_path, env={"MFAGUARD_ACCESS_TOKEN": "unused"})
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    match = ONE_WORDING.match(lines[0])
    assert match, lines[0]
    assert match.groups() == (option, value)


def _run_on_a_terminal(args: list[str], env: dict[str, str], answer: str) -> tuple[int, str, str]:
    """Run the CLI with standard input on a pseudo-terminal and type ``answer`` at its prompt."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MFAGUARD_")}
    full_env.update(env)
    full_env["PYTHONPATH"] = str(SRC)
    full_env["NO_COLOR"] = "1"
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mfaguard", *args],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
            text=True,
        )
        os.write(leader, answer.encode())
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(leader)
        os.close(follower)
    return proc.returncode, out, err


def test_declining_the_confirmation_prompt_changes_nothing_and_exits_0(
    emulator_server: RunningEmulator, tmp_path: Path
) -> None:
    emu = emulator_server.emulator
    store = f"sqlite:///{tmp_path / 'history.db'}"
    code, out, err = _run_on_a_terminal(
        ["apply", "--baseline", "recommended", "--force", "--store", store], emulator_server.env(), "n\n"
    )
    assert "Apply these" in err  # the question was asked
    assert code == 0, (out, err)
    assert "nothing changed" in err
    assert "could not finish" not in err and "error:" not in err
    assert emu.requests(method="PATCH") == []


def test_doctor_with_a_garbage_token_does_not_claim_a_token(emulator_server: RunningEmulator) -> None:
    env = {**emulator_server.env(), "MFAGUARD_ACCESS_TOKEN": "garbage"}
    result = run_cli(["doctor"], env=env)
    assert result.returncode == 3, result.stdout
    assert "✓ │ token obtained" not in result.stdout
    assert "✗ │ token obtained" in result.stdout
    document = json.loads(run_cli(["doctor", "--format", "json"], env=env).stdout)
    token = next(c for c in document["checks"] if c["name"] == "token obtained")
    assert token["ok"] is False and "refused the token" in token["detail"]
    assert document["ok"] is False
