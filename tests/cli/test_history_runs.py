"""Single-tenant runs are kept in the history store (issue 12, item 6), through the real CLI.

audit, plan, apply, coverage and detect against the emulator each leave a run: in the default SQLite
file (here under the test's private XDG_DATA_HOME), in ``--store``, in ``MFAGUARD_STORE``; ``--no-store``
leaves none. ``history`` takes ``--config`` (the fleet file's store) and always says which store it read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from mfaguard.emulator import RunningEmulator
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e


def runs(*args: str, env: dict[str, str] | None = None) -> tuple[list[dict[str, Any]], str]:
    result = run_cli(["history", "runs", "--format", "json", *args], env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def test_every_live_command_records_a_run_in_the_default_store(emulator_server: RunningEmulator) -> None:
    env = emulator_server.env()
    default = Path(os.environ["XDG_DATA_HOME"]) / "mfaguard" / "history.db"
    assert run_cli(["audit", "--format", "json"], env=env).returncode == 1
    assert run_cli(["plan", "--baseline", "recommended"], env=env).returncode == 0
    assert run_cli(["coverage", "--format", "json"], env=env).returncode == 1
    assert run_cli(["detect", "--format", "json"], env=env).returncode == 1
    assert (
        run_cli(["apply", "--baseline", "cis-l1", "--yes", "--force", "--format", "json"], env=env).returncode
        == 0
    )
    recorded, said = runs()
    assert f"store: sqlite:///{default}" in said
    tenant = env["AZURE_TENANT_ID"].lower()
    assert [(r["kind"], r["status"], r["tenant"]) for r in recorded] == [
        ("apply", "ok", tenant),
        ("detect", "ok", tenant),
        ("coverage", "ok", tenant),
        ("plan", "ok", tenant),
        ("audit", "ok", tenant),
    ]
    audit = recorded[-1]["summary"]
    assert audit["FAIL"] > 0 and audit["total"] > 0
    alerts = run_cli(["history", "alerts", "--format", "json"])
    assert alerts.returncode == 0 and json.loads(alerts.stdout)  # the push-spam attack is kept
    changes = json.loads(run_cli(["history", "changes", "--format", "json"]).stdout)
    assert recorded[0]["summary"]["change_id"] == changes[0]["id"]


def test_store_option_environment_and_no_store(emulator_server: RunningEmulator, tmp_path: Path) -> None:
    env = emulator_server.env()
    by_option = f"sqlite:///{tmp_path / 'option.db'}"
    by_env = f"sqlite:///{tmp_path / 'env.db'}"
    assert run_cli(["audit", "--store", by_option], env=env).returncode == 1
    assert run_cli(["audit"], env={**env, "MFAGUARD_STORE": by_env}).returncode == 1
    assert run_cli(["audit", "--no-store"], env=env).returncode == 1
    assert (
        run_cli(["plan", "-b", "recommended", "--no-store"], env={**env, "MFAGUARD_STORE": by_env}).returncode
        == 0
    )
    assert [r["kind"] for r in runs("--store", by_option)[0]] == ["audit"]
    assert [r["kind"] for r in runs(env={"MFAGUARD_STORE": by_env})[0]] == ["audit"]
    nothing, said = runs()  # the default store: --no-store wrote nothing there
    assert nothing == [] and "store: sqlite:///" in said


def test_history_reads_the_fleet_files_store_and_says_so(tmp_path: Path) -> None:
    fleet_store = tmp_path / "fleet.db"
    config = tmp_path / "mfaguard.yaml"
    config.write_text(
        f"store: sqlite:///{fleet_store}\n"
        "tenants:\n"
        "  - name: contoso\n"
        "    tenant_id: 00000000-0000-0000-0000-000000000001\n"
        "    credential: {type: token, env: CONTOSO_TOKEN}\n",
        encoding="utf-8",
    )
    from mfaguard.store import open_store

    with open_store(f"sqlite:///{fleet_store}") as store:
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        store.record_completed_run("contoso", "audit", started_at=now, finished_at=now)
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    # --config beats MFAGUARD_STORE (the fleet file decides, as in `mfaguard fleet`); --store beats both.
    recorded, said = runs("--config", str(config), env={"MFAGUARD_STORE": elsewhere})
    assert [r["tenant"] for r in recorded] == ["contoso"]
    assert said.strip() == f"store: sqlite:///{fleet_store}"
    recorded, said = runs("--config", str(config), "--store", elsewhere)
    assert recorded == [] and said.strip() == f"store: {elsewhere}"
    table = run_cli(["history", "changes", "--config", str(config)])
    assert table.returncode == 0 and f"store: sqlite:///{fleet_store}" in table.stderr
