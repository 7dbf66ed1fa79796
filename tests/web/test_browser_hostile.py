"""Tenant-controlled text is shown as text on every dashboard page, in Debian's Chromium (issue 11,
item 1): a group named like markup, referenced by the emulated tenant's policy and really audited,
an alert naming a hostile app, a tenant whose name is markup, and the same text reflected from
``?tenant=`` and a 404's URL. No element is injected, no script runs, the console stays clean (a
blocked inline handler would show up there as a Content-Security-Policy violation)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from mfaguard.model.report import Finding, Severity, Status
from tests.browser import chromium, require_chromium
from tests.fleet.emulated import emulated_fleet
from tests.passwords import SECRET_KEY
from tests.web.conftest import PASSWORDS
from tests.web.live import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAYLOAD = "<img src=x id=pwn onerror=alert(document.domain)>Ops<b id=bold>"
EXCLUDED_GROUP = "337bf4c1-2977-5a3d-bd77-dfe58072d608"
"""The weak scenario's "MFA Exclusions (legacy)" group, excluded from Authenticator; declared northwind's
break-glass group, so the applied baseline keeps the exclusion and MFA-018 names it in every audit."""


def _hostile_scenario(tmp_path: Path) -> Path:
    from mfaguard.emulator.scenarios import load_scenario

    scenario = copy.deepcopy(load_scenario("weak"))
    [group] = [g for g in scenario["groups"] if g["id"] == EXCLUDED_GROUP]
    group["displayName"] = PAYLOAD
    path = tmp_path / "hostile-weak.json"
    path.write_text(json.dumps(scenario))
    return path


def _seed_hostile_history(store: Any) -> int:
    """An alert on an attacker-named app, and a tenant whose very name is markup."""
    t0 = datetime.now(UTC) - timedelta(hours=1)
    [alert] = store.save_alerts(
        "northwind",
        [
            {
                "detection_id": "DET-002",
                "name": f"Push bombing via {PAYLOAD}",
                "user": "alice@northwind.example",
                "severity": "critical",
                "first_seen": t0.isoformat(),
                "last_seen": (t0 + timedelta(minutes=5)).isoformat(),
                "apps": [PAYLOAD],
                "summary": f"12 denied pushes for {PAYLOAD}, then an approval",
                "reasons": [f"app {PAYLOAD} is unusual for this user"],
                "timeline": [
                    {
                        "time": t0.isoformat(),
                        "kind": "DENY_EXPLICIT",
                        "detail": f"MFA denied in {PAYLOAD}",
                        "ip": "203.0.113.9",
                        "country": "NL",
                    }
                ],
            }
        ],
    )
    store.upsert_tenant(PAYLOAD, tenant_id="00000000-0000-0000-0000-0000000000ff", tags=["gold"])
    store.record_completed_run(
        PAYLOAD,
        "audit",
        started_at=t0,
        finished_at=t0 + timedelta(seconds=2),
        findings=[Finding("MFA-001", "Authenticator", Status.FAIL, Severity.HIGH, f"group {PAYLOAD}")],
        summary={"FAIL": 1},
        trigger="schedule",
    )
    return int(alert.id)


def test_tenant_text_is_escaped_on_every_page(tmp_path: Path, auth: Any) -> None:
    require_chromium()
    from mfaguard.store import open_store
    from mfaguard.web import create_app

    fleet = emulated_fleet(
        tmp_path, scenarios=(_hostile_scenario(tmp_path), "compliant"), break_glass_groups=(EXCLUDED_GROUP,)
    )
    store = open_store(fleet.store_url)
    alert_id = _seed_hostile_history(store)
    [northwind_run] = [r.id for r in store.list_runs(tenant="northwind", kind="audit", limit=1)]
    app = create_app(store, auth=auth, actions=fleet.actions(), secret_key=SECRET_KEY)
    hostile = quote(PAYLOAD, safe="")
    pages = {  # path → does the page show the payload (as text)?
        "/": True,
        "/tenants/northwind": True,
        f"/runs/{northwind_run}": True,
        "/alerts": True,
        f"/alerts/{alert_id}": True,
        f"/alerts?tenant={hostile}": True,
        f"/changes?tenant={hostile}": True,
        f"/tenants/{hostile}": True,
        f"/tenants/{hostile}x": True,  # a 404 that names the tenant it did not find
        "/changes": False,
    }
    try:
        with live_server(app) as base, chromium() as browser:
            context = browser.new_context()
            page = context.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "otto")
            page.fill("input[name=password]", PASSWORDS["otto"])
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            for path, shows in pages.items():
                response = page.goto(base + path)
                page.wait_for_load_state("load")
                if response is not None and response.status == 404:
                    # Chromium reports the page's own 404 on the console; nothing else may appear.
                    assert problems == [
                        "Failed to load resource: the server responded with a status of 404 (Not Found)"
                    ], path
                    problems.clear()
                assert page.locator("#pwn").count() == 0, path
                assert page.locator("#bold").count() == 0, path
                assert page.locator("main img").count() == 0, path
                if shows:
                    assert PAYLOAD in page.inner_text("main"), path
            # The hostile tenant's "Run now" asks with its name in a data attribute: still just text.
            page.goto(f"{base}/tenants/{hostile}")
            assert page.locator("form[data-confirm]").get_attribute("data-confirm") == f"Audit {PAYLOAD} now?"
            assert problems == []
            context.close()
    finally:
        store.close()
