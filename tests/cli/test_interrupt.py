"""Ctrl-C during ``apply`` (issue 12, item 1): the real CLI against ``mfaguard emulator`` (both real
processes, over a socket), the signal sent once the first PATCH has landed, as the emulator's request
log (its control plane) shows.

- one SIGINT (or SIGTERM): the request in flight finishes, what was written is restored and verified,
  and the CLI says "interrupted: restored … to their state before change 1" (exit 3);
- a second SIGINT during that restore: it stops, names what is left and `mfaguard rollback --to 1`;
  `audit` and `plan` then warn about the unfinished change; the next `apply` restores it first by the
  rollback rule — an object someone else edited since is left alone unless --overwrite-concurrent,
  which --force (the lock-out guard's) does not imply.
"""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mfaguard.enforce.body import comparable
from tests.conftest import run_cli, spawn_cli

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LATENCY_MS = 300
"""Per Graph request: slow enough to signal between two PATCHes."""


@dataclass
class EmulatorProcess:
    """``mfaguard emulator`` in its own process, reached over HTTPS; its control plane under /_emulator/."""

    proc: subprocess.Popen[str]
    env: dict[str, str]
    http: httpx.Client

    def patches(self) -> list[dict[str, Any]]:
        answer = self.http.get("/_emulator/requests", params={"method": "PATCH"})
        answer.raise_for_status()
        return [e for e in answer.json()["value"] if e["status"] == 204]

    def stored(self) -> Any:
        """The policy as the service stores it (root and configurations), comparable."""
        body = self.http.get("/_emulator/policy").json()
        root = {k: v for k, v in body.items() if k != "authenticationMethodConfigurations"}
        configs = body.get("authenticationMethodConfigurations") or body.get("configs") or []
        return comparable(root, is_policy=True), {c["id"]: comparable(c, is_policy=False) for c in configs}


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    tls = str(tmp_path / "tls")
    proc = spawn_cli(["emulator", "--scenario", "weak", "--latency-ms", str(LATENCY_MS), "--cert-dir", tls])
    try:
        exports: dict[str, str] = {}
        assert proc.stdout is not None
        while len(exports) < 8:
            line = proc.stdout.readline()
            assert line.startswith("export "), line or (proc.stderr.read() if proc.stderr else "")
            name, _, value = line[len("export ") :].strip().partition("=")
            exports[name] = value.strip("'")
        ca = ssl.create_default_context(cafile=exports["MFAGUARD_CA_BUNDLE"])
        with httpx.Client(base_url=exports["MFAGUARD_GRAPH_ENDPOINT"], verify=ca, timeout=60) as http:
            yield EmulatorProcess(proc, exports, http)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def _await_patches(emulator: EmulatorProcess, proc: subprocess.Popen[str], count: int) -> None:
    """Wait until ``count`` PATCHes have landed (204 in the emulator's request log)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(emulator.patches()) >= count:
            return
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"apply ended before PATCH {count} landed: {out}\n{err}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail(f"PATCH {count} never landed")


def _store(tmp_path: Path) -> list[str]:
    return ["--store", f"sqlite:///{tmp_path / 'history.db'}"]


def _changes(tmp_path: Path) -> list[dict[str, Any]]:
    result = run_cli(["history", "changes", "--format", "json", *_store(tmp_path)])
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))


APPLY = ["apply", "--baseline", "recommended", "--yes", "--force"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_restores_what_was_written_and_says_so(
    emulator: EmulatorProcess, tmp_path: Path, sig: signal.Signals
) -> None:
    original = emulator.stored()
    proc = spawn_cli([*APPLY, *_store(tmp_path)], emulator.env)
    _await_patches(emulator, proc, 1)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, (out, err)
    said = [line for line in (out + err).splitlines() if line.startswith("interrupted")]
    assert len(said) == 1, out + err
    assert said[0].startswith("interrupted: restored MicrosoftAuthenticator")
    assert said[0].endswith("to their state before change 1")
    assert f"{sig.name}: finishing the request in flight" in err
    assert "Traceback" not in err
    assert emulator.stored() == original  # every object is back as it was
    written = [p["path"] for p in emulator.patches()]
    assert all(written.count(path) == 2 for path in written)  # each one written once, restored once
    assert [c["status"] for c in _changes(tmp_path)] == ["failed"]  # nothing left pending


def test_a_second_interrupt_stops_the_restore_and_the_next_commands_follow_the_rollback_rule(
    emulator: EmulatorProcess, tmp_path: Path
) -> None:
    original = emulator.stored()
    proc = spawn_cli([*APPLY, *_store(tmp_path)], emulator.env)
    _await_patches(emulator, proc, 2)  # MicrosoftAuthenticator and Sms written
    proc.send_signal(signal.SIGINT)
    _await_patches(emulator, proc, 3)  # the restore of Sms landed: interrupt the restore
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, (out, err)
    assert (
        "interrupted again while restoring: restored Sms; NOT restored MicrosoftAuthenticator — "
        "finish with `mfaguard rollback --to 1`"
    ) in out
    assert emulator.stored() != original
    assert [c["status"] for c in _changes(tmp_path)] == ["pending"]

    # audit and plan warn about the unfinished change.
    for command in (["audit"], ["plan", "--baseline", "recommended"]):
        result = run_cli([*command, *_store(tmp_path)], env=emulator.env)
        assert "warning: change 1 (apply, started" in result.stderr, result.stderr
        assert "`mfaguard rollback --to 1` restores it" in result.stderr

    # Someone else edits MicrosoftAuthenticator meanwhile: the next apply must not overwrite that edit,
    # and --force (the lock-out guard's) does not change that.
    kiosk = {"targetType": "group", "id": "6b524170-2b37-510e-85fc-2ce4657a1456"}
    edit = {"configuration": "MicrosoftAuthenticator", "body": {"excludeTargets": [kiosk]}}
    assert emulator.http.post("/_emulator/edit", json=edit).status_code == 200
    edited = emulator.stored()
    before = len(emulator.patches())
    refused = run_cli([*APPLY, *_store(tmp_path)], env=emulator.env)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "MicrosoftAuthenticator was edited after change 1" in refused.stderr
    assert "--overwrite-concurrent" in refused.stderr
    assert len(emulator.patches()) == before and emulator.stored() == edited  # nothing written

    # Asked to, it restores the change first (overwriting that edit), then applies.
    forced = run_cli(
        [*APPLY, "--overwrite-concurrent", "--format", "json", *_store(tmp_path)], env=emulator.env
    )
    assert forced.returncode == 0, forced.stdout + forced.stderr
    document = json.loads(forced.stdout)
    assert any("restored interrupted change 1" in note for note in document["notes"])
    assert (document["result"], document["verified"]) == ("applied", True)
    statuses = {c["id"]: c["status"] for c in _changes(tmp_path)}
    assert statuses[1] == "rolled_back" and "pending" not in statuses.values()


def test_rollback_finishes_what_a_second_interrupt_left(emulator: EmulatorProcess, tmp_path: Path) -> None:
    original = emulator.stored()
    proc = spawn_cli([*APPLY, *_store(tmp_path)], emulator.env)
    _await_patches(emulator, proc, 2)
    proc.send_signal(signal.SIGINT)
    _await_patches(emulator, proc, 3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert "`mfaguard rollback --to 1`" in out, out + err
    finish = run_cli(["rollback", "--to", "1", "--yes", *_store(tmp_path)], env=emulator.env)
    assert finish.returncode == 0, finish.stdout + finish.stderr
    assert emulator.stored() == original
