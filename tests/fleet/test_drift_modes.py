"""Drift between two runs in report, alert and remediate mode, against the in-process emulator."""

from __future__ import annotations

from typing import Any

from mfaguard.fleet.runner import run_fleet
from mfaguard.fleet.targets import Mode
from tests.fleet.helpers import LOCATION, Recorder, disable_location, make_fleet

HOOK = {"type": "webhook", "name": "ops-hook", "url_env": "HOOK_URL"}


def _three_runs(mode: Mode, store: Any) -> tuple[Any, Recorder, list[Any]]:
    fleet = make_fleet(("compliant", "weak"), per_scenario=2, mode=mode, notifications=[HOOK])
    recorder = Recorder()
    runner = fleet.runner(store, notify=recorder)
    outcomes = [run_fleet(runner)]
    disable_location(fleet.emulator, fleet.tenants[1].tenant_id)
    outcomes.append(run_fleet(runner))
    outcomes.append(run_fleet(runner))
    return fleet, recorder, outcomes


def test_report_mode_records_drift_once_and_tells_nobody(fleet_store: Any) -> None:
    fleet, recorder, (first, second, third) = _three_runs(Mode.REPORT, fleet_store)
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


def test_alert_mode_notifies_once_per_new_drift(fleet_store: Any) -> None:
    _fleet, recorder, (_first, second, third) = _three_runs(Mode.ALERT, fleet_store)
    assert len(recorder.sent) == 1
    target, notice = recorder.sent[0]
    assert target == HOOK
    assert notice.kind == "drift" and notice.tenant == "t1"
    assert "MFA-004" in notice.text and "PASS" in notice.text
    assert second.counts()["notified"] == 1 and third.counts()["notified"] == 0
    assert all(d.notified_at is not None for d in fleet_store.list_drift(tenant="t1"))
    (record,) = [n for n in fleet_store.list_notifications() if n.target == "ops-hook"]
    assert record.status == "sent"
    # Running the same comparison again (e.g. a second process) does not send it twice.
    assert fleet_store.claim_notification(notice.dedupe_key, "ops-hook") is False


def test_remediate_mode_fixes_and_verifies_the_drift(fleet_store: Any) -> None:
    fleet, recorder, (_first, second, third) = _three_runs(Mode.REMEDIATE, fleet_store)
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
    assert sorted(n.kind for _, n in recorder.sent) == ["drift", "remediation"]
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
    runner = fleet.runner(fleet_store, notify=recorder)
    emu.edit_configuration("Sms", {"state": "disabled"}, tid)
    run_fleet(runner)
    emu.edit_configuration("Sms", {"state": "enabled"}, tid)
    second = run_fleet(runner)
    entry = second.tenants[0]
    assert ("MFA-007", "status", "PASS", "FAIL") in [
        (c.control_id, c.field, c.before, c.after) for c in entry.drift
    ]
    assert entry.remediation is not None and entry.remediation["result"] == "refused"
    assert "no usable MFA method" in entry.remediation["message"]
    assert emu.stored_configuration("Sms", tid)["state"] == "enabled"
    assert emu.requests(method="PATCH") == []
    assert sorted(n.kind for _, n in recorder.sent) == ["drift", "remediation"]
    assert "refused" in recorder.sent[-1][1].title
