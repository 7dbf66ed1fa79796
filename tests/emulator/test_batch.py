"""JSON batching: limits, unique ids, inner statuses, dependsOn → 424, inner 429 with Retry-After."""

from __future__ import annotations

from typing import Any

import pytest

from mfaguard.emulator import Emulator
from tests.emulator.conftest import CONFIGS, SMS_TYPE, graph_error
from tests.emulator_fixtures import graph_client

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def batch(emu: Emulator, requests: list[dict[str, Any]], **kwargs: Any) -> Any:
    async with graph_client(emu, **kwargs) as client:
        return await client.post("/v1.0/$batch", json={"requests": requests})


async def test_batch_runs_inner_requests_with_their_own_statuses(emulator: Emulator) -> None:
    response = await batch(
        emulator,
        [
            {"id": "1", "method": "GET", "url": "/users?$top=2&$select=id"},
            {"id": "2", "method": "GET", "url": "groups/5f0e6c2a-0000-4000-8000-000000000bad"},
            {
                "id": "3",
                "method": "PATCH",
                "url": f"{CONFIGS}/Sms",
                "headers": {"Content-Type": "application/json"},
                "body": {"@odata.type": SMS_TYPE, "state": "disabled"},
            },
        ],
    )
    assert response.status_code == 200
    out = {r["id"]: r for r in response.json()["responses"]}
    assert out["1"]["status"] == 200 and len(out["1"]["body"]["value"]) == 2
    assert out["2"]["status"] == 404 and out["2"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert out["3"]["status"] == 204 and "body" not in out["3"]
    assert emulator.stored_configuration("Sms")["state"] == "disabled"
    inner = [e for e in emulator.requests() if e["batch_id"]]
    assert len(inner) == 3


async def test_depends_on_a_failed_request_gives_424(emulator: Emulator) -> None:
    response = await batch(
        emulator,
        [
            {"id": "a", "method": "GET", "url": "/groups/5f0e6c2a-0000-4000-8000-000000000bad"},
            {"id": "b", "method": "GET", "url": "/users?$top=1", "dependsOn": ["a"]},
            {"id": "c", "method": "GET", "url": "/users?$top=1", "dependsOn": ["b"]},
        ],
    )
    statuses = {r["id"]: r["status"] for r in response.json()["responses"]}
    assert statuses == {"a": 404, "b": 424, "c": 424}


async def test_inner_429_carries_retry_after(emulator: Emulator) -> None:
    emulator.add_fault(kind="status", status=429, path="^/users", nth=2, retry_after=4)
    response = await batch(
        emulator, [{"id": str(i), "method": "GET", "url": "/users?$top=1"} for i in range(3)]
    )
    inner = {r["id"]: r for r in response.json()["responses"]}
    assert response.status_code == 200
    assert inner["1"]["status"] == 429 and inner["1"]["headers"]["Retry-After"] == "4"
    assert inner["0"]["status"] == inner["2"]["status"] == 200


async def test_inner_report_throttling_is_per_request(emulator: Emulator) -> None:
    url = "/reports/authenticationMethods/userRegistrationDetails?$top=1"
    response = await batch(emulator, [{"id": str(i), "method": "GET", "url": url} for i in range(7)])
    statuses = [r["status"] for r in response.json()["responses"]]
    assert statuses == [200] * 5 + [429, 429]
    assert all("Retry-After" in r["headers"] for r in response.json()["responses"][5:])


@pytest.mark.parametrize(
    ("requests", "message"),
    [
        ([{"id": str(i), "method": "GET", "url": "/users"} for i in range(21)], "limit of 20"),
        (
            [{"id": "1", "method": "GET", "url": "/users"}, {"id": "1", "method": "GET", "url": "/groups"}],
            "unique",
        ),
        (
            [{"id": "1", "method": "PATCH", "url": f"{CONFIGS}/Sms", "body": {"state": "disabled"}}],
            "Content-Type",
        ),
        ([{"id": "1", "method": "GET", "url": "/users", "dependsOn": ["9"]}], "depends on"),
        ([{"id": "1", "method": "GET"}], "url"),
        ([], "empty"),
    ],
)
async def test_malformed_batches_are_400(
    emulator: Emulator, requests: list[dict[str, Any]], message: str
) -> None:
    response = await batch(emulator, requests)
    assert response.status_code == 400
    assert message in graph_error(response)["message"]


async def test_inner_requests_use_the_outer_token_roles(emulator: Emulator) -> None:
    response = await batch(
        emulator, [{"id": "1", "method": "GET", "url": "/users"}], roles=["Policy.Read.All"]
    )
    assert response.json()["responses"][0]["status"] == 403
