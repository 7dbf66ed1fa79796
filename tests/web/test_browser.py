"""The dashboard in Debian's Chromium (Playwright, headless): log in, read the fleet grid's colours,
open a tenant and its charts, roll a change back as operator (the emulated tenant is restored), see
it refused for a viewer, and a CSRF-less POST rejected. Saves the README's screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import chromium, require_chromium
from tests.fleet.emulated import EmulatedFleet, emulated_fleet
from tests.passwords import SECRET_KEY
from tests.web.conftest import PASSWORDS
from tests.web.live import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
UPDATE_ENV = "MFAGUARD_UPDATE_SCREENSHOTS"
"""Set to 1 to write the screenshots to docs/img (the README's); otherwise they go to the test's
temporary directory, so a test run never leaves tracked files modified in a checkout."""
RGB = {  # the CSS status colours (mfaguard.web.charts.STATUS_COLOURS) as the browser reports them
    "PASS": "rgb(26, 127, 55)",
    "FAIL": "rgb(209, 36, 47)",
    "WARN": "rgb(212, 167, 44)",
    "ERROR": "rgb(130, 80, 223)",
    "NOT_APPLICABLE": "rgb(140, 149, 159)",
    "NONE": "rgb(234, 238, 242)",
}


@pytest.fixture
def served(tmp_path: Path, auth: Any) -> Iterator[tuple[str, EmulatedFleet, Any]]:
    """The dashboard on a 127.0.0.1 socket (uvicorn in a thread) over an emulated, audited fleet
    with extra seeded history (coverage, drift, an alert)."""
    require_chromium()
    from mfaguard.store import open_store
    from mfaguard.web import create_app
    from tests.web.seed import seed

    fleet = emulated_fleet(tmp_path)
    store = open_store(fleet.store_url)
    seed(store)
    app = create_app(store, auth=auth, actions=fleet.actions(), secret_key=SECRET_KEY)
    try:
        with live_server(app) as base:
            yield base, fleet, store
    finally:
        store.close()


def _login(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/")
    assert page.url.endswith("/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_dashboard_in_chromium(served: tuple[str, EmulatedFleet, Any], tmp_path: Path) -> None:
    import os

    from tests.web.seed import EXPECTED

    base, fleet, store = served
    shots = DOCS_IMG if os.environ.get(UPDATE_ENV) == "1" else tmp_path / "img"
    shots.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: d.accept())

        page.goto(f"{base}/login")
        page.screenshot(path=str(shots / "dashboard-login.png"))
        _login(page, base, "otto")

        # Fleet grid: each seeded tenant's newest statuses in their colours.
        for tenant, statuses in EXPECTED.items():
            for control, status in statuses.items():
                cell = page.locator(f'tr[data-tenant="{tenant}"] td[data-control="{control}"]')
                assert cell.get_attribute("data-status") == status
                colour = cell.evaluate("el => getComputedStyle(el).backgroundColor")
                assert colour == RGB[status], (tenant, control, colour)
        # The emulated weak tenant, audited for real after its change.
        assert page.locator('tr[data-tenant="northwind"] td.cell').count() >= 18
        page.screenshot(path=str(shots / "dashboard-fleet.png"), full_page=True)

        # Tenant detail: trend chart with bars, coverage chart, unprotected users.
        page.click('a[href="/tenants/fabrikam"]')
        page.wait_for_url(f"{base}/tenants/fabrikam")
        assert page.locator("svg.trend-chart rect.bar").count() > 0
        assert page.locator("svg.coverage-chart rect.bar").count() == 6
        assert page.locator("#unprotected tbody tr").count() == 3
        page.screenshot(path=str(shots / "dashboard-tenant.png"), full_page=True)

        page.goto(f"{base}/alerts")
        page.click("a[href^='/alerts/']")
        assert page.locator("#timeline tbody tr").count() == 4
        page.screenshot(path=str(shots / "dashboard-alert.png"), full_page=True)

        # Rollback as operator: change log → confirmation → restored and verified.
        page.goto(f"{base}/changes")
        page.screenshot(path=str(shots / "dashboard-changes.png"), full_page=True)
        page.click(f'tr[data-change="{fleet.change_id}"] a.button')
        page.wait_for_url(f"{base}/changes/{fleet.change_id}/rollback")
        page.click("#confirm-rollback")
        page.wait_for_selector("#result-message")
        assert "verified" in page.inner_text("#result-message")
        assert fleet.authenticator() == fleet.before_apply
        change = store.get_change(fleet.change_id)
        assert change is not None and change.status == "rolled_back"

        # A POST without the CSRF token (the browser's own cookies, no token) is rejected.
        forged = page.request.post(f"{base}/tenants/fabrikam/run", form={"x": "1"})
        assert forged.status == 403
        assert errors == []
        context.close()
        for name in ("login", "fleet", "tenant", "alert", "changes"):
            assert (shots / f"dashboard-{name}.png").stat().st_size > 5_000

        # A viewer sees no rollback button and a direct POST with a valid CSRF token is refused.
        viewer = browser.new_context()
        page = viewer.new_page()
        _login(page, base, "vera")
        page.goto(f"{base}/changes/{fleet.change_id}")
        assert page.locator("#rollback-link").count() == 0
        csrf = page.request.get(f"{base}/api/me").json()["csrf_token"]
        refused = page.request.post(f"{base}/changes/{fleet.change_id}/rollback", form={"csrf_token": csrf})
        assert refused.status == 403 and "viewer" in refused.text()
        viewer.close()
