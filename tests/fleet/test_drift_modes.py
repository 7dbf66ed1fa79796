"""Drift between two runs in report, alert and remediate mode, against the in-process emulator."""

from __future__ import annotations

from typing import Any

import pytest

from mfaguard.fleet.model import Mode
from mfaguard.fleet.runner import run_fleet
from mfaguard.notify import WebhookTarget
from tests.fleet.helpers import LOCATION, Recorder, WebhookReceiver, disable_location, make_fleet

HOOK = WebhookTarget(type="webhook", name="ops-hook", url_env="FLEET_TEST_HOOK_URL")


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Any:
    hook = WebhookReceiver()
    monkeypatch.setenv("FLEET_TEST_HOOK_URL", hook.url)
    yield hook
    hook.close()


def _three_runs(mode: Mode, store: Any, factory: Any = None, policy: Any = None) -> tuple[Any, list[Any]]:
    fleet = make_fleet(("compliant", "weak"), per_scenario=2, mode=mode, notifications=[HOOK])
    runner = fleet.runner(store, notifier_factory=factory)
    runner.dispatcher.policy = policy
    outcomes = [run_fleet(runner)]
    disable_location(fleet.emulator, fleet.tenants[1].tenant_id)
    outcomes.append(run_fleet(runner))
    outcomes.append(run_fleet(runner))
    return fleet, outcomes


def test_report_mode_records_drift_once_and_tells_nobody(fleet_store: Any) -> None:
    recorder = Recorder()
    fleet, (first, second, third) = _three_runs(Mode.REPORT, fleet_store, recorder)
    assert first.counts()["drift"] == 0
    drifted = {t.tenant.name: t.drift for t in second.tenants if t.drift}
    assert list(drifted) == ["t1"]
    fields = [(c.control_id, c.field, c.before, c.after) for c in drifted["t1"]]
    assert ("MFA-004", "status", "PASS", "FAIL") in fields
    assert ("MFA-004", "evidence.state", "enabled", "disabled") in fields
    assert third.counts()["drift"] == 0  # the same state again is not new drift
    stored = fleet_store.list_drift(tenant="t1")
    assert {(d.control_id, d.before, d.after) for d in stored} >= {("MFA-004", "PASS", "FAIL")}
    assert all(d.notified_at is None for d in stored)
    assert recorder.sent == []
    # The tenant stays in drift: nothing changed it back.
    config = fleet.emulator.stored_configuration("MicrosoftAuthenticator", fleet.tenants[1].tenant_id)
    assert config["featureSettings"][LOCATION]["state"] == "disabled"


def test_alert_mode_notifies_once_per_new_drift(fleet_store: Any, receiver: WebhookReceiver) -> None:
    _fleet, (_first, second, third) = _three_runs(Mode.ALERT, fleet_store)
    assert len(receiver.received) == 1, receiver.received
    (message,) = receiver.received
    assert message["kind"] == "drift" and message["tenant"] == "t1"
    # MFA-004 got worse: the message carries that control's own severity.
    from mfaguard.controls import CONTROLS

    assert message["severity"] == next(c.severity.value for c in CONTROLS if c.id == "MFA-004")
    drift = {(d["control_id"], d["field"], d["before"], d["after"]) for d in message["data"]["drift"]}
    assert ("MFA-004", "status [MicrosoftAuthenticator]", "PASS", "FAIL") in drift
    assert second.counts()["notified"] == 1 and third.counts()["notified"] == 0
    assert second.deliveries["sent"] == 1
    assert all(d.notified_at is not None for d in fleet_store.list_drift(tenant="t1"))
    (record,) = [n for n in fleet_store.list_notifications() if n.target == "ops-hook"]
    assert record.status == "sent"
    # Another process comparing the same runs would not send it again.
    assert fleet_store.claim_notification(message["dedupe_key"], "ops-hook") is False


def test_a_dead_webhook_never_fails_the_run_and_is_retried_later(
    fleet_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("FLEET_TEST_HOOK_URL", f"http://127.0.0.1:{port}/hook")
    from mfaguard.notify import DeliveryPolicy

    policy = DeliveryPolicy(attempts=2, first_delay=0.01, deadline=5)
    _fleet, (_first, second, third) = _three_runs(Mode.ALERT, fleet_store, policy=policy)
    assert [t.status for t in second.tenants] == ["ok"] * 4
    (record,) = [n for n in fleet_store.list_notifications() if n.target == "ops-hook"]
    assert record.status == "failed" and record.last_error
    assert f"{port}/hook" not in record.last_error  # the URL is a secret
    assert second.deliveries["failed"] == 1
    # The next run retries the failed message (the drift itself is not new any more).
    assert third.deliveries["failed"] == 1
    (again,) = [n for n in fleet_store.list_notifications() if n.target == "ops-hook"]
    assert again.attempts >= 2


def test_remediate_mode_fixes_and_verifies_the_drift(fleet_store: Any) -> None:
    recorder = Recorder()
    fleet, (_first, second, third) = _three_runs(Mode.REMEDIATE, fleet_store, recorder)
    tenant = fleet.tenants[1]
    entry = next(t for t in second.tenants if t.tenant.name == "t1")
    assert entry.remediation is not None
    assert entry.remediation["result"] == "applied"
    assert entry.remediation["verified"] is True
    assert entry.remediation["controls"] == ["MFA-004"]
    assert entry.remediation["still_failing"] == []
    # The tenant shows the baseline again, and the reported result is the verified re-audit.
    config = fleet.emulator.stored_configuration("MicrosoftAuthenticator", tenant.tenant_id)
    assert config["featureSettings"][LOCATION]["state"] == "enabled"
    assert entry.result is not None and entry.result.report is not None
    assert not [
        f for f in entry.result.report.findings if f.control_id == "MFA-004" and f.status.value != "PASS"
    ]
    # Through the safe-change path: a recorded, verified change linked to the drift.
    change = fleet_store.get_change(entry.remediation["change_id"])
    assert change is not None and change.status == "verified" and change.objects
    assert {d.change_id for d in fleet_store.list_drift(tenant="t1")} == {change.id}
    # Drift notified once, the remediation once; the next run finds nothing new.
    assert sorted(n.kind.value for _, n in recorder.sent) == ["change", "drift"]
    assert third.counts()["drift"] == 0
    # The weak tenants were failing from the first run: no drift, so remediate mode leaves them alone.
    assert all(t.remediation is None for t in second.tenants if t.tenant.name != "t1")
    patches = fleet.emulator.requests(method="PATCH")
    assert {p["tenant"] for p in patches} == {tenant.tenant_id}


def test_remediation_never_forces_through_the_lockout_guard(fleet_store: Any) -> None:
    """SMS switched back on out of band in a tenant where users only have a phone: switching it off
    again would lock them out, so remediate mode refuses, writes nothing and tells people."""
    fleet = make_fleet(("weak",), per_scenario=1, mode=Mode.REMEDIATE, notifications=[HOOK])
    emu = fleet.emulator
    tid = fleet.tenants[0].tenant_id
    recorder = Recorder()
    runner = fleet.runner(fleet_store, notifier_factory=recorder)
    emu.edit_configuration("Sms", {"state": "disabled"}, tid)
    run_fleet(runner)
    emu.edit_configuration("Sms", {"state": "enabled"}, tid)
    second = run_fleet(runner)
    entry = second.tenants[0]
    assert ("MFA-007", "status", "PASS", "FAIL") in [
        (c.control_id, c.field, c.before, c.after) for c in entry.drift
    ]
    assert entry.remediation is not None and entry.remediation["result"] == "refused"
    assert "would lose their last usable method" in entry.remediation["message"]
    assert emu.stored_configuration("Sms", tid)["state"] == "enabled"
    assert emu.requests(method="PATCH") == []
    assert sorted(n.kind.value for _, n in recorder.sent) == ["change", "drift"]
    assert any("refused" in n.title for _, n in recorder.sent)


def test_a_tenant_that_stops_being_readable_is_notified_once(fleet_store: Any) -> None:
    recorder = Recorder()
    fleet = make_fleet(("compliant",), per_scenario=2, mode=Mode.ALERT, notifications=[HOOK])
    runner = fleet.runner(fleet_store, notifier_factory=recorder)
    run_fleet(runner)
    fleet.emulator.add_fault(
        kind="status",
        status=500,
        rate=1.0,
        path="authenticationMethodsPolicy",
        tenant=fleet.tenants[1].tenant_id,
    )
    second = run_fleet(runner)
    third = run_fleet(runner)
    assert [t.status for t in second.tenants] == ["ok", "error"] == [t.status for t in third.tenants]
    kinds = [(name, n.kind.value, n.tenant) for name, n in recorder.sent]
    assert kinds == [("ops-hook", "run_error", "t1")]
    assert second.exit_code == 3
