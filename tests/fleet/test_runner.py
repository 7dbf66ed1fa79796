"""The runner against an emulated fleet of 50 tenants (mixed scenarios, faults in some)."""

from __future__ import annotations

from typing import Any

import pytest

from mfaguard.emulator import ROLE_POLICY_READ
from mfaguard.errors import EXIT_UNFINISHED
from mfaguard.fleet.model import Mode
from mfaguard.fleet.runner import FleetOutcome, run_fleet
from tests.fleet.helpers import Fleet, make_fleet

SCENARIOS = ("compliant", "weak", "fresh-tenant", "legacy-2022")
# Indexes: compliant 0-11, weak 12-23, fresh-tenant 24-35, legacy-2022 36-47, then weak, compliant.
FORBIDDEN, WRONG_TENANT, BROKEN, THROTTLED_ONCE, NO_GROUPS = 3, 7, 11, 15, 19


@pytest.fixture(scope="module")
def fifty() -> tuple[Fleet, FleetOutcome, Any, Any]:
    import tempfile

    from mfaguard.store import open_store

    fleet = make_fleet(
        SCENARIOS,
        per_scenario=12,
        mode=Mode.REPORT,
        roles={FORBIDDEN: ["User.Read.All"]},
        extra=("weak", "compliant"),
    )
    emu = fleet.emulator
    assert len(fleet.tenants) == 50
    # A token for another tenant; a tenant whose policy endpoint fails for good; a 429 then success;
    # a tenant whose groups cannot be read (the policy can).
    fleet.env[f"FLEET_TOKEN_{WRONG_TENANT}"] = emu.issue_token(fleet.tenants[0].tenant_id)
    emu.add_fault(
        kind="status",
        status=500,
        rate=1.0,
        path="authenticationMethodsPolicy",
        tenant=fleet.tenants[BROKEN].tenant_id,
    )
    emu.add_fault(
        kind="status",
        status=429,
        retry_after=0,
        nth=1,
        path="authenticationMethodsPolicy",
        tenant=fleet.tenants[THROTTLED_ONCE].tenant_id,
    )
    fleet.env[f"FLEET_TOKEN_{NO_GROUPS}"] = emu.issue_token(
        fleet.tenants[NO_GROUPS].tenant_id, [ROLE_POLICY_READ]
    )
    tmp = tempfile.TemporaryDirectory()
    store = open_store(f"sqlite:///{tmp.name}/history.db")
    runner = fleet.runner(store, concurrency=8)
    outcome = run_fleet(runner)
    yield fleet, outcome, store, runner
    store.close()
    tmp.cleanup()


def _by_name(outcome: FleetOutcome) -> dict[str, Any]:
    return {t.tenant.name: t for t in outcome.tenants}


def test_every_tenant_is_stored_with_its_result(fifty: Any) -> None:
    fleet, outcome, store, _ = fifty
    runs = store.latest_runs("audit", status=None)
    assert set(runs) == {t.name for t in fleet.tenants}
    for entry in outcome.tenants:
        run = runs[entry.tenant.name]
        assert run.id == entry.run_id
        assert run.finished_at is not None
        if entry.status == "ok":
            assert run.status == "ok"
            assert store.findings_for_run(run.id), entry.tenant.name
            assert store.get_snapshot(run.id) is not None
        else:
            assert run.status == "error" and run.error


def test_failing_tenants_are_reported_with_their_reason_and_do_not_stop_the_others(fifty: Any) -> None:
    _, outcome, _, _ = fifty
    by_name = _by_name(outcome)
    errors = {name for name, t in by_name.items() if t.status == "error"}
    assert errors == {f"t{FORBIDDEN}", f"t{WRONG_TENANT}", f"t{BROKEN}"}
    assert "Policy.Read" in (by_name[f"t{FORBIDDEN}"].error or "")
    assert "token is for tenant" in (by_name[f"t{WRONG_TENANT}"].error or "")
    assert "500" in (by_name[f"t{BROKEN}"].error or "") or "could not be read" in (
        by_name[f"t{BROKEN}"].error or ""
    )
    assert by_name[f"t{THROTTLED_ONCE}"].status == "ok"
    partial = by_name[f"t{NO_GROUPS}"]
    assert partial.status == "ok" and partial.unfinished and "groups" in (partial.error or "")
    assert sum(1 for t in outcome.tenants if t.status == "ok") == 47
    assert outcome.exit_code == EXIT_UNFINISHED


def test_fleet_document_follows_design(fifty: Any) -> None:
    _, outcome, _, _ = fifty
    doc = outcome.to_json()
    assert doc["counts"]["tenants"] == 50
    broken = next(t for t in doc["tenants"] if t["name"] == f"t{BROKEN}")
    assert broken["status"] == "error" and broken["summary"] is None and broken["findings"] == []
    ok = next(t for t in doc["tenants"] if t["name"] == "t0")
    assert ok["status"] == "ok" and ok["summary"]["PASS"] > 0
    assert {"control_id", "status", "severity", "detail"} <= set(ok["findings"][0])


def test_global_concurrency_limit_holds(fifty: Any) -> None:
    *_, runner = fifty
    assert 1 < runner.peak_active <= 8


def test_weak_tenants_fail_and_compliant_ones_pass(fifty: Any) -> None:
    _, outcome, _, _ = fifty
    by_name = _by_name(outcome)
    assert not by_name["t0"].failing  # compliant
    assert by_name["t12"].failing  # weak


def test_one_tenant_at_a_time_per_tenant_and_app(tmp_path: Any) -> None:
    """Two fleet entries for the same tenant (same app) never run at the same time."""
    from dataclasses import replace

    from mfaguard.store import open_store

    fleet = make_fleet(("compliant",), per_scenario=1)
    twin = replace(fleet.tenants[0], name="twin")
    fleet.tenants.append(twin)
    active: list[str] = []
    overlap: list[bool] = []

    def progress(event: str, tenant: Any, outcome: Any) -> None:
        if event == "start":
            overlap.append(bool(active))
            active.append(tenant.name)
        else:
            active.remove(tenant.name)

    with open_store(f"sqlite:///{tmp_path / 'h.db'}") as store:
        outcome = run_fleet(fleet.runner(store, concurrency=8, progress=progress))
    assert [t.status for t in outcome.tenants] == ["ok", "ok"]
    assert overlap == [False, False]


def test_stop_skips_tenants_not_started(tmp_path: Any) -> None:
    import asyncio

    from mfaguard.store import open_store

    fleet = make_fleet(("compliant",), per_scenario=4)
    with open_store(f"sqlite:///{tmp_path / 'h.db'}") as store:
        runner = fleet.runner(store, concurrency=1)
        stop = asyncio.Event()

        def progress(event: str, tenant: Any, outcome: Any) -> None:
            if event == "start":
                stop.set()  # arrives while the first tenant is in flight

        runner.progress = progress
        outcome = asyncio.run(runner.run(stop=stop))
    assert [t.status for t in outcome.tenants] == ["ok", "skipped", "skipped", "skipped"]
    assert outcome.stopped


def test_fleet_mode_ignores_mfaguard_variables_except_those_the_file_names() -> None:
    from mfaguard.fleet.model import fleet_env

    env = {
        "MFAGUARD_GRAPH_ENDPOINT": "https://elsewhere.example",
        "MFAGUARD_ACCESS_TOKEN": "stray-token",
        "MFAGUARD_CONTOSO_SECRET": "named-by-the-file",
        "CONTOSO_SECRET": "x",
        "PATH": "/bin",
    }
    assert fleet_env(env, keep=["MFAGUARD_CONTOSO_SECRET"]) == {
        "MFAGUARD_CONTOSO_SECRET": "named-by-the-file",
        "CONTOSO_SECRET": "x",
        "PATH": "/bin",
    }


def test_select_tenants_by_name_and_tag() -> None:
    from mfaguard.errors import UsageError
    from mfaguard.fleet.model import select_tenants

    fleet = make_fleet(("compliant", "weak"), per_scenario=2)
    names = lambda ts: [t.name for t in ts]  # noqa: E731
    assert names(select_tenants(fleet.tenants)) == ["t0", "t1", "t2", "t3"]
    assert names(select_tenants(fleet.tenants, names=["t2"])) == ["t2"]
    assert names(select_tenants(fleet.tenants, tags=["weak"])) == ["t2", "t3"]
    assert names(select_tenants(fleet.tenants, names=["t0"], tags=["weak"])) == ["t0", "t2", "t3"]
    with pytest.raises(UsageError, match="no tenant named 'nope'"):
        select_tenants(fleet.tenants, names=["nope"])
    with pytest.raises(UsageError, match="tagged 'gold'"):
        select_tenants(fleet.tenants, tags=["gold"])
