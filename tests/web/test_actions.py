"""Rollback and "Run now" from the dashboard, through the safe-change path and the fleet runner,
against the in-process emulator (the tenant's configuration really is restored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fleet.emulated import EmulatedFleet, emulated_fleet
from tests.passwords import SECRET_KEY
from tests.web.conftest import csrf_of, login


@pytest.fixture
def fleet(tmp_path: Path) -> EmulatedFleet:
    return emulated_fleet(tmp_path)


@pytest.fixture
def dashboard(fleet: EmulatedFleet, auth: Any) -> Iterator[tuple[Any, Any]]:
    from fastapi.testclient import TestClient

    from mfaguard.store import open_store
    from mfaguard.web import create_app

    store = open_store(fleet.store_url)
    app = create_app(store, auth=auth, actions=fleet.actions(), secret_key=SECRET_KEY)
    try:
        yield store, (lambda name: login(TestClient(app, base_url="http://127.0.0.1"), name))
    finally:
        store.close()


def test_operator_rolls_back_a_change_and_the_tenant_is_restored(
    fleet: EmulatedFleet, dashboard: Any
) -> None:
    store, client_as = dashboard
    assert fleet.authenticator() != fleet.before_apply  # the apply changed the tenant
    client = client_as("otto")
    confirm = client.get(f"/changes/{fleet.change_id}/rollback")
    assert confirm.status_code == 200 and "Yes, roll back" in confirm.text
    done = client.post(f"/changes/{fleet.change_id}/rollback", data={"csrf_token": csrf_of(client)})
    assert done.status_code == 200, done.text
    assert "rolled_back" in done.text or "verified" in done.text
    assert fleet.authenticator() == fleet.before_apply
    change = store.get_change(fleet.change_id)
    assert change is not None and change.status == "rolled_back"
    rollback = store.list_changes(tenant="northwind", limit=1)[0]
    assert rollback.kind == "rollback" and rollback.reverts_id == fleet.change_id
    assert rollback.actor == "dashboard:otto"


def test_viewer_cannot_roll_back(fleet: EmulatedFleet, dashboard: Any) -> None:
    _store, client_as = dashboard
    client = client_as("vera")
    assert "Roll back" not in client.get(f"/changes/{fleet.change_id}").text
    assert client.get(f"/changes/{fleet.change_id}/rollback").status_code == 403
    refused = client.post(f"/changes/{fleet.change_id}/rollback", data={"csrf_token": csrf_of(client)})
    assert refused.status_code == 403
    assert fleet.authenticator() != fleet.before_apply  # nothing was written


def test_run_now_records_an_audit(fleet: EmulatedFleet, dashboard: Any) -> None:
    store, client_as = dashboard
    client = client_as("otto")
    before = len(store.list_runs(tenant="tailspin", kind="audit"))
    response = client.post("/api/tenants/tailspin/run", headers={"X-CSRF-Token": csrf_of(client)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] and body["run_id"]
    runs = store.list_runs(tenant="tailspin", kind="audit")
    assert len(runs) == before + 1 and runs[0].trigger == "dashboard:otto"
    unknown = client.post("/api/tenants/nope/run", headers={"X-CSRF-Token": csrf_of(client)})
    assert unknown.status_code == 409 and "not in the fleet file" in unknown.json()["detail"]


def test_no_secret_is_rendered(fleet: EmulatedFleet, dashboard: Any) -> None:
    store, client_as = dashboard
    client = client_as("otto")
    client.post(f"/changes/{fleet.change_id}/rollback", data={"csrf_token": csrf_of(client)})
    pages = [
        "/",
        "/changes",
        f"/changes/{fleet.change_id}",
        "/tenants/northwind",
        "/tenants/tailspin",
        "/alerts",
    ]
    pages += [f"/runs/{run.id}" for run in store.list_runs(limit=None)]
    api = ["/api/fleet", "/api/changes", "/api/tenants/northwind", f"/api/changes/{fleet.change_id}"]
    secrets = [v for v in fleet.env.values() if v]
    for path in pages + api:
        body = client.get(path).text
        for secret in secrets:
            assert secret not in body, path
            assert secret[-24:] not in body, path  # not even the JWT's signature
