"""Pages and API over a seeded store, through the ASGI app in-process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.web.conftest import TOKEN, csrf_of
from tests.web.seed import EXPECTED


def test_fleet_grid_shows_every_tenant_and_status(client_for: Callable[..., Any]) -> None:
    client = client_for("vera")
    page = client.get("/")
    assert page.status_code == 200
    for tenant, statuses in EXPECTED.items():
        assert f'data-tenant="{tenant}"' in page.text
        for control, status in statuses.items():
            assert f'data-control="{control}" data-status="{status}"' in page.text
    data = client.get("/api/fleet").json()
    grid = {row["tenant"]: row["statuses"] for row in data["tenants"]}
    for tenant, statuses in EXPECTED.items():
        for control, status in statuses.items():
            assert grid[tenant][control] == status
    # Worst first: woodgrove (2 FAIL) before fabrikam (1 FAIL) before contoso.
    assert [r["tenant"] for r in data["tenants"]] == ["woodgrove", "fabrikam", "contoso"]


def test_fleet_filters_by_tag_and_severity(client_for: Callable[..., Any]) -> None:
    client = client_for("vera")
    tenants = [r["tenant"] for r in client.get("/api/fleet", params={"tag": "eu"}).json()["tenants"]]
    assert tenants == ["fabrikam"]
    page = client.get("/", params={"tag": "silver"})
    assert 'data-tenant="woodgrove"' in page.text and 'data-tenant="contoso"' not in page.text
    critical = client.get("/api/fleet", params={"severity": "critical"}).json()
    assert all(c["severity"] == "critical" for c in critical["controls"])
    assert client.get("/", params={"severity": "bogus"}).status_code == 400


def test_tenant_page_has_findings_trend_coverage_drift_and_alerts(client_for: Callable[..., Any]) -> None:
    client = client_for("vera")
    page = client.get("/tenants/fabrikam")
    assert page.status_code == 200
    text = page.text
    assert 'class="chart trend-chart"' in text and 'class="chart coverage-chart"' in text
    assert "bob@fabrikam.example" in text and "dave@fabrikam.example" in text
    assert "Remediation" in text  # FAIL MFA-002 shows how to fix it
    assert "MFA-002</strong> status" in text  # drift timeline
    assert "/alerts/" in text
    api = client.get("/api/tenants/fabrikam").json()
    assert len(api["trend"]) == 5
    assert api["coverage"]["total_users"] == 10
    assert client.get("/tenants/nope").status_code == 404
    assert client.get("/api/tenants/nope").status_code == 404


def test_run_change_and_alert_pages(client_for: Callable[..., Any], seeded: Any) -> None:
    _store, ids = seeded
    client = client_for("vera")
    run = client.get(f"/runs/{ids['runs']['woodgrove']}")
    assert run.status_code == 200 and "MFA-001" in run.text
    alert = client.get(f"/alerts/{ids['alert']}")
    assert alert.status_code == 200 and "MFA_SUCCESS" in alert.text and "203.0.113.9" in alert.text
    assert client.get("/api/alerts").json()[0]["detection_id"] == "D1"
    assert len(client.get(f"/api/alerts/{ids['alert']}").json()["timeline"]) == 4
    assert client.get("/changes").status_code == 200
    assert client.get("/runs/999999").status_code == 404
    assert client.get("/api/runs/999999").status_code == 404


def test_security_headers_and_cookie_flags(client_for: Callable[..., Any]) -> None:
    client = client_for(None)
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in response.text  # no inline script anywhere
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie


def test_cookies_are_secure_over_https(app: Any) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="https://127.0.0.1")
    cookie = client.get("/login").headers["set-cookie"].lower()
    assert "; secure" in cookie


def test_wrong_password_and_missing_login_csrf_are_refused(client_for: Callable[..., Any]) -> None:
    import re

    client = client_for(None)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    bad = client.post("/login", data={"username": "vera", "password": "nope", "csrf_token": csrf})
    assert bad.status_code == 401 and "mfaguard_session" not in bad.headers.get("set-cookie", "")
    unknown = client.post("/login", data={"username": "mallory", "password": "x", "csrf_token": csrf})
    assert unknown.status_code in (401, 403)
    no_csrf = client_for(None).post("/login", data={"username": "vera", "password": "viewer-password-1"})
    assert no_csrf.status_code == 403


def test_csrf_less_post_is_rejected(client_for: Callable[..., Any], seeded: Any) -> None:
    client = client_for("otto")
    assert client.post("/tenants/fabrikam/run").status_code == 403
    assert client.post("/api/tenants/fabrikam/run").status_code == 403
    assert client.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    # With the token the request passes CSRF (and then: read-only dashboard, no fleet file).
    assert (
        client.post("/api/tenants/fabrikam/run", headers={"X-CSRF-Token": csrf_of(client)}).status_code == 409
    )


def test_viewer_may_not_change_anything(client_for: Callable[..., Any]) -> None:
    client = client_for("vera")
    token = csrf_of(client)
    refused = client.post("/tenants/fabrikam/run", data={"csrf_token": token})
    assert refused.status_code == 403 and "viewer" in refused.text
    assert client.post("/api/changes/1/rollback", headers={"X-CSRF-Token": token}).status_code == 403


def test_bearer_token_reads_the_api_but_not_pages(client_for: Callable[..., Any]) -> None:
    client = client_for(None)
    assert client.get("/api/fleet", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert (
        client.get("/api/fleet", headers={"Authorization": "Bearer wrong-token-xxxxxxxx"}).status_code == 401
    )
    assert (
        client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}, follow_redirects=False).status_code
        == 303
    )


def test_token_logs_in_through_the_form(client_for: Callable[..., Any]) -> None:
    import re

    client = client_for(None)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"token": TOKEN, "csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/api/me").json()["role"] == "operator"


def test_logout_ends_the_session(client_for: Callable[..., Any]) -> None:
    client = client_for("vera")
    assert (
        client.post("/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False).status_code
        == 303
    )
    assert client.get("/api/me").status_code == 401


def test_password_guessing_is_throttled(app: Any, client_for: Callable[..., Any]) -> None:
    import re

    from mfaguard.web.auth import LoginThrottle

    app.state.dashboard.throttle = LoginThrottle(user_limit=3)  # 10 by default; each check costs 0.4 s
    client = client_for(None)
    for _ in range(3):
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
        assert (
            client.post(
                "/login", data={"username": "vera", "password": "guess", "csrf_token": csrf}
            ).status_code
            == 401
        )
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    # Even the right password waits now; another user is not affected.
    blocked = client.post(
        "/login", data={"username": "vera", "password": "viewer-password-1", "csrf_token": csrf}
    )
    assert blocked.status_code == 429 and "try again" in blocked.text
    client_for("otto")


def test_throttle_window_passes() -> None:
    from mfaguard.web.auth import LoginThrottle

    now = [0.0]
    throttle = LoginThrottle(user_limit=2, window=60, clock=lambda: now[0])
    assert throttle.begin("a", "1.2.3.4").refused_for == 0  # each admitted attempt counts as failed
    assert throttle.begin("A", "1.2.3.4").refused_for == 0
    assert throttle.begin("a", "1.2.3.4").refused_for == 61
    now[0] = 61
    attempt = throttle.begin("a", "1.2.3.4")
    assert attempt.refused_for == 0
    throttle.succeeded(attempt)  # the right password clears the name's failures
    assert throttle.begin("a", "1.2.3.4").refused_for == 0
    assert throttle.begin("a", "1.2.3.4").refused_for == 0
    assert throttle.begin("a", "1.2.3.4").refused_for > 0
