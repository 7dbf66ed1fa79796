"""`mfaguard apply` end to end: the real CLI against the emulator over HTTPS, with a SQLite history."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from mfaguard.emulator import Emulator, RunningEmulator, running_emulator
from mfaguard.enforce.baseline import covered_controls, load_baseline
from tests.cli.fixtures import FIELD_OPS, LEGACY_PILOT, NORTH, cli_json, patches, store_args, stored
from tests.conftest import run_cli, spawn_cli

pytestmark = pytest.mark.e2e


def test_lockout_guard_refuses_and_writes_nothing(emulator_server: RunningEmulator, tmp_path: Path) -> None:
    result = run_cli(
        ["apply", "--baseline", "recommended", "--yes", *store_args(tmp_path)], env=emulator_server.env()
    )
    assert result.returncode == 3, result.stderr
    output = result.stdout + result.stderr
    # The users are listed once, above; the error line is short (issue 12, item 4).
    assert "lock-out guard: 11 user(s) would have no usable MFA method:" in output
    for upn in ("debra.berger@contoso.onmicrosoft.com", "pradeep.gupta@contoso.onmicrosoft.com"):
        assert output.count(upn) == 1, output
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error == [
        "error: refused: 11 users would lose their last usable method (listed above); --force to override"
        " — nothing was written; register another method for them first"
    ]
    assert len(error[0]) <= 200
    assert patches(emulator_server.emulator) == []


def test_apply_recommended_then_audit_then_rollback(emulator_server: RunningEmulator, tmp_path: Path) -> None:
    emu = emulator_server.emulator
    original = stored(emu)
    code, doc, err = cli_json(
        ["apply", "--baseline", "recommended", "--yes", "--force", *store_args(tmp_path)], emulator_server
    )
    assert code == 0, err
    assert (doc["result"], doc["verified"]) == ("applied", True)
    assert (
        isinstance(doc["change_id"], int) and len(doc["changes"]) == 15
    )  # 12 settings + 3 exclusions (exclusions: break_glass_only)
    assert doc["lockout"]["checked"] is True and len(doc["lockout"]["users"]) == 11
    sent = patches(emu)
    assert len(sent) == 5
    for entry in sent:
        assert "numberMatchingRequiredState" not in json.dumps(entry["body"])
        if "/authenticationMethodConfigurations/" in entry["path"]:
            assert entry["body"]["@odata.type"].startswith("#microsoft.graph.")
            assert entry["status"] == 204
    auth = emu.stored_configuration("MicrosoftAuthenticator")
    assert {t["id"]: t["authenticationMode"] for t in auth["includeTargets"]}[FIELD_OPS] == "push"

    audit = run_cli(["audit", "--format", "json"], env=emulator_server.env())
    findings = {f["control_id"]: f["status"] for f in json.loads(audit.stdout)["findings"]}
    covered = covered_controls(load_baseline("recommended").baseline)
    assert {c: findings[c] for c in covered} == dict.fromkeys(covered, "PASS")

    history = run_cli(["history", "changes", "--format", "json", *store_args(tmp_path)])
    assert history.returncode == 0, history.stderr
    assert doc["change_id"] in {c["id"] for c in json.loads(history.stdout)}

    emu.clear_requests()
    code, undone, err = cli_json(["rollback", "--yes", *store_args(tmp_path)], emulator_server)
    assert code == 0, err
    assert (undone["result"], undone["verified"]) == ("rolled_back", True)
    assert stored(emu) == original
    assert all("numberMatchingRequiredState" not in json.dumps(e["body"]) for e in patches(emu))

    # Nothing left to undo but the rollback itself; applying again gives the same verified result.
    code, again, err = cli_json(["plan", "--baseline", "recommended"], emulator_server)
    assert code == 0 and len(again["changes"]) == 15


def test_pilot_on_weak_then_widen(emulator_server: RunningEmulator, tmp_path: Path) -> None:
    emu = emulator_server.emulator
    code, doc, err = cli_json(
        ["apply", "--baseline", "recommended", "--pilot-group", NORTH, "--yes", *store_args(tmp_path)],
        emulator_server,
    )
    assert code == 0, err
    assert (doc["result"], doc["verified"]) == ("pilot_applied", True)
    features = emu.stored_configuration("MicrosoftAuthenticator")["featureSettings"]
    for name in ("displayAppInformationRequiredState", "displayLocationInformationRequiredState"):
        assert (features[name]["state"], features[name]["includeTarget"]["id"]) == ("enabled", NORTH)
    for method in ("Sms", "Voice"):
        config = emu.stored_configuration(method)
        assert config["state"] == "enabled"
        assert NORTH in [t["id"] for t in config["excludeTargets"]]
        assert [t["id"] for t in config["includeTargets"]] == ["all_users"]
    # The same pilot again: nothing to do. Widening (forced past the guard): everyone.
    code, doc, err = cli_json(
        ["apply", "--baseline", "recommended", "--pilot-group", NORTH, "--yes", *store_args(tmp_path)],
        emulator_server,
    )
    assert (code, doc["result"]) == (0, "no_changes"), err
    code, doc, err = cli_json(
        ["apply", "--baseline", "recommended", "--yes", "--force", *store_args(tmp_path)], emulator_server
    )
    assert (code, doc["result"], doc["verified"]) == (0, "applied", True), err
    features = emu.stored_configuration("MicrosoftAuthenticator")["featureSettings"]
    assert features["displayAppInformationRequiredState"]["includeTarget"]["id"] == "all_users"
    assert emu.stored_configuration("Sms")["state"] == "disabled"


def test_legacy_2022_number_matching_pilot_then_all_users(tmp_path: Path) -> None:
    baseline = tmp_path / "number-matching.yaml"
    baseline.write_text(
        "# The original procedure: number matching with app and location context, pilot first.\n"
        "authenticator:\n  number_matching: enabled\n  app_information: enabled\n  location_information: enabled\n",
        encoding="utf-8",
    )
    names = (
        "numberMatchingRequiredState",
        "displayAppInformationRequiredState",
        "displayLocationInformationRequiredState",
    )
    with running_emulator(Emulator("legacy-2022"), cert_dir=tmp_path / "tls") as server:
        emu = server.emulator
        args = [
            "apply",
            "--baseline",
            str(baseline),
            "--number-matching",
            "configurable",
            "--yes",
            *store_args(tmp_path),
        ]
        code, doc, err = cli_json([*args, "--pilot-group", LEGACY_PILOT], server)
        assert (code, doc["result"], doc["verified"]) == (0, "pilot_applied", True), err
        features = emu.stored_configuration("MicrosoftAuthenticator")["featureSettings"]
        assert {
            n: (features[n]["state"], features[n]["includeTarget"]["id"]) for n in names
        } == dict.fromkeys(names, ("enabled", LEGACY_PILOT))
        code, doc, err = cli_json(args, server)
        assert (code, doc["result"], doc["verified"]) == (0, "applied", True), err
        features = emu.stored_configuration("MicrosoftAuthenticator")["featureSettings"]
        assert {
            n: (features[n]["state"], features[n]["includeTarget"]["id"]) for n in names
        } == dict.fromkeys(names, ("enabled", "all_users"))
        # Verified by GET as the procedure says: the last request for the object is a GET showing it.
        last = list(emu.requests(path_contains="MicrosoftAuthenticator"))[-1]
        assert last["method"] == "GET"


def test_without_yes_and_without_a_terminal_nothing_is_written(
    emulator_server: RunningEmulator, tmp_path: Path
) -> None:
    result = run_cli(
        ["apply", "--baseline", "cis-l1", "--pilot-group", NORTH, *store_args(tmp_path)],
        env=emulator_server.env(),
        input="",
    )
    assert result.returncode == 2, result.stderr
    assert "cannot ask" in result.stderr and "--yes" in result.stderr
    assert patches(emulator_server.emulator) == []


def _kill_after_first_patch(server: RunningEmulator, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(e["status"] == 204 for e in patches(server.emulator)):
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            return
        if proc.poll() is not None:
            pytest.fail(
                f"apply finished before it could be killed: {proc.stderr.read() if proc.stderr else ''}"
            )
        time.sleep(0.01)
    proc.kill()
    pytest.fail("no PATCH within 60 s")


@pytest.mark.slow
@pytest.mark.parametrize("recover_with", ["rollback", "apply"])
def test_killed_mid_apply_is_restored_by_the_next_command(
    emulator_server: RunningEmulator, tmp_path: Path, recover_with: str
) -> None:
    emu = emulator_server.emulator
    original = stored(emu)
    emu.set_latency(300)  # slow enough to kill between two PATCHes
    proc = spawn_cli(
        ["apply", "--baseline", "recommended", "--yes", "--force", *store_args(tmp_path)],
        emulator_server.env(),
    )
    _kill_after_first_patch(emulator_server, proc)
    assert proc.returncode == -signal.SIGKILL
    assert stored(emu) != original  # half-applied
    emu.set_latency(0)
    history = run_cli(["history", "changes", "--format", "json", *store_args(tmp_path)])
    assert [c["status"] for c in json.loads(history.stdout)] == ["pending"]
    if recover_with == "rollback":
        code, doc, err = cli_json(["rollback", "--yes", *store_args(tmp_path)], emulator_server)
        assert (code, doc["result"], doc["verified"]) == (0, "rolled_back", True), err
        assert stored(emu) == original
    else:
        code, doc, err = cli_json(
            ["apply", "--baseline", "cis-l1", "--yes", "--force", *store_args(tmp_path)], emulator_server
        )
        assert code == 0, err
        assert any("restored interrupted change" in n for n in doc["notes"])
        assert doc["result"] == "applied" and doc["verified"]


def test_two_second_eventual_consistency_still_verifies(
    emulator_server: RunningEmulator, tmp_path: Path
) -> None:
    emulator_server.emulator.set_consistency_delay(2.0)
    started = time.monotonic()
    code, doc, err = cli_json(
        ["apply", "--baseline", "cis-l1", "--pilot-group", NORTH, "--yes", *store_args(tmp_path)],
        emulator_server,
    )
    assert (code, doc["result"], doc["verified"]) == (0, "pilot_applied", True), err
    assert time.monotonic() - started >= 2.0
    assert {o["status"] for o in doc["objects"]} == {"verified"}


def test_concurrent_edit_between_plan_and_patch_stops_without_writing(
    emulator_server: RunningEmulator, tmp_path: Path
) -> None:
    emu = emulator_server.emulator
    # The emulator's script: someone edits Voice right when apply re-reads the policy before writing.
    emu.add_fault(
        kind="edit",
        nth=2,
        method="GET",
        path="/authenticationMethodsPolicy$",
        edit={"configuration": "Voice", "body": {"isOfficePhoneAllowed": False}},
    )
    code, doc, err = cli_json(
        ["apply", "--baseline", "cis-l1", "--pilot-group", NORTH, "--yes", *store_args(tmp_path)],
        emulator_server,
    )
    assert (code, doc["result"], doc["verified"]) == (3, "failed", False), err
    assert "Voice changed since the plan" in doc["message"] and "nothing was written" in doc["message"]
    assert patches(emu) == []


def test_second_of_three_patches_failing_restores_the_first(
    emulator_server: RunningEmulator, tmp_path: Path
) -> None:
    emu = emulator_server.emulator
    original = stored(emu)
    baseline = tmp_path / "phones-off.yaml"
    baseline.write_text("sms: disabled\nvoice: disabled\nemail: disabled\n", encoding="utf-8")
    emu.add_fault(kind="status", status=500, method="PATCH", nth=2)
    code, doc, err = cli_json(
        ["apply", "--baseline", str(baseline), "--yes", "--force", *store_args(tmp_path)], emulator_server
    )
    assert (code, doc["result"]) == (3, "failed"), err
    assert [o["status"] for o in doc["objects"]] == ["restored", "unchanged", "not_written"]
    assert [e["path"].rsplit("/", 1)[1] for e in patches(emu)] == ["Sms", "Voice", "Sms"]
    assert stored(emu) == original
