"""``build_dashboard``: logins, store and actions come from the fleet file."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfaguard.errors import ConfigError
from tests.fleet.emulated import emulated_fleet
from tests.passwords import hashed
from tests.web.conftest import login


def test_fleet_file_users_log_in_and_operators_run_audits(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from mfaguard.web.serve import build_dashboard, is_loopback

    users = {
        "vera": ("viewer", hashed("viewer-password-1")),
        "otto": ("operator", hashed("operator-password-1")),
    }
    fleet = emulated_fleet(tmp_path, passwords=users)
    dashboard = build_dashboard(fleet.config, env=fleet.env)
    try:
        assert dashboard.host == "127.0.0.1" and dashboard.port == 8080 and is_loopback(dashboard.host)
        assert dashboard.store.url == fleet.store_url
        assert dashboard.app.state.dashboard.actions is not None
        viewer = login(TestClient(dashboard.app, base_url="http://127.0.0.1"), "vera")
        assert viewer.get("/api/me").json()["role"] == "viewer"
        assert 'data-tenant="northwind"' in viewer.get("/").text
        operator = login(TestClient(dashboard.app, base_url="http://127.0.0.1"), "otto")
        assert 'id="run-now"' in operator.get("/tenants/tailspin").text
    finally:
        dashboard.store.close()


def test_no_login_configured_is_refused(tmp_path: Path) -> None:
    from mfaguard.web.serve import build_dashboard, is_loopback

    fleet = emulated_fleet(tmp_path)
    with pytest.raises(ConfigError, match="no dashboard login"):
        build_dashboard(fleet.config, env=fleet.env)
    assert not is_loopback("0.0.0.0") and is_loopback("::1")
