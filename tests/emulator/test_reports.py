"""Reports and logs: licence gate, throttling with and without Retry-After, shapes per version, filters."""

from __future__ import annotations

from typing import Any

import pytest

from mfaguard.emulator import ROLE_AUDIT_LOG_READ, ROLE_RISK_READ, Emulator
from tests.emulator.conftest import FakeClock, graph_error
from tests.emulator_fixtures import graph_client

pytestmark = pytest.mark.anyio
REG = "/beta/reports/authenticationMethods/userRegistrationDetails"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def unthrottled() -> Emulator:
    emu = Emulator("weak")
    emu.set_throttling(False)
    return emu


async def collect(emu: Emulator, url: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    async with graph_client(emu, **kwargs) as client:
        next_url: str | None = url
        while next_url:
            response = await client.get(next_url)
            assert response.status_code == 200, response.text
            items.extend(response.json()["value"])
            next_url = response.json().get("@odata.nextLink")
    return items


async def test_registration_details_omit_disabled_users(unthrottled: Emulator) -> None:
    rows = await collect(unthrottled, f"{REG}?$top=10")
    assert len(rows) == 41 - 3
    megan = next(r for r in rows if r["userDisplayName"] == "Megan Bowen")
    assert megan["methodsRegistered"] == ["microsoftAuthenticatorPush", "mobilePhone"]
    assert megan["isMfaRegistered"] is True and megan["userType"] == "member"
    assert "defaultMfaMethod" in megan
    v1 = await collect(
        unthrottled, "/v1.0/reports/authenticationMethods/userRegistrationDetails?$select=id,isAdmin"
    )
    assert all(set(r) == {"id", "isAdmin"} for r in v1)


async def test_registration_details_filters(unthrottled: Emulator) -> None:
    phone = await collect(unthrottled, f"{REG}?$filter=methodsRegistered/any(m: m eq 'mobilePhone')")
    admins = await collect(unthrottled, f"{REG}?$filter=isAdmin eq true")
    assert phone and all("mobilePhone" in r["methodsRegistered"] for r in phone)
    assert {r["userDisplayName"] for r in admins} >= {"Global Admin", "Break Glass 01"}


async def test_registration_details_need_premium_and_the_role(unthrottled: Emulator) -> None:
    async with graph_client(unthrottled, roles=["User.Read.All"]) as client:
        denied = await client.get(REG)
    unthrottled.set_premium(False)
    async with graph_client(unthrottled) as client:
        free = await client.get(REG)
    assert denied.status_code == 403 and graph_error(denied)["code"] == "Authorization_RequestDenied"
    assert free.status_code == 403
    assert graph_error(free)["code"] == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"


async def test_report_throttling_is_5_per_10s_per_app_with_retry_after() -> None:
    clock = FakeClock()
    emu = Emulator("weak", clock=clock)
    other_app = emu.add_app(roles=[ROLE_AUDIT_LOG_READ], secret="x")
    async with (
        graph_client(emu) as client,
        graph_client(emu, token=emu.issue_token(app_id=other_app.client_id)) as other,
    ):
        for _ in range(5):
            assert (await client.get(REG, params={"$top": "1"})).status_code == 200
            clock.advance(1)
        throttled = await client.get(REG)
        assert (await other.get("/beta/auditLogs/signIns")).status_code == 200  # per app
        assert throttled.status_code == 429
        assert graph_error(throttled)["code"] == "TooManyRequests"
        assert throttled.headers["Retry-After"] == "5"
        clock.advance(5.01)
        assert (await client.get(REG)).status_code == 200


async def test_risk_detections_throttle_without_retry_after() -> None:
    clock = FakeClock()
    emu = Emulator("weak", clock=clock)
    async with graph_client(emu, roles=[ROLE_RISK_READ]) as client:
        first = await client.get("/v1.0/identityProtection/riskDetections")
        second = await client.get("/v1.0/identityProtection/riskDetections")
        clock.advance(1.01)
        third = await client.get("/v1.0/identityProtection/riskDetections")
    assert first.status_code == 200
    assert first.json()["value"][0]["riskEventType"] == "userReportedSuspiciousActivity"
    assert second.status_code == 429 and "Retry-After" not in second.headers
    assert third.status_code == 200


async def test_beta_sign_ins_have_mfa_detail_and_v1_does_not(unthrottled: Emulator) -> None:
    beta = await collect(unthrottled, "/beta/auditLogs/signIns")
    v1 = await collect(unthrottled, "/v1.0/auditLogs/signIns")
    assert len(beta) == len(v1)
    assert all("authenticationDetails" in r for r in beta)
    assert not any("authenticationDetails" in r or "signInEventTypes" in r for r in v1)
    times = [r["createdDateTime"] for r in beta]
    assert times == sorted(times, reverse=True)  # newest first
    denials = [r for r in beta if r["status"]["errorCode"] == 500121 and r["ipAddress"] == "198.51.100.77"]
    assert len(denials) == 12  # the push-spam attack


async def test_sign_ins_are_interactive_unless_filtered(unthrottled: Emulator) -> None:
    interactive = await collect(unthrottled, "/beta/auditLogs/signIns")
    non = await collect(
        unthrottled, "/beta/auditLogs/signIns?$filter=signInEventTypes/any(t: t eq 'nonInteractiveUser')"
    )
    assert len(non) == 1 and non[0]["isInteractive"] is False
    both = await collect(
        unthrottled,
        "/beta/auditLogs/signIns?$filter=signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')",
    )
    assert len(both) == len(interactive) + 1
    assert all(r["isInteractive"] for r in interactive)
    async with graph_client(unthrottled) as client:
        v1 = await client.get(
            "/v1.0/auditLogs/signIns",
            params={"$filter": "signInEventTypes/any(t: t eq 'nonInteractiveUser')"},
        )
    assert v1.status_code == 400


async def test_sign_ins_time_window_and_paging(unthrottled: Emulator) -> None:
    everything = await collect(unthrottled, "/beta/auditLogs/signIns")
    newest = everything[0]["createdDateTime"]
    oldest = everything[-1]["createdDateTime"]
    window = await collect(
        unthrottled,
        f"/beta/auditLogs/signIns?$filter=createdDateTime ge {oldest} and createdDateTime le {newest}&$top=13",
    )
    assert len(window) == len(everything)
    recent = await collect(unthrottled, f"/beta/auditLogs/signIns?$filter=createdDateTime ge {newest}")
    assert all(r["createdDateTime"] >= newest for r in recent)
    async with graph_client(unthrottled) as client:
        too_big = await client.get("/beta/auditLogs/signIns", params={"$top": "1001"})
        asc = await client.get(
            "/beta/auditLogs/signIns", params={"$orderby": "createdDateTime asc", "$top": "1"}
        )
    assert too_big.status_code == 400
    assert asc.json()["value"][0]["createdDateTime"] == oldest


async def test_sign_ins_need_premium(unthrottled: Emulator) -> None:
    unthrottled.set_premium(False)
    async with graph_client(unthrottled) as client:
        response = await client.get("/beta/auditLogs/signIns")
        audits = await client.get("/v1.0/auditLogs/directoryAudits")
    assert graph_error(response)["code"] == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
    assert audits.status_code == 200  # audit logs are not premium-gated


async def test_directory_audits_filter(unthrottled: Emulator) -> None:
    fraud = await collect(
        unthrottled,
        "/v1.0/auditLogs/directoryAudits?$filter=activityDisplayName eq 'Suspicious activity reported'",
    )
    assert len(fraud) == 1 and fraud[0]["category"] == "UserManagement"


async def test_scenario_times_are_shifted_to_now(unthrottled: Emulator) -> None:
    import datetime as dt

    newest = (await collect(unthrottled, "/beta/auditLogs/signIns?$top=1"))[0]["createdDateTime"]
    age = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(newest.replace("Z", "+00:00"))
    assert dt.timedelta(0) <= age < dt.timedelta(hours=2)
