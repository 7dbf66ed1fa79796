"""fleet plan / apply / coverage / detect through the runner, against the in-process emulator."""

from __future__ import annotations

from typing import Any

from mfaguard.fleet.runner import Operation, run_fleet
from tests.fleet.helpers import make_fleet


def test_plan_then_apply_brings_compliant_and_weak_tenants_to_the_baseline(fleet_store: Any) -> None:
    fleet = make_fleet(("compliant", "fresh-tenant"), per_scenario=1)
    runner = fleet.runner(fleet_store)
    plans = run_fleet(runner, Operation.PLAN)
    by_name = {t.tenant.name: t for t in plans.tenants}
    assert by_name["t0"].detail["plan"]["objects"] == []  # compliant already matches
    assert by_name["t1"].detail["plan"]["objects"]  # a fresh tenant does not
    assert fleet.emulator.requests(method="PATCH") == []
    runner.options = {"pilot": False}
    applied = run_fleet(runner, Operation.APPLY)
    results = {t.tenant.name: t.detail["apply"] for t in applied.tenants}
    assert results["t0"]["result"] == "no_changes"
    assert results["t1"]["result"] == "applied" and results["t1"]["verified"] is True
    assert applied.exit_code == 0
    again = run_fleet(runner, Operation.PLAN)
    assert all(t.detail["plan"]["objects"] == [] for t in again.tenants)
    kinds = {r.kind.value for r in fleet_store.list_runs(limit=None)}
    assert {"plan", "apply"} <= kinds


def test_apply_refuses_a_lockout_per_tenant(fleet_store: Any) -> None:
    fleet = make_fleet(("weak", "compliant"), per_scenario=1)
    runner = fleet.runner(fleet_store)
    runner.options = {"pilot": False}
    outcome = run_fleet(runner, Operation.APPLY)
    by_name = {t.tenant.name: t for t in outcome.tenants}
    assert by_name["t0"].status == "error" and "would lose their last usable method" in (
        by_name["t0"].error or ""
    )
    assert by_name["t1"].status == "ok"
    assert outcome.exit_code == 3
    weak = fleet.tenants[0].tenant_id
    assert [r for r in fleet.emulator.requests(method="PATCH") if r["tenant"] == weak] == []


def test_coverage_is_stored_per_tenant(fleet_store: Any) -> None:
    fleet = make_fleet(("weak", "compliant"), per_scenario=1)
    outcome = run_fleet(fleet.runner(fleet_store), Operation.COVERAGE)
    for entry in outcome.tenants:
        assert entry.status == "ok", entry.error
        coverage = entry.detail["coverage"]
        assert coverage["users"] > 0 and sum(coverage["levels"].values()) == coverage["users"]
        stored = fleet_store.latest_coverage(entry.tenant.name)
        assert stored is not None and stored.total_users == coverage["users"]
    weak = next(t for t in outcome.tenants if t.tenant.name == "t0")
    assert weak.detail["coverage"]["below"]  # phone-only users in the weak tenant


def test_detect_runs_per_tenant_and_stores_alerts_once(fleet_store: Any) -> None:
    import httpx

    from mfaguard.fleet.model import Mode
    from mfaguard.notify import WebhookTarget
    from tests.fleet.helpers import Recorder

    hook = WebhookTarget(type="webhook", name="soc", url_env="UNUSED_HOOK_URL")
    fleet = make_fleet(("weak",), per_scenario=1, mode=Mode.ALERT, notifications=[hook])
    recorder = Recorder()
    # Reports are paced to 5 requests / 10 s per app per tenant; that is tested elsewhere.
    fleet.emulator.set_throttling(False)
    transport = httpx.ASGITransport(app=fleet.emulator.asgi_app)
    runner = fleet.runner(
        fleet_store,
        client_kwargs={"transport": transport, "report_pacing": False},
        notifier_factory=recorder,
    )
    first = run_fleet(runner, Operation.DETECT)
    (entry,) = first.tenants
    assert entry.status == "ok", entry.error
    stored = fleet_store.list_alerts(tenant="t0", limit=None)
    assert len(stored) == entry.detail["new_alerts"] == len({a["id"] for a in entry.detail["alerts"]}) >= 1
    assert sorted(n.dedupe_key for _, n in recorder.sent) == sorted(f"alert:{a.dedupe_key}" for a in stored)
    second = run_fleet(runner, Operation.DETECT)
    assert second.tenants[0].detail["new_alerts"] == 0
    assert len(fleet_store.list_alerts(tenant="t0", limit=None)) == len(stored)
    assert len(recorder.sent) == len(stored)  # each alert notified once
