"""`mfaguard watch` as a process: a fast schedule, no overlap, one per store, clean stop on SIGTERM."""

from __future__ import annotations

import itertools
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from mfaguard.emulator import RunningEmulator
from tests.cli.fixtures import write_fleet
from tests.conftest import run_cli, spawn_cli

pytestmark = pytest.mark.e2e


def _watch_runs(store_url: str) -> list[Any]:
    from mfaguard.store import open_store

    with open_store(store_url) as store:
        return [r for r in store.list_runs(kind="audit", limit=None) if r.trigger == "watch"]


def test_watch_runs_on_schedule_refuses_a_second_and_stops_on_sigterm(
    emulator_server: RunningEmulator, tmp_path: Path
) -> None:
    emu = emulator_server.emulator
    second = emu.add_tenant("compliant")
    file = write_fleet(
        tmp_path / "mfaguard.yaml",
        emulator_server,
        [("contoso", emu.default_tenant.id, "FLEET_SECRET"), ("fabrikam", second.id, "FLEET_SECRET")],
    )
    store_url = f"sqlite:///{tmp_path / 'history.db'}"
    env = {"FLEET_SECRET": emu.default_secret}
    watcher = spawn_cli(["watch", "--config", str(file), "--every", "1s"], env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_watch_runs(store_url)) < 6:
            assert watcher.poll() is None, watcher.communicate()[1]
            time.sleep(0.3)
        runs = _watch_runs(store_url)
        assert len(runs) >= 6, "three scheduled runs of two tenants did not happen in time"

        other = run_cli(["watch", "--config", str(file), "--every", "1s"], env=env, timeout=60)
        assert other.returncode == 3
        assert "another mfaguard watch is already running" in other.stderr

        watcher.send_signal(signal.SIGTERM)
        _out, err = watcher.communicate(timeout=60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.communicate()
    assert watcher.returncode == 0, err
    assert "SIGTERM received" in err and "stopped after" in err
    assert "Traceback" not in err
    # Never overlapping: each tenant's scheduled runs follow one another.
    runs = _watch_runs(store_url)
    for tenant in ("contoso", "fabrikam"):
        mine = sorted((r for r in runs if r.tenant == tenant), key=lambda r: r.started_at)
        assert len(mine) >= 3
        for before, after in itertools.pairwise(mine):
            assert before.finished_at is not None and before.finished_at <= after.started_at
    assert all(r.finished_at is not None for r in runs)  # the tenant in flight finished
    from mfaguard.store import open_store

    with open_store(store_url) as store:
        assert store.get_lock("watch") is None
    # Free again: a new watcher may start (and is stopped at once by --max-runs).
    again = run_cli(["watch", "--config", str(file), "--every", "1s", "--max-runs", "1"], env=env, timeout=60)
    assert again.returncode == 0, again.stderr


def test_watch_without_a_schedule_is_a_config_error(emulator_server: RunningEmulator, tmp_path: Path) -> None:
    emu = emulator_server.emulator
    file = write_fleet(tmp_path / "mfaguard.yaml", emulator_server, [("contoso", emu.default_tenant.id, "S")])
    result = run_cli(["watch", "--config", str(file)], env={"S": emu.default_secret})
    assert result.returncode == 2
    assert "schedule" in result.stderr
