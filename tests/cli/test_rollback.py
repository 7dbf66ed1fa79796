"""`mfaguard rollback` end to end: the real CLI against the emulator over HTTPS, with a SQLite history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mfaguard.emulator import RunningEmulator
from tests.cli.fixtures import NORTH, cli_json, patches, store_args, stored
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e


def _pilot(server: RunningEmulator, tmp_path: Path) -> int:
    code, doc, err = cli_json(
        ["apply", "--baseline", "cis-l1", "--pilot-group", NORTH, "--yes", *store_args(tmp_path)], server
    )
    assert (code, doc["result"]) == (0, "pilot_applied"), err
    return int(doc["change_id"])


def test_rollback_to_a_change_and_undo_the_rollback(emulator_server: RunningEmulator, tmp_path: Path) -> None:
    emu = emulator_server.emulator
    original = stored(emu)
    change_id = _pilot(emulator_server, tmp_path)
    piloted = stored(emu)
    code, doc, err = cli_json(
        ["rollback", "--to", str(change_id), "--yes", *store_args(tmp_path)], emulator_server
    )
    assert (code, doc["result"], doc["verified"]) == (0, "rolled_back", True), err
    assert stored(emu) == original
    assert {c["path"].rsplit("/", 1)[1] for c in doc["changes"]} >= {"Sms", "Voice", "MicrosoftAuthenticator"}
    # The rollback is a change too: rolling back again (the newest) re-applies the pilot state.
    code, redo, err = cli_json(["rollback", "--yes", *store_args(tmp_path)], emulator_server)
    assert (code, redo["result"]) == (0, "rolled_back"), err
    assert stored(emu) == piloted
    history = json.loads(run_cli(["history", "changes", "--format", "json", *store_args(tmp_path)]).stdout)
    assert [c["status"] for c in history] == ["verified", "rolled_back", "rolled_back"]


def test_rollback_refuses_over_a_later_edit_unless_forced(
    emulator_server: RunningEmulator, tmp_path: Path
) -> None:
    emu = emulator_server.emulator
    original = stored(emu)
    _pilot(emulator_server, tmp_path)
    emu.edit_configuration("Voice", {"isOfficePhoneAllowed": False})
    emu.clear_requests()
    result = run_cli(["rollback", "--yes", *store_args(tmp_path)], env=emulator_server.env())
    assert result.returncode == 3
    assert "Voice was edited after change 1" in result.stderr and "--overwrite-concurrent" in result.stderr
    assert patches(emu) == []
    code, doc, err = cli_json(["rollback", "--yes", "--force", *store_args(tmp_path)], emulator_server)
    assert (code, doc["result"]) == (0, "rolled_back"), err
    assert stored(emu) == original


def test_nothing_to_roll_back_and_unknown_change_are_exit_2(
    emulator_server: RunningEmulator, tmp_path: Path
) -> None:
    result = run_cli(["rollback", "--yes", *store_args(tmp_path)], env=emulator_server.env())
    assert result.returncode == 2 and "no change to roll back" in result.stderr
    result = run_cli(["rollback", "--to", "42", "--yes", *store_args(tmp_path)], env=emulator_server.env())
    assert result.returncode == 2 and "change 42 does not exist" in result.stderr
    assert patches(emulator_server.emulator) == []
