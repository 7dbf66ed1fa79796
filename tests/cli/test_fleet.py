"""`mfaguard fleet ...`: the real CLI against the emulator over HTTPS, credentials from the fleet file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from mfaguard.emulator import RunningEmulator
from tests.cli.fixtures import write_fleet
from tests.conftest import run_cli
from tests.fleet.helpers import disable_location

pytestmark = pytest.mark.e2e


@pytest.fixture
def fleet(emulator_server: RunningEmulator, tmp_path: Path) -> tuple[Path, dict[str, str], Any]:
    emu = emulator_server.emulator
    compliant = emu.add_tenant("compliant")
    legacy = emu.add_tenant("legacy-2022")
    weak = emu.default_tenant
    file = write_fleet(
        tmp_path / "mfaguard.yaml",
        emulator_server,
        [
            ("contoso", weak.id, "FLEET_SECRET"),
            ("fabrikam", compliant.id, "FLEET_SECRET"),
            ("tailspin", legacy.id, "FLEET_SECRET"),
        ],
    )
    # Stray MFAGUARD_* variables must not redirect a fleet run (the file alone decides).
    env = {
        "FLEET_SECRET": emu.default_secret,
        "MFAGUARD_GRAPH_ENDPOINT": "https://graph.invalid.example",
        "MFAGUARD_ACCESS_TOKEN": "not-a-token",
    }
    return file, env, compliant


def test_fleet_audit_json_follows_the_contract(fleet: Any) -> None:
    file, env, _ = fleet
    result = run_cli(["fleet", "audit", "--config", str(file), "--format", "json"], env=env)
    assert result.returncode == 1, result.stderr  # weak and legacy tenants FAIL at medium
    doc = json.loads(result.stdout)
    assert {"schema_version", "tenants"} <= set(doc)
    by_name = {t["name"]: t for t in doc["tenants"]}
    assert set(by_name) == {"contoso", "fabrikam", "tailspin"}
    for entry in by_name.values():
        assert entry["status"] == "ok" and entry["error"] is None
        assert entry["summary"]["PASS"] + entry["summary"]["FAIL"] > 0
        assert {"control_id", "title", "status", "severity", "detail", "references", "exception"} <= set(
            entry["findings"][0]
        )
    assert by_name["fabrikam"]["summary"]["FAIL"] == 0
    assert "fleet audit" in result.stderr  # the summary table on stderr
    assert "Traceback" not in result.stderr


def test_drift_between_two_cli_runs(fleet: Any, emulator_server: RunningEmulator) -> None:
    file, env, compliant = fleet
    first = run_cli(
        ["fleet", "audit", "--config", str(file), "--format", "json", "--tenant", "fabrikam"], env=env
    )
    assert first.returncode == 0, first.stderr
    disable_location(emulator_server.emulator, compliant.id)
    second = run_cli(
        ["fleet", "audit", "--config", str(file), "--format", "json", "--tenant", "fabrikam"], env=env
    )
    assert second.returncode == 1
    (entry,) = json.loads(second.stdout)["tenants"]
    drift = {
        (d["control_id"], d["field"], d["before"], d["after"])
        for d in entry["drift"]
        if d["field"] == "status"
    }
    assert drift == {("MFA-004", "status", "PASS", "FAIL")}
    history = run_cli(["history", "--help"], env=env)
    assert history.returncode == 0


def test_a_bad_secret_is_reported_and_exit_code_is_3(
    emulator_server: RunningEmulator, tmp_path: Path
) -> None:
    emu = emulator_server.emulator
    other = emu.add_tenant("compliant")
    file = write_fleet(
        tmp_path / "mfaguard.yaml",
        emulator_server,
        [("good", other.id, "GOOD_SECRET"), ("bad", emu.default_tenant.id, "BAD_SECRET")],
    )
    env = {"GOOD_SECRET": emu.default_secret, "BAD_SECRET": "wrong-secret-value"}
    result = run_cli(["fleet", "audit", "--config", str(file), "--format", "json"], env=env)
    assert result.returncode == 3, result.stderr
    by_name = {t["name"]: t for t in json.loads(result.stdout)["tenants"]}
    assert by_name["good"]["status"] == "ok"
    assert by_name["bad"]["status"] == "error"
    assert by_name["bad"]["summary"] is None and by_name["bad"]["findings"] == []
    assert "could not get a token" in by_name["bad"]["error"]
    assert "wrong-secret-value" not in result.stdout + result.stderr
    # --tag picks tenants; the broken one alone still exits 3, the good one alone 0.
    only_good = run_cli(
        ["fleet", "audit", "--config", str(file), "--tag", "gold", "--format", "json"], env=env
    )
    assert only_good.returncode == 0, only_good.stderr
    assert [t["name"] for t in json.loads(only_good.stdout)["tenants"]] == ["good"]


def test_csv_has_a_tenant_column(fleet: Any) -> None:
    file, env, _ = fleet
    result = run_cli(["fleet", "audit", "--config", str(file), "--format", "csv"], env=env)
    assert result.returncode == 1, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["tenant"] for r in rows} == {"contoso", "fabrikam", "tailspin"}


def test_fleet_plan_writes_nothing(fleet: Any, emulator_server: RunningEmulator) -> None:
    file, env, _ = fleet
    result = run_cli(["fleet", "plan", "--config", str(file), "--format", "json"], env=env)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    plans = {t["name"]: t["plan"] for t in doc["tenants"]}
    assert plans["contoso"]["objects"]  # the weak tenant needs changes
    assert emulator_server.emulator.requests(method="PATCH") == []


def test_usage_and_config_errors_exit_2(fleet: Any, tmp_path: Path) -> None:
    file, env, _ = fleet
    unknown = run_cli(["fleet", "audit", "--config", str(file), "--tenant", "nope"], env=env)
    assert unknown.returncode == 2 and "no tenant named 'nope'" in unknown.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        file.read_text(encoding="utf-8").replace("secret_env: FLEET_SECRET", "secret: hunter2hunter2", 1)
    )
    result = run_cli(["fleet", "audit", "--config", str(bad)], env=env)
    assert result.returncode == 2
    assert "bad.yaml:" in result.stderr and "hunter2" not in result.stderr
    apply = run_cli(["fleet", "apply", "--config", str(file)], env=env)
    assert apply.returncode == 2 and "--yes" in apply.stderr


def test_fleet_apply_lockout_refusal_is_one_short_cell(fleet: Any) -> None:
    file, env, _ = fleet
    args = ["fleet", "apply", "--config", str(file), "--tenant", "contoso", "--yes", "--no-pilot"]
    table = run_cli(args, env=env)
    assert table.returncode == 3, table.stderr
    cell = "lock-out guard refused: 11 users would lose their last usable method; --force to override"
    assert cell in table.stdout.replace("\n", " ") or cell in table.stdout
    assert "debra.berger" not in table.stdout  # users are not repeated in the table
    contoso = [line for line in table.stdout.splitlines() if "contoso" in line or "lock-out" in line]
    assert len(contoso) <= 2, table.stdout  # the row, at most wrapped once at 200 columns
    doc = json.loads(run_cli([*args, "--format", "json"], env=env).stdout)
    entry = next(t for t in doc["tenants"] if t["name"] == "contoso")
    assert entry["error"] == cell
    assert len(entry["lockout"]["users"]) == 11
