"""collect_directory against a small fake Graph (httpx.MockTransport): paging, $batch, nesting, degradation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mfaguard.errors import ServiceError
from mfaguard.graph.auth import StaticTokenProvider
from mfaguard.graph.client import GraphClient, RetryPolicy
from mfaguard.model.directory import ProblemKind
from mfaguard.read.directory import collect_directory
from tests.builders.policy import hardened_authenticator, method, policy

ENDPOINT = "https://graph.test"
USERS = [
    {
        "id": f"U{i}",
        "userPrincipalName": f"u{i}@x.test",
        "displayName": f"U {i}",
        "accountEnabled": i != 3,
        "userType": "Member",
    }
    for i in range(7)
]
REGISTRATION = [
    {
        "id": f"U{i}",
        "userPrincipalName": f"u{i}@x.test",
        "isAdmin": i == 0,
        "methodsRegistered": ["mobilePhone"],
    }
    for i in range(5)
]
GROUPS: dict[str, tuple[str, list[dict[str, str]]]] = {
    "g-outer": (
        "Outer",
        [
            {"@odata.type": "#microsoft.graph.group", "id": "G-MID", "displayName": "Mid"},
            {"@odata.type": "#microsoft.graph.user", "id": "U1"},
        ],
    ),
    "g-mid": (
        "Mid",
        [
            {"@odata.type": "#microsoft.graph.group", "id": "G-INNER", "displayName": "Inner"},
            {"@odata.type": "#microsoft.graph.device", "id": "D1"},
        ],
    ),
    "g-inner": ("Inner", [{"@odata.type": "#microsoft.graph.user", "id": f"U{i}"} for i in range(2, 6)]),
}


def error(status: int, code: str) -> dict[str, Any]:
    return {"status": status, "body": {"error": {"code": code, "message": code}}}


class FakeGraph:
    """Pages of 2 items; `fail` maps a path prefix to (status, code)."""

    def __init__(self, fail: Mapping[str, tuple[int, str]] | None = None) -> None:
        self.fail = dict(fail or {})
        self.paths: list[str] = []

    def answer(self, path: str, query: Mapping[str, list[str]]) -> dict[str, Any]:
        self.paths.append(path)
        for prefix, (status, code) in self.fail.items():
            if path.startswith(prefix):
                return error(status, code)
        skip = int(query.get("skip", ["0"])[0])
        if path == "/v1.0/users":
            return self.page(path, USERS, skip, query)
        if path.startswith("/v1.0/users/"):
            found = [
                u
                for u in USERS
                if path.rsplit("/", 1)[1].lower() in (u["id"].lower(), u["userPrincipalName"])
            ]
            return {"status": 200, "body": found[0]} if found else error(404, "Request_ResourceNotFound")
        if path.startswith("/beta/reports/authenticationMethods/userRegistrationDetails/"):
            wanted = path.rsplit("/", 1)[1]
            rows = [r for r in REGISTRATION if r["id"].lower() == wanted]
            return {"status": 200, "body": rows[0]} if rows else error(404, "Request_ResourceNotFound")
        if path == "/beta/reports/authenticationMethods/userRegistrationDetails":
            return self.page(path, REGISTRATION, skip, query)
        parts = path.split("/")
        if len(parts) >= 4 and parts[2] == "groups":
            group = GROUPS.get(parts[3].lower())
            if group is None:
                return error(404, "Request_ResourceNotFound")
            if len(parts) == 4:
                return {"status": 200, "body": {"id": parts[3], "displayName": group[0]}}
            return self.page(path, group[1], skip, query)
        return error(404, "Request_ResourceNotFound")

    @staticmethod
    def page(path: str, rows: list[Any], skip: int, query: Mapping[str, list[str]]) -> dict[str, Any]:
        body: dict[str, Any] = {"value": rows[skip : skip + 2]}
        if skip + 2 < len(rows):
            extra = "".join(f"&{k}={v[0]}" for k, v in query.items() if k != "skip")
            body["@odata.nextLink"] = f"{ENDPOINT}{path}?skip={skip + 2}{extra}"
        return {"status": 200, "body": body}

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        if url.path.endswith("/$batch"):
            version = url.path.split("/")[1]
            responses = []
            for inner in json.loads(request.content)["requests"]:
                inner_url = urlsplit(inner["url"])
                result = self.answer(f"/{version}{inner_url.path}", parse_qs(inner_url.query))
                responses.append({"id": inner["id"], "headers": {}, **result})
            return httpx.Response(200, json={"responses": responses})
        result = self.answer(url.path, parse_qs(url.query))
        return httpx.Response(result["status"], json=result["body"])


async def collect(fake: FakeGraph, *groups: str) -> Any:
    client = GraphClient(
        ENDPOINT,
        StaticTokenProvider("t"),
        transport=httpx.MockTransport(fake.handle),
        retry=RetryPolicy(max_attempts=1),
        report_pacing=False,
    )
    pol = policy(hardened_authenticator(exclude=["G-OUTER"]), method("Sms", include=["g-missing"]))
    async with client:
        return await collect_directory(client, pol, extra_groups=groups)


@pytest.mark.anyio
async def test_reads_users_report_and_nested_groups() -> None:
    fake = FakeGraph()
    direc = await collect(fake, "G-Break")
    assert direc.users is not None and len(direc.users) == 7
    assert direc.users["u3"].account_enabled is False
    assert direc.registration is not None and set(direc.registration) == {f"u{i}" for i in range(5)}
    assert direc.registration["u0"].is_admin is True
    outer = direc.groups["g-outer"]
    assert outer.display_name == "Outer"
    assert outer.member_users == {"u1"} and outer.member_groups == {"g-mid"}
    assert direc.groups["g-mid"].member_users == frozenset()  # the device is not a person
    assert direc.groups["g-inner"].member_users == {"u2", "u3", "u4", "u5"}  # two pages
    assert direc.groups["g-inner"].display_name == "Inner"
    assert direc.groups["g-missing"].exists is False
    assert direc.groups["g-break"].exists is False
    assert direc.problems == ()
    assert direc.requests["users_pages"] == 4
    assert direc.requests["registration_pages"] == 3
    # nextLinks were followed verbatim, with the original query
    assert "/v1.0/users" in fake.paths


@pytest.mark.anyio
async def test_licence_error_on_the_report_degrades() -> None:
    fake = FakeGraph({"/beta/reports": (403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant")})
    direc = await collect(fake)
    assert direc.registration is None
    assert direc.users is not None
    (problem,) = direc.problems
    assert problem.what == "registration"
    assert problem.kind is ProblemKind.LICENSE
    assert "P1 or P2" in problem.reason


@pytest.mark.anyio
async def test_permission_errors_degrade_per_part() -> None:
    fake = FakeGraph(
        {
            "/v1.0/users": (403, "Authorization_RequestDenied"),
            "/v1.0/groups/g-inner/members": (403, "Authorization_RequestDenied"),
        }
    )
    direc = await collect(fake)
    assert direc.users is None
    assert direc.registration is not None
    kinds = {p.what: p.kind for p in direc.problems}
    assert kinds == {"users": ProblemKind.PERMISSION, "group:g-inner": ProblemKind.PERMISSION}
    assert "User.Read.All" in (direc.problem("users").hint or "")  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_service_errors_stop_the_run() -> None:
    fake = FakeGraph({"/beta/reports": (500, "InternalServerError")})
    with pytest.raises(ServiceError):
        await collect(fake)


@pytest.mark.anyio
async def test_only_user_reads_one_user_and_one_report_row() -> None:
    fake = FakeGraph()
    client = GraphClient(
        ENDPOINT, StaticTokenProvider("t"), transport=httpx.MockTransport(fake.handle), report_pacing=False
    )
    pol = policy(hardened_authenticator(exclude=["G-OUTER"]))
    async with client:
        direc = await collect_directory(client, pol, only_user="U2")
        missing = await collect_directory(client, pol, only_user="nobody@x.test")
    assert direc.users is not None and list(direc.users) == ["u2"]
    assert direc.registration is not None and list(direc.registration) == ["u2"]
    assert "g-inner" in direc.groups  # the chain still needs the nesting
    assert missing.users == {} and missing.registration == {}
    assert not any(p.endswith("/users") for p in fake.paths)
