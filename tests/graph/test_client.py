"""GraphClient against scripted responses (httpx.MockTransport): retries, paging, errors, batch."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from mfaguard.errors import (
    AuthError,
    GraphError,
    LicenseError,
    NotFoundError,
    PermissionError_,
    ServiceError,
    ThrottledError,
    UsageError,
)
from mfaguard.graph.auth import StaticTokenProvider
from mfaguard.graph.client import BatchRequest, GraphClient, RetryPolicy, parse_retry_after
from tests.graph._fakes import ENDPOINT, FakeTime, Recorder, graph_error, make_client, ok, run, scripted

POLICY = "/policies/authenticationMethodsPolicy"


def test_get_sends_auth_ids_and_prefer_header() -> None:
    rec = Recorder(scripted(ok({"id": "authenticationMethodsPolicy"})))

    async def go() -> dict[str, object]:
        async with make_client(rec) as graph:
            return await graph.get(POLICY)

    assert run(go()) == {"id": "authenticationMethodsPolicy"}
    [request] = rec.requests
    assert str(request.url) == f"{ENDPOINT}/beta{POLICY}"
    assert request.headers["Authorization"] == "Bearer tok-123"
    assert request.headers["Prefer"] == "include-unknown-enum-members"
    assert len(request.headers["client-request-id"]) == 36
    assert request.headers["User-Agent"].startswith("mfaguard/")


def test_paging_follows_next_link_verbatim_and_resends_consistency_level() -> None:
    next1 = f"{ENDPOINT}/v1.0/groups/g1/transitiveMembers?$count=true&$skiptoken=AAA%3D%3D"
    next2 = f"{ENDPOINT}/v1.0/groups/g1/transitiveMembers?$count=true&$skiptoken=BBB"
    rec = Recorder(
        scripted(
            ok({"value": [{"id": "u1"}, {"id": "u2"}], "@odata.nextLink": next1}),
            ok({"value": [], "@odata.nextLink": next2}),  # an empty page may still have a nextLink
            ok({"value": [{"id": "u3"}]}),
        )
    )

    async def go() -> list[str]:
        async with make_client(rec) as graph:
            return [
                item["id"]
                async for item in graph.iter_items(
                    "/groups/g1/transitiveMembers",
                    version="v1.0",
                    params={"$count": "true"},
                    headers={"ConsistencyLevel": "eventual"},
                )
            ]

    assert run(go()) == ["u1", "u2", "u3"]
    assert [str(r.url) for r in rec.requests[1:]] == [next1, next2]
    assert all(r.headers["ConsistencyLevel"] == "eventual" for r in rec.requests)


def test_next_link_to_another_host_is_refused() -> None:
    rec = Recorder(
        scripted(ok({"value": [], "@odata.nextLink": "https://evil.example/beta/users?$skiptoken=x"}))
    )

    async def go() -> None:
        async with make_client(rec) as graph:
            async for _ in graph.iter_items("/users"):
                pass

    with pytest.raises(ServiceError, match="another host"):
        run(go())
    assert len(rec.requests) == 1


def test_429_honours_retry_after_seconds() -> None:
    fake = FakeTime()
    rec = Recorder(scripted(graph_error(429, "TooManyRequests", **{"Retry-After": "7"}), ok({"ok": True})))

    async def go() -> dict[str, object]:
        async with make_client(rec, fake) as graph:
            return await graph.get(POLICY)

    assert run(go()) == {"ok": True}
    assert fake.sleeps == [7.0]
    # The same client-request-id across retries of one call, so support can correlate them.
    assert rec.requests[0].headers["client-request-id"] == rec.requests[1].headers["client-request-id"]


def test_retry_after_http_date() -> None:
    when = datetime(2030, 1, 1, tzinfo=UTC)
    value = format_datetime(when - timedelta(seconds=0), usegmt=True)
    assert parse_retry_after(value, now=when.timestamp() - 12) == pytest.approx(12)
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-3") == 0.0


def test_503_without_retry_after_backs_off_with_jitter() -> None:
    fake = FakeTime()
    rec = Recorder(scripted(httpx.Response(503), httpx.Response(503), ok({"ok": 1})))
    policy = RetryPolicy(backoff_base=2.0)

    async def go() -> None:
        async with make_client(rec, fake, retry=policy) as graph:
            await graph.get(POLICY)

    run(go())
    first, second = fake.sleeps
    assert 1.0 <= first <= 2.0  # equal jitter: half fixed, half random
    assert 2.0 <= second <= 4.0


def test_persistent_429_raises_throttled_after_bounded_attempts() -> None:
    fake = FakeTime()
    rec = Recorder(
        lambda r: graph_error(
            429,
            "TooManyRequests",
            **{"Retry-After": "1", "x-ms-throttle-scope": "Tenant_Application/ReadWrite/app/t"},
        )
    )

    async def go() -> None:
        async with make_client(rec, fake, retry=RetryPolicy(max_attempts=4)) as graph:
            await graph.get(POLICY)

    with pytest.raises(ThrottledError) as info:
        run(go())
    assert len(rec.requests) == 4
    assert info.value.status == 429
    assert info.value.request_id == "rid-1"
    assert "Tenant_Application" in str(info.value)


def test_retry_after_beyond_deadline_fails_at_once() -> None:
    fake = FakeTime()
    rec = Recorder(lambda r: graph_error(429, "TooManyRequests", **{"Retry-After": "500"}))

    async def go() -> None:
        async with make_client(rec, fake, retry=RetryPolicy(deadline=60)) as graph:
            await graph.get(POLICY)

    with pytest.raises(ThrottledError):
        run(go())
    assert len(rec.requests) == 1
    assert fake.sleeps == []


def test_deadline_bounds_total_time_of_retries() -> None:
    fake = FakeTime()
    rec = Recorder(lambda r: httpx.Response(503, headers={"Retry-After": "10"}))

    async def go() -> None:
        async with make_client(rec, fake, retry=RetryPolicy(max_attempts=100, deadline=35)) as graph:
            await graph.get(POLICY)

    with pytest.raises(ServiceError):
        run(go())
    assert sum(fake.sleeps) <= 35
    assert len(rec.requests) == 4  # t=0, 10, 20, 30; a fourth wait would pass the deadline


def test_read_is_retried_after_connection_reset() -> None:
    rec = Recorder(
        scripted(httpx.RemoteProtocolError("Server disconnected"), httpx.ReadTimeout("slow"), ok({"a": 1}))
    )

    async def go() -> dict[str, object]:
        async with make_client(rec) as graph:
            return await graph.get(POLICY)

    assert run(go()) == {"a": 1}
    assert len(rec.requests) == 3


def test_patch_is_not_resent_after_the_request_may_have_landed() -> None:
    rec = Recorder(scripted(httpx.ReadTimeout("no answer"), ok(None, status=204)))

    async def go() -> None:
        async with make_client(rec) as graph:
            await graph.patch(f"{POLICY}/authenticationMethodConfigurations/Sms", {"state": "disabled"})

    with pytest.raises(ServiceError, match="may or may not have been applied"):
        run(go())
    assert len(rec.requests) == 1


def test_patch_is_retried_when_the_connection_never_opened() -> None:
    rec = Recorder(scripted(httpx.ConnectError("refused"), ok(None, status=204)))

    async def go() -> object:
        async with make_client(rec) as graph:
            return await graph.patch(
                f"{POLICY}/authenticationMethodConfigurations/Sms", {"state": "disabled"}
            )

    assert run(go()) is None
    assert len(rec.requests) == 2
    assert json.loads(rec.requests[1].content) == {"state": "disabled"}


def test_patch_retries_503_but_not_504() -> None:
    rec = Recorder(scripted(httpx.Response(503, headers={"Retry-After": "0"}), ok(None, status=204)))

    async def go(recorder: Recorder) -> object:
        async with make_client(recorder) as graph:
            return await graph.patch(POLICY, {"x": 1})

    assert run(go(rec)) is None
    rec504 = Recorder(scripted(httpx.Response(504), ok(None, status=204)))
    with pytest.raises(ServiceError):
        run(go(rec504))
    assert len(rec504.requests) == 1


def test_patch_root_returns_body() -> None:
    rec = Recorder(scripted(ok({"id": "authenticationMethodsPolicy"})))

    async def go() -> object:
        async with make_client(rec) as graph:
            return await graph.patch(POLICY, {"policyMigrationState": "migrationComplete"})

    assert run(go()) == {"id": "authenticationMethodsPolicy"}
    assert rec.requests[0].method == "PATCH"


def test_401_refetches_token_once_then_raises_auth_error() -> None:
    class Counting(StaticTokenProvider):
        invalidations = 0

        def invalidate(self) -> None:
            Counting.invalidations += 1

    rec = Recorder(lambda r: graph_error(401, "InvalidAuthenticationToken", "Access token has expired"))

    async def go() -> None:
        async with GraphClient(ENDPOINT, Counting("t"), transport=rec.transport) as graph:
            await graph.get(POLICY)

    with pytest.raises(AuthError, match="token") as info:
        run(go())
    assert Counting.invalidations == 1
    assert len(rec.requests) == 2
    assert info.value.code == "InvalidAuthenticationToken"
    assert "Access token has expired" in str(info.value)


@pytest.mark.parametrize(
    ("method", "path", "response", "error", "needle"),
    [
        (
            "GET",
            POLICY,
            graph_error(403, "Authorization_RequestDenied", "Insufficient privileges"),
            PermissionError_,
            "Policy.Read.AuthenticationMethod",
        ),
        (
            "PATCH",
            f"{POLICY}/authenticationMethodConfigurations/Sms",
            graph_error(403, "Authorization_RequestDenied"),
            PermissionError_,
            "Policy.ReadWrite.AuthenticationMethod",
        ),
        (
            "GET",
            "/groups/g1",
            graph_error(403, "Authorization_RequestDenied"),
            PermissionError_,
            "GroupMember.Read.All",
        ),
        (
            "GET",
            "/auditLogs/signIns",
            graph_error(403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant"),
            LicenseError,
            "P1 or P2",
        ),
        (
            "GET",
            "/identityProtection/riskDetections",
            graph_error(403, "Forbidden"),
            PermissionError_,
            "IdentityRiskEvent.Read.All",
        ),
        (
            "GET",
            "/reports/authenticationMethods/userRegistrationDetails",
            graph_error(403, "Authorization_RequestDenied"),
            PermissionError_,
            "AuditLog.Read.All",
        ),
        ("GET", "/groups/missing", graph_error(404, "Request_ResourceNotFound"), NotFoundError, "not found"),
        ("GET", POLICY, graph_error(500, "InternalServerError"), ServiceError, "Microsoft Graph side"),
        (
            "PATCH",
            POLICY,
            graph_error(400, "badRequest", "numberMatchingRequiredState cannot be toggled"),
            GraphError,
            "cannot be toggled",
        ),
        ("PATCH", POLICY, graph_error(409, "Conflict"), GraphError, "concurrent change"),
    ],
)
def test_error_mapping(
    method: str, path: str, response: httpx.Response, error: type[GraphError], needle: str
) -> None:
    rec = Recorder(lambda r: response)

    async def go() -> None:
        async with make_client(rec, report_pacing=False) as graph:
            if method == "GET":
                await graph.get(path)
            else:
                await graph.patch(path, {"@odata.type": "#x"})

    with pytest.raises(error) as info:
        run(go())
    assert type(info.value) is error
    assert needle in str(info.value)
    assert info.value.request_id == "rid-1"
    assert info.value.status == response.status_code
    assert len(rec.requests) == 1  # none of these is retried


def test_non_json_success_is_a_service_error() -> None:
    rec = Recorder(scripted(httpx.Response(200, text="<html>proxy login</html>")))

    async def go() -> None:
        async with make_client(rec) as graph:
            await graph.get(POLICY)

    with pytest.raises(ServiceError, match="not a JSON object"):
        run(go())


def test_plain_http_only_for_loopback() -> None:
    with pytest.raises(UsageError, match="loopback"):
        GraphClient("http://graph.example.com", StaticTokenProvider("t"))
    with pytest.raises(UsageError, match="API version"):
        GraphClient("https://graph.microsoft.com/v1.0", StaticTokenProvider("t"))
    client = GraphClient("http://127.0.0.1:8080/", StaticTokenProvider("t"))
    assert client.endpoint == "http://127.0.0.1:8080"
    run(client.aclose())


def test_batch_chunks_by_20_keeps_order_and_maps_inner_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        answers = []
        for entry in reversed(body["requests"]):  # Graph may answer in any order
            group = entry["url"].split("/")[2]
            if group.startswith("missing"):
                answers.append(
                    {
                        "id": entry["id"],
                        "status": 404,
                        "headers": {},
                        "body": {"error": {"code": "Request_ResourceNotFound", "message": "gone"}},
                    }
                )
            else:
                answers.append({"id": entry["id"], "status": 200, "headers": {}, "body": {"id": group}})
        return ok({"responses": answers})

    rec = Recorder(handler)
    ids = [f"g{i}" if i % 10 else f"missing{i}" for i in range(45)]

    async def go() -> list[object]:
        async with make_client(rec) as graph:
            return list(await graph.batch([BatchRequest("GET", f"/groups/{g}") for g in ids]))

    results = run(go())
    assert [len(json.loads(r.content)["requests"]) for r in rec.requests] == [20, 20, 5]
    assert all(str(r.url) == f"{ENDPOINT}/beta/$batch" for r in rec.requests)
    for group_id, result in zip(ids, results, strict=True):
        assert result.request.url == f"/groups/{group_id}"  # type: ignore[attr-defined]
        if group_id.startswith("missing"):
            assert isinstance(result.error, NotFoundError)  # type: ignore[attr-defined]
        else:
            assert result.json() == {"id": group_id}  # type: ignore[attr-defined]


def test_batch_retries_only_throttled_inner_requests_honouring_their_retry_after() -> None:
    fake = FakeTime()
    calls: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        entries = json.loads(request.content)["requests"]
        calls.append([e["url"] for e in entries])
        answers = []
        for entry in entries:
            if entry["url"] == "/groups/b" and len(calls) == 1:
                answers.append(
                    {
                        "id": entry["id"],
                        "status": 429,
                        "headers": {"Retry-After": "4"},
                        "body": {"error": {"code": "TooManyRequests"}},
                    }
                )
            elif entry["url"] == "/groups/c":
                answers.append(
                    {
                        "id": entry["id"],
                        "status": 403,
                        "headers": {},
                        "body": {
                            "error": {
                                "code": "Authorization_RequestDenied",
                                "innerError": {"request-id": "inner"},
                            }
                        },
                    }
                )
            else:
                answers.append({"id": entry["id"], "status": 200, "body": {"id": entry["url"]}})
        return ok({"responses": answers})

    rec = Recorder(handler)

    async def go() -> list[object]:
        async with make_client(rec, fake) as graph:
            return list(await graph.batch([BatchRequest("GET", f"/groups/{g}") for g in "abc"]))

    a, b, c = run(go())
    assert calls == [["/groups/a", "/groups/b", "/groups/c"], ["/groups/b"]]
    assert fake.sleeps == [4.0]
    assert a.ok and b.ok  # type: ignore[attr-defined]
    assert isinstance(c.error, PermissionError_)  # type: ignore[attr-defined]
    assert c.error.request_id == "inner"  # type: ignore[attr-defined]
    assert "GroupMember.Read.All" in str(c.error)  # type: ignore[attr-defined]


def test_batch_inner_429_past_budget_becomes_throttled_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        entries = json.loads(request.content)["requests"]
        return ok(
            {"responses": [{"id": e["id"], "status": 429, "headers": {"Retry-After": "1"}} for e in entries]}
        )

    rec = Recorder(handler)

    async def go() -> list[object]:
        async with make_client(rec, retry=RetryPolicy(max_attempts=3)) as graph:
            return list(await graph.batch([BatchRequest("GET", "/groups/a")]))

    [result] = run(go())
    assert isinstance(result.error, ThrottledError)  # type: ignore[attr-defined]
    assert len(rec.requests) == 3


def test_batch_write_sets_content_type_and_post_is_not_retried_after_send() -> None:
    rec = Recorder(scripted(httpx.ReadTimeout("lost")))

    async def go() -> None:
        async with make_client(rec) as graph:
            await graph.batch([BatchRequest("PATCH", "/groups/a", body={"displayName": "x"})])

    with pytest.raises(ServiceError, match="may or may not"):
        run(go())
    entry = json.loads(rec.requests[0].content)["requests"][0]
    assert entry["headers"] == {"Content-Type": "application/json"}


def test_report_endpoints_are_paced_client_side() -> None:
    fake = FakeTime()
    start = fake.now
    sent_at: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent_at.append(fake.now - start)
        return ok({"value": []})

    rec = Recorder(handler)

    async def go() -> None:
        async with make_client(rec, fake) as graph:
            for _ in range(7):
                await graph.get("/auditLogs/signIns", params={"$top": "1"})
            await graph.get(POLICY)  # not a report: not paced

    run(go())
    assert sent_at[:5] == [0.0] * 5
    assert sent_at[5:7] == [10.0, 10.0]
    assert sent_at[7] == 10.0


def test_pacing_can_be_disabled() -> None:
    fake = FakeTime()
    rec = Recorder(lambda r: ok({"value": []}))

    async def go() -> None:
        async with make_client(rec, fake, report_pacing=False) as graph:
            for _ in range(7):
                await graph.get("/identityProtection/riskDetections")

    run(go())
    assert fake.sleeps == []


def test_waiting_for_a_paced_slot_does_not_use_up_the_deadline() -> None:
    fake = FakeTime()
    answers = iter(
        [ok({"value": []})] * 5
        + [graph_error(429, "TooManyRequests", **{"Retry-After": "1"}), ok({"value": []})]
    )
    rec = Recorder(lambda r: next(answers))

    async def go() -> None:
        async with make_client(rec, fake, retry=RetryPolicy(deadline=5)) as graph:
            for _ in range(6):  # the 6th queues 10 s for a slot (past its 5 s deadline), then gets a 429
                await graph.get("/auditLogs/signIns")

    run(go())  # without excluding the queueing time the 429 could not be retried
    assert len(rec.requests) == 7
