"""GraphClient in-process against the emulator (httpx.ASGITransport): real Graph shapes and errors."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import httpx
import pytest

from mfaguard.emulator import Emulator
from mfaguard.errors import (
    AuthError,
    LicenseError,
    NotFoundError,
    PermissionError_,
    ServiceError,
    ThrottledError,
)
from mfaguard.graph.auth import StaticTokenProvider
from mfaguard.graph.client import BatchRequest, GraphClient, RetryPolicy
from tests.graph._fakes import FakeTime, run

POLICY = "/policies/authenticationMethodsPolicy"


def client(
    emu: Emulator,
    *,
    roles: Iterable[str] | None = None,
    token: str | None = None,
    fake: FakeTime | None = None,
    retry: RetryPolicy | None = None,
    report_pacing: bool = False,
) -> GraphClient:
    fake = fake or FakeTime()
    return GraphClient(
        "https://graph.emulator.test",
        StaticTokenProvider(token if token is not None else emu.issue_token(None, roles)),
        transport=httpx.ASGITransport(app=emu.asgi_app),
        sleep=fake.sleep,
        clock=fake.clock,
        retry=retry,
        report_pacing=report_pacing,
    )


def test_reads_the_beta_policy(emulator: Emulator) -> None:
    async def go() -> dict[str, Any]:
        async with client(emulator) as graph:
            return await graph.get(POLICY)

    body = run(go())
    assert body["id"] == "authenticationMethodsPolicy"
    assert any(c["id"] == "MicrosoftAuthenticator" for c in body["authenticationMethodConfigurations"])


def test_paging_collects_every_user_and_resends_consistency_level(emulator: Emulator) -> None:
    async def go() -> list[dict[str, Any]]:
        async with client(emulator) as graph:
            return [
                u
                async for u in graph.iter_items(
                    "/users",
                    version="v1.0",
                    params={"$top": "3", "$count": "true"},
                    headers={"ConsistencyLevel": "eventual"},
                )
            ]

    users = run(go())
    log = emulator.requests(path_contains="/users")
    assert len(log) >= 2  # more than one page
    assert len(users) == len({u["id"] for u in users})
    assert len(users) == len(list(emulator.tenant().directory.iter_users(0)))
    assert all("skiptoken" in e["query"].lower() for e in log[1:])  # nextLink followed verbatim


def test_429_with_retry_after_is_honoured(emulator: Emulator) -> None:
    emulator.add_fault(
        kind="status", status=429, retry_after=3, path="authenticationMethodsPolicy", nth=1, times=2
    )
    fake = FakeTime()

    async def go() -> dict[str, Any]:
        async with client(emulator, fake=fake) as graph:
            return await graph.get(POLICY)

    assert run(go())["id"] == "authenticationMethodsPolicy"
    assert fake.sleeps == [3.0, 3.0]
    assert [e["status"] for e in emulator.requests(path_contains="authenticationMethodsPolicy")] == [
        429,
        429,
        200,
    ]


def test_503_without_retry_after_backs_off(emulator: Emulator) -> None:
    emulator.add_fault(kind="status", status=503, path="authenticationMethodsPolicy", nth=1)
    fake = FakeTime()

    async def go() -> dict[str, Any]:
        async with client(emulator, fake=fake) as graph:
            return await graph.get(POLICY)

    run(go())
    [delay] = fake.sleeps
    assert 0.25 <= delay <= 0.5


def test_deadline_stops_retrying(emulator: Emulator) -> None:
    emulator.add_fault(
        kind="status", status=429, retry_after=20, path="authenticationMethodsPolicy", rate=1.0
    )
    fake = FakeTime()

    async def go() -> None:
        async with client(emulator, fake=fake, retry=RetryPolicy(max_attempts=50, deadline=50)) as graph:
            await graph.get(POLICY)

    with pytest.raises(ThrottledError) as info:
        run(go())
    assert sum(fake.sleeps) <= 50
    assert len(fake.sleeps) == 2  # t=0, 20, 40; a third wait would end after the deadline
    assert info.value.request_id


def test_connection_reset_and_timeout_are_retried_for_reads(emulator: Emulator) -> None:
    emulator.add_fault(kind="reset", path="authenticationMethodsPolicy", nth=1)
    emulator.add_fault(kind="timeout", hang_s=0.01, path="authenticationMethodsPolicy", nth=2)

    async def go() -> dict[str, Any]:
        async with client(emulator) as graph:
            return await graph.get(POLICY)

    assert run(go())["id"] == "authenticationMethodsPolicy"
    assert len(emulator.requests(path_contains="authenticationMethodsPolicy")) == 3


def test_patch_is_not_resent_after_a_reset(emulator: Emulator) -> None:
    emulator.add_fault(kind="reset", method="PATCH", path="Sms$", nth=1)

    async def go() -> None:
        async with client(emulator) as graph:
            await graph.patch(
                f"{POLICY}/authenticationMethodConfigurations/Sms",
                {"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "state": "disabled"},
            )

    with pytest.raises(ServiceError, match="may or may not have been applied"):
        run(go())
    assert len(emulator.requests(method="PATCH")) == 1


def test_batch_partial_failures_and_inner_throttling(emulator: Emulator) -> None:
    groups = [g for _, g in emulator.tenant().directory.iter_groups(0)][:3]
    ids = [g["id"] for g in groups] + ["00000000-dead-beef-0000-000000000000"]
    emulator.add_fault(kind="status", status=429, retry_after=2, path=f"/groups/{ids[1]}", nth=1)
    fake = FakeTime()

    async def go() -> list[Any]:
        async with client(emulator, fake=fake) as graph:
            return list(
                await graph.batch(
                    [BatchRequest("GET", f"/groups/{i}?$select=id,displayName") for i in ids], version="v1.0"
                )
            )

    results = run(go())
    assert [r.status for r in results] == [200, 200, 200, 404]
    assert [r.json()["id"] for r in results[:3]] == ids[:3]
    assert isinstance(results[3].error, NotFoundError)
    assert fake.sleeps == [2.0]
    batches = emulator.requests(path_contains="$batch")
    assert len(batches) == 2  # the retry sent only the throttled request


def test_missing_permission_names_the_permission(emulator: Emulator) -> None:
    async def go() -> None:
        async with client(emulator, roles=["User.Read.All"]) as graph:
            await graph.get(POLICY)

    with pytest.raises(PermissionError_) as info:
        run(go())
    assert info.value.code == "Authorization_RequestDenied"
    assert "Policy.Read.AuthenticationMethod" in str(info.value)
    assert info.value.request_id


def test_write_without_write_role(emulator: Emulator) -> None:
    async def go() -> None:
        async with client(emulator, roles=["Policy.Read.AuthenticationMethod"]) as graph:
            await graph.patch(
                f"{POLICY}/authenticationMethodConfigurations/Sms",
                {"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "state": "disabled"},
            )

    with pytest.raises(PermissionError_, match=r"Policy\.ReadWrite\.AuthenticationMethod"):
        run(go())


def test_non_premium_tenant_is_a_licence_error(emulator: Emulator) -> None:
    emulator.set_premium(False)

    async def go() -> None:
        async with client(emulator) as graph:
            await graph.get("/auditLogs/signIns", params={"$top": "1"})

    with pytest.raises(LicenseError, match="P1 or P2") as info:
        run(go())
    assert info.value.code == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"


def test_bad_token_is_an_auth_error(emulator: Emulator) -> None:
    async def go() -> None:
        async with client(emulator, token="not-a-jwt") as graph:
            await graph.get(POLICY)

    with pytest.raises(AuthError) as info:
        run(go())
    assert info.value.status == 401


def test_unknown_configuration_is_not_found(emulator: Emulator) -> None:
    async def go() -> None:
        async with client(emulator) as graph:
            await graph.get(f"{POLICY}/authenticationMethodConfigurations/NoSuchMethod")

    with pytest.raises(NotFoundError):
        run(go())


def test_server_error_is_a_service_error_and_not_retried(emulator: Emulator) -> None:
    emulator.add_fault(kind="status", status=500, path="authenticationMethodsPolicy", rate=1.0)

    async def go() -> None:
        async with client(emulator) as graph:
            await graph.get(POLICY)

    with pytest.raises(ServiceError):
        run(go())
    assert len(emulator.requests(path_contains="authenticationMethodsPolicy")) == 1


def test_report_pacing_avoids_the_emulators_throttling(emulator: Emulator) -> None:
    # The emulator enforces 5 requests / 10 s on reports with 429 + Retry-After; paced reads never see one.
    clock = FakeTime()
    epoch = time.time() - clock.now
    emulator.clock = lambda: epoch + clock.now  # the same (fake) time on both sides

    async def go() -> None:
        async with client(emulator, fake=clock, report_pacing=True) as graph:
            for _ in range(12):
                await graph.get(
                    "/reports/authenticationMethods/userRegistrationDetails", params={"$top": "1"}
                )

    run(go())
    statuses = [e["status"] for e in emulator.requests(path_contains="userRegistrationDetails")]
    assert statuses == [200] * 12
    assert clock.sleeps  # the client waited instead
