"""Users, groups, nested membership, getByIds: paging, $select/$filter/$top rules and permissions."""

from __future__ import annotations

from typing import Any

import pytest

from mfaguard.emulator import ROLE_GROUP_MEMBER_READ, ROLE_USER_READ, Emulator
from tests.emulator.conftest import graph_error
from tests.emulator_fixtures import graph_client

pytestmark = pytest.mark.anyio

ADVANCED = {"ConsistencyLevel": "eventual"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def follow(
    emu: Emulator, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any
) -> list[dict[str, Any]]:
    """All items of a collection, following @odata.nextLink verbatim."""
    items: list[dict[str, Any]] = []
    async with graph_client(emu, **kwargs) as client:
        next_url: str | None = url
        while next_url:
            response = await client.get(next_url, headers=headers)
            assert response.status_code == 200, response.text
            body = response.json()
            items.extend(body["value"])
            next_url = body.get("@odata.nextLink")
    return items


def group_id(emu: Emulator, name: str) -> str:
    for _, group in emu.default_tenant.directory.iter_groups(0):
        if group["displayName"] == name:
            return str(group["id"])
    raise AssertionError(name)


async def test_users_default_properties_and_select(emulator: Emulator) -> None:
    async with graph_client(emulator) as client:
        default = (await client.get("/v1.0/users", params={"$top": "1"})).json()["value"][0]
        selected = (
            await client.get("/v1.0/users", params={"$top": "1", "$select": "id,accountEnabled,userType"})
        ).json()
    assert "accountEnabled" not in default and "userPrincipalName" in default
    assert set(selected["value"][0]) == {"id", "accountEnabled", "userType"}
    assert selected["@odata.context"].endswith("/v1.0/$metadata#users")


async def test_users_paging_follows_next_links(emulator: Emulator) -> None:
    everyone = await follow(emulator, "/v1.0/users?$top=7&$select=id")
    assert len(everyone) == 41
    assert len({u["id"] for u in everyone}) == 41


@pytest.mark.parametrize("top", ["0", "1000", "abc"])
async def test_top_outside_1_to_999_is_400(emulator: Emulator, top: str) -> None:
    async with graph_client(emulator) as client:
        response = await client.get("/v1.0/users", params={"$top": top})
    assert response.status_code == 400
    error = graph_error(response)
    assert error["code"] == "Request_UnsupportedQuery"
    assert "Must be between 1 and 999 inclusive" in error["message"]


async def test_users_filter_basics(emulator: Emulator) -> None:
    guests = await follow(emulator, "/v1.0/users?$filter=userType eq 'Guest'&$select=id,userType")
    disabled = await follow(emulator, "/v1.0/users?$filter=accountEnabled eq false&$select=id,accountEnabled")
    both = await follow(
        emulator, "/v1.0/users?$filter=accountEnabled eq true and userType eq 'Member'&$select=id"
    )
    assert len(guests) == 4 and all(u["userType"] == "Guest" for u in guests)
    assert len(disabled) == 3
    assert len(both) == 41 - 4 - 3
    starts = await follow(emulator, "/v1.0/users?$filter=startswith(userPrincipalName,'megan')")
    assert [u["displayName"] for u in starts] == ["Megan Bowen"]


async def test_ne_filter_and_count_need_advanced_queries(emulator: Emulator) -> None:
    async with graph_client(emulator) as client:
        ne = await client.get("/v1.0/users", params={"$filter": "userType ne 'Guest'"})
        count = await client.get("/v1.0/users", params={"$count": "true"})
        advanced = await client.get(
            "/v1.0/users", params={"$filter": "userType ne 'Guest'", "$count": "true"}, headers=ADVANCED
        )
        unsupported = await client.get("/v1.0/users", params={"$filter": "jobTitle eq 'x'"})
    assert ne.status_code == 400 and graph_error(ne)["code"] == "Request_UnsupportedQuery"
    assert count.status_code == 400 and graph_error(count)["message"] == "$count is not currently supported."
    assert advanced.status_code == 200 and advanced.json()["@odata.count"] == 37
    assert unsupported.status_code == 400


async def test_unknown_select_property_is_400(emulator: Emulator) -> None:
    async with graph_client(emulator) as client:
        response = await client.get("/v1.0/users", params={"$select": "id,shoeSize"})
    assert response.status_code == 400
    assert "shoeSize" in graph_error(response)["message"]


async def test_user_by_id_or_upn(emulator: Emulator) -> None:
    async with graph_client(emulator) as client:
        by_upn = await client.get("/v1.0/users/Megan.Bowen@contoso.onmicrosoft.com")
        by_id = await client.get(f"/v1.0/users/{by_upn.json()['id']}")
        missing = await client.get("/v1.0/users/nobody@contoso.onmicrosoft.com")
    assert by_upn.status_code == 200 and by_id.json()["displayName"] == "Megan Bowen"
    assert missing.status_code == 404 and graph_error(missing)["code"] == "Request_ResourceNotFound"


async def test_users_need_a_users_role(emulator: Emulator) -> None:
    async with graph_client(emulator, roles=["Policy.Read.All"]) as client:
        response = await client.get("/v1.0/users")
    assert response.status_code == 403
    assert graph_error(response)["code"] == "Authorization_RequestDenied"


async def test_transitive_members_resolve_nested_groups(emulator: Emulator) -> None:
    staff = group_id(emulator, "All Staff")
    direct = await follow(emulator, f"/v1.0/groups/{staff}/members")
    transitive = await follow(emulator, f"/v1.0/groups/{staff}/transitiveMembers?$top=5")
    users = await follow(
        emulator,
        f"/v1.0/groups/{staff}/transitiveMembers/microsoft.graph.user?$count=true&$select=id,displayName",
        headers=ADVANCED,
    )
    assert any(m["@odata.type"] == "#microsoft.graph.group" for m in direct)
    names = {m.get("displayName") for m in transitive}
    assert {"Operations", "Field Ops", "Field Ops - North", "Fatima Khan"} <= names  # three levels down
    assert all(m["@odata.type"] == "#microsoft.graph.user" for m in users)
    assert len(users) == 30
    assert len({u["id"] for u in users}) == len(users)


async def test_cast_needs_advanced_query_and_count_is_on_the_first_page(emulator: Emulator) -> None:
    staff = group_id(emulator, "All Staff")
    url = f"/v1.0/groups/{staff}/transitiveMembers/microsoft.graph.user"
    async with graph_client(emulator) as client:
        plain = await client.get(url)
        first = await client.get(url, params={"$count": "true", "$top": "10"}, headers=ADVANCED)
        second = await client.get(first.json()["@odata.nextLink"], headers=ADVANCED)
        count = await client.get(
            f"/v1.0/groups/{staff}/transitiveMembers/microsoft.graph.user/$count", headers=ADVANCED
        )
    assert plain.status_code == 400 and graph_error(plain)["code"] == "Request_UnsupportedQuery"
    assert first.json()["@odata.count"] == 30
    assert "@odata.count" not in second.json()
    assert count.text == "30" and count.headers["content-type"].startswith("text/plain")


async def test_members_without_user_permission_are_limited(emulator: Emulator) -> None:
    staff = group_id(emulator, "Field Ops")
    members = await follow(emulator, f"/v1.0/groups/{staff}/members", roles=[ROLE_GROUP_MEMBER_READ])
    users = [m for m in members if m["@odata.type"] == "#microsoft.graph.user"]
    assert users and all(set(u) == {"@odata.type", "id"} for u in users)


async def test_unknown_group_is_404(emulator: Emulator) -> None:
    async with graph_client(emulator) as client:
        response = await client.get("/v1.0/groups/5f0e6c2a-0000-4000-8000-000000000bad/transitiveMembers")
    assert response.status_code == 404


async def test_get_by_ids(emulator: Emulator) -> None:
    staff = group_id(emulator, "All Staff")
    megan = emulator.default_tenant.directory.user("megan.bowen@contoso.onmicrosoft.com")
    assert megan is not None
    body = {"ids": [staff, megan["id"], "5f0e6c2a-0000-4000-8000-000000000bad"], "types": ["user", "group"]}
    async with graph_client(emulator) as client:
        response = await client.post("/v1.0/directoryObjects/getByIds", json=body)
        only_groups = await client.post("/v1.0/directoryObjects/getByIds", json={**body, "types": ["group"]})
        too_many = await client.post("/v1.0/directoryObjects/getByIds", json={"ids": ["x"] * 1001})
    assert response.status_code == 200
    assert sorted(o["@odata.type"] for o in response.json()["value"]) == [
        "#microsoft.graph.group",
        "#microsoft.graph.user",
    ]
    assert [o["id"] for o in only_groups.json()["value"]] == [staff]
    assert too_many.status_code == 400


async def test_organization_reports_the_tenant(emulator: Emulator) -> None:
    async with graph_client(emulator, roles=[ROLE_USER_READ]) as client:
        org = (await client.get("/v1.0/organization")).json()["value"][0]
    assert org["id"] == emulator.default_tenant.id
    assert org["verifiedDomains"][0]["name"] == "contoso.onmicrosoft.com"


async def test_big_directory_pages_100k_users_lazily() -> None:
    emu = Emulator("big")
    async with graph_client(emu) as client:
        first = (
            await client.get("/v1.0/users", params={"$top": "999", "$select": "id,accountEnabled"})
        ).json()
        assert len(first["value"]) == 999
        group0 = emu.default_tenant.directory.iter_groups(0)
        root = next(group0)[1]["id"]
        count = await client.get(
            f"/v1.0/groups/{root}/transitiveMembers/microsoft.graph.user/$count", headers=ADVANCED
        )
    assert int(count.text) == 100_000
    skipped = await follow(emu, "/v1.0/users?$top=999&$select=id&$filter=userType eq 'Guest'")
    assert len(skipped) == 2_500


async def test_user_transitive_member_of(emulator: Emulator) -> None:
    direct = await follow(emulator, "/v1.0/users/fatima.khan@contoso.onmicrosoft.com/memberOf")
    nested = await follow(emulator, "/v1.0/users/fatima.khan@contoso.onmicrosoft.com/transitiveMemberOf")
    assert [g["displayName"] for g in direct] == ["Field Ops - North"]
    assert [g["displayName"] for g in nested] == ["Field Ops - North", "Field Ops", "Operations", "All Staff"]
    big = Emulator("big")
    user = next(big.default_tenant.directory.iter_users(12_345))[1]
    groups = await follow(
        big,
        f"/v1.0/users/{user['id']}/transitiveMemberOf/microsoft.graph.group?$count=true",
        headers=ADVANCED,
    )
    assert groups[-1]["displayName"] == "All staff" and len(groups) >= 3
