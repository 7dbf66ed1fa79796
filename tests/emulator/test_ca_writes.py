"""Conditional Access writes (DESIGN §11): POST 201, PATCH 204, DELETE 204, each validation rule, the P2
rule (1039), permissions, eventual consistency, the request log, faults, and round trips of GET bodies."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mfaguard.emulator import ROLE_CA_WRITE, ROLE_POLICY_READ_ALL, Emulator
from tests.emulator.conftest import FakeClock, graph_error
from tests.emulator_fixtures import graph_client

pytestmark = pytest.mark.anyio
POLICIES = "/identity/conditionalAccess/policies"
WRITER = [ROLE_CA_WRITE, ROLE_POLICY_READ_ALL, "RoleManagement.Read.Directory"]


def body(**overrides: Any) -> dict[str, Any]:
    """A valid report-only MFA-for-all policy (what mfaguard's require_mfa_all_users would send)."""
    policy: dict[str, Any] = {
        "displayName": "mfaguard: require MFA for all users",
        "state": "enabledForReportingButNotEnforced",
        "conditions": {
            "users": {"includeUsers": ["All"], "excludeGroups": ["f34b5b02-931d-53fb-bed9-5ae0601ec544"]},
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["all"],
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }
    policy.update(overrides)
    return policy


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def send(emu: Emulator, method: str, url: str, payload: Any = None, *, roles: Any = WRITER) -> Any:
    async with graph_client(emu, roles=roles) as client:
        if payload is None:
            return await client.request(method, url)
        return await client.request(method, url, json=payload)


async def test_post_answers_201_with_the_created_policy() -> None:
    emu = Emulator("weak")
    response = await send(emu, "POST", f"/v1.0{POLICIES}", body())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["@odata.context"].endswith("#identity/conditionalAccess/policies/$entity")
    assert created["id"] and created["id"] != "mfaguard"
    assert created["createdDateTime"].endswith("Z") and created["modifiedDateTime"] is None
    assert created["conditions"]["users"]["includeRoles"] == []  # normalised like Graph's answer
    assert created["grantControls"]["termsOfUse"] == []
    assert response.headers["Location"].endswith(
        f"/v1.0/identity/conditionalAccess/policies('{created['id']}')"
    )
    again = await send(emu, "GET", f"/v1.0{POLICIES}/{created['id']}")
    assert again.status_code == 200
    assert {k: v for k, v in again.json().items() if k != "@odata.context"} == {
        k: v for k, v in created.items() if k != "@odata.context"
    }


async def test_patch_merges_objects_replaces_collections_and_answers_204() -> None:
    emu = Emulator("weak")
    created = (await send(emu, "POST", f"/v1.0{POLICIES}", body())).json()
    url = f"/v1.0{POLICIES}/{created['id']}"
    patched = await send(
        emu,
        "PATCH",
        url,
        {
            "state": "enabled",
            "conditions": {
                "users": {"includeUsers": [], "includeGroups": ["c024a8df-2510-5826-b007-255ebd26b1b7"]}
            },
        },
    )
    assert patched.status_code == 204 and patched.content == b""
    after = (await send(emu, "GET", url)).json()
    assert after["state"] == "enabled"
    users = after["conditions"]["users"]
    assert users["includeGroups"] == ["c024a8df-2510-5826-b007-255ebd26b1b7"] and users["includeUsers"] == []
    assert users["excludeGroups"] == ["f34b5b02-931d-53fb-bed9-5ae0601ec544"]  # untouched by the merge
    assert after["conditions"]["applications"]["includeApplications"] == ["All"]
    assert after["modifiedDateTime"] is not None and after["createdDateTime"] == created["createdDateTime"]


async def test_delete_answers_204_and_the_policy_is_gone() -> None:
    emu = Emulator("weak")
    created = (await send(emu, "POST", f"/v1.0{POLICIES}", body())).json()
    url = f"/v1.0{POLICIES}/{created['id']}"
    deleted = await send(emu, "DELETE", url)
    assert deleted.status_code == 204
    assert (await send(emu, "GET", url)).status_code == 404
    assert (await send(emu, "DELETE", url)).status_code == 404
    assert (await send(emu, "PATCH", url, {"state": "enabled"})).status_code == 404


async def test_beta_writes_work_the_same() -> None:
    emu = Emulator("weak")
    created = await send(emu, "POST", f"/beta{POLICIES}", body())
    assert created.status_code == 201 and "templateId" not in created.json()
    assert (
        await send(emu, "PATCH", f"/beta{POLICIES}/{created.json()['id']}", {"state": "disabled"})
    ).status_code == 204


@pytest.mark.parametrize(
    "roles",
    [
        [ROLE_POLICY_READ_ALL],
        [ROLE_CA_WRITE],
        ["Policy.ReadWrite.AuthenticationMethod", ROLE_POLICY_READ_ALL],
    ],
)
async def test_writes_need_policy_readwrite_conditional_access_and_policy_read_all(roles: list[str]) -> None:
    emu = Emulator("weak")
    existing = emu.stored_ca_policies()[0]["id"]
    for method, url, payload in (
        ("POST", f"/v1.0{POLICIES}", body()),
        ("PATCH", f"/v1.0{POLICIES}/{existing}", {"state": "disabled"}),
        ("DELETE", f"/v1.0{POLICIES}/{existing}", None),
    ):
        response = await send(emu, method, url, payload, roles=roles)
        assert response.status_code == 403 and graph_error(response)["code"] == "AccessDenied", method
    assert len(emu.stored_ca_policies()) == 3


# ---------------------------------------------------------------------------------------- validation

INVALID = "1007: Incoming ConditionalAccessPolicy object is null or does not match the schema"


def _without(path: str) -> dict[str, Any]:
    policy = body()
    parts = path.split(".")
    target = policy
    for part in parts[:-1]:
        target = target[part]
    del target[parts[-1]]
    return policy


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            body(surprise=True),
            "The property 'surprise' does not exist on type 'microsoft.graph.conditionalAccessPolicy'",
        ),
        (
            body(conditions={**body()["conditions"], "users": {"includeEveryone": ["All"]}}),
            "The property 'includeEveryone' does not exist on type 'microsoft.graph.conditionalAccessUsers'",
        ),
        (
            body(state="on"),
            "'on' is not a valid value of enum type 'microsoft.graph.conditionalAccessPolicyState'",
        ),
        (
            body(conditions={**body()["conditions"], "clientAppTypes": ["legacy"]}),
            "'legacy' is not a valid value of enum type 'microsoft.graph.conditionalAccessClientApp'",
        ),
        (
            body(grantControls={"operator": "OR", "builtInControls": ["unknownFutureValue"]}),
            "is not a valid value of enum type 'microsoft.graph.conditionalAccessGrantControl'",
        ),
        (body(grantControls={"operator": "OR", "builtInControls": "mfa"}), "expected a JSON array"),
        (_without("conditions.users"), f"{INVALID}.*conditions.users is required"),
        (_without("conditions.applications"), f"{INVALID}.*conditions.applications is required"),
        (
            body(conditions={**body()["conditions"], "users": {"includeUsers": [], "excludeUsers": ["x"]}}),
            f"{INVALID}.*includes nobody",
        ),
        (_without("grantControls"), f"{INVALID}.*grantControls or sessionControls is required"),
        (
            body(grantControls=None, sessionControls=None),
            f"{INVALID}.*grantControls or sessionControls is required",
        ),
        (body(grantControls={"builtInControls": ["mfa"]}), f"{INVALID}.*operator must be 'AND' or 'OR'"),
        (_without("displayName"), f"{INVALID}.*displayName is required"),
        (_without("state"), f"{INVALID}.*state is required"),
        (
            body(
                conditions={
                    **body()["conditions"],
                    "applications": {
                        "includeApplications": ["All"],
                        "includeUserActions": ["urn:user:registersecurityinfo"],
                    },
                }
            ),
            "1012: 'applications' condition cannot include both",
        ),
        (
            body(
                grantControls={
                    "operator": "OR",
                    "authenticationStrength": {"id": "99999999-0000-0000-0000-000000000000"},
                }
            ),
            "authentication strength policy '99999999-0000-0000-0000-000000000000'.*does not exist",
        ),
        (
            body(
                grantControls={
                    "operator": "OR",
                    "builtInControls": ["mfa"],
                    "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000004"},
                }
            ),
            "cannot combine the built-in control 'mfa' with an authenticationStrength",
        ),
        (
            body(
                conditions={
                    **body()["conditions"],
                    "devices": {"deviceFilter": {"mode": "exclude", "rule": "device.trustType == 'x'"}},
                }
            ),
            "not a valid device filter",
        ),
        (
            body(
                conditions={
                    **body()["conditions"],
                    "users": {
                        "includeUsers": ["All"],
                        "includeGuestsOrExternalUsers": {
                            "guestOrExternalUserTypes": "internalGuest",
                            "externalTenants": {"membershipKind": "all"},
                        },
                    },
                }
            ),
            "Cannot create an abstract class",
        ),
        (
            body(**{"@odata.type": "#microsoft.graph.namedLocation"}),
            "does not match 'microsoft.graph.conditionalAccessPolicy'",
        ),
        ([body()], "must be a JSON object"),
    ],
)
async def test_each_validation_rule_answers_400(payload: Any, message: str) -> None:
    import re

    emu = Emulator("weak")
    response = await send(emu, "POST", f"/v1.0{POLICIES}", payload)
    assert response.status_code == 400, response.text
    error = graph_error(response)
    assert error["code"] == "BadRequest"
    assert re.search(message, error["message"]), error["message"]
    assert len(emu.stored_ca_policies()) == 3  # nothing written


async def test_valid_variants_are_accepted() -> None:
    emu = Emulator("compliant")
    for payload in (
        body(
            grantControls={
                "operator": "OR",
                "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000004"},
            }
        ),
        body(
            grantControls=None,
            sessionControls={
                "signInFrequency": {
                    "isEnabled": True,
                    "frequencyInterval": "everyTime",
                    "authenticationType": "primaryAndSecondaryAuthentication",
                }
            },
        ),
        body(
            conditions={
                **body()["conditions"],
                "users": {
                    "includeGuestsOrExternalUsers": {
                        "guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest",
                        "externalTenants": {
                            "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
                            "membershipKind": "all",
                        },
                    }
                },
            }
        ),
        body(
            conditions={
                **body()["conditions"],
                "applications": {"includeUserActions": ["urn:user:registersecurityinfo"]},
            }
        ),
        body(
            conditions={
                **body()["conditions"],
                "devices": {
                    "deviceFilter": {
                        "mode": "exclude",
                        "rule": 'device.trustType -eq "ServerAD" -or (device.isCompliant -eq True -and device.operatingSystem -startsWith "Win")',
                    }
                },
            }
        ),
        body(
            conditions={**body()["conditions"], "userRiskLevels": ["high"]},
            grantControls={"operator": "AND", "builtInControls": ["mfa", "passwordChange"]},
        ),
    ):
        response = await send(emu, "POST", f"/v1.0{POLICIES}", payload)
        assert response.status_code == 201, response.text


async def test_p2_conditions_on_a_tenant_without_p2_answer_1039() -> None:
    emu = Emulator("weak")  # Entra ID P1, no P2
    risky = body(
        conditions={**body()["conditions"], "signInRiskLevels": ["high"]},
        grantControls={"operator": "OR", "builtInControls": ["block"]},
    )
    response = await send(emu, "POST", f"/v1.0{POLICIES}", risky)
    assert response.status_code == 400
    error = graph_error(response)
    assert error["code"] == "BadRequest"
    assert error["message"] == (
        "1039: Cannot create or update policies with premium P2 features. Upgrade to a premium P2 license and try again."
    )
    created = (await send(emu, "POST", f"/v1.0{POLICIES}", body())).json()
    patched = await send(
        emu, "PATCH", f"/v1.0{POLICIES}/{created['id']}", {"conditions": {"userRiskLevels": ["high"]}}
    )
    assert patched.status_code == 400 and graph_error(patched)["message"].startswith("1039:")
    emu.set_premium(True, p2=True)
    assert (await send(emu, "POST", f"/v1.0{POLICIES}", risky)).status_code == 201


async def test_a_tenant_without_p1_answers_the_licence_error_on_writes() -> None:
    emu = Emulator("fresh-tenant")
    response = await send(emu, "POST", f"/v1.0{POLICIES}", body())
    assert response.status_code == 403
    assert graph_error(response)["code"] == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"


async def test_patch_id_must_match_and_read_only_properties_are_ignored() -> None:
    emu = Emulator("weak")
    created = (
        await send(
            emu,
            "POST",
            f"/v1.0{POLICIES}",
            {**body(), "id": "mine", "createdDateTime": "2001-01-01T00:00:00Z"},
        )
    ).json()
    assert created["id"] != "mine" and not created["createdDateTime"].startswith("2001")
    mismatch = await send(
        emu, "PATCH", f"/v1.0{POLICIES}/{created['id']}", {"id": "someone-else", "state": "enabled"}
    )
    assert (
        mismatch.status_code == 400
        and "does not match the addressed policy" in graph_error(mismatch)["message"]
    )


async def test_a_get_body_round_trips_through_patch_and_post() -> None:
    """What a writer stores as pre-change state (a GET body, strength expanded) restores cleanly."""
    emu = Emulator("compliant")
    async with graph_client(emu, roles=WRITER) as client:
        listing = (await client.get(f"/v1.0{POLICIES}")).json()["value"]
        admins = next(p for p in listing if p["displayName"].startswith("CA002"))
        assert admins["grantControls"]["authenticationStrength"]["allowedCombinations"]
        changed = await client.patch(f"/v1.0{POLICIES}/{admins['id']}", json={"state": "disabled"})
        assert changed.status_code == 204
        restored = await client.patch(f"/v1.0{POLICIES}/{admins['id']}", json=admins)
        assert restored.status_code == 204, restored.text
        after = (await client.get(f"/v1.0{POLICIES}/{admins['id']}")).json()
        assert after["state"] == "enabled" and after["grantControls"] == admins["grantControls"]
        deleted = await client.delete(f"/v1.0{POLICIES}/{admins['id']}")
        assert deleted.status_code == 204
        recreated = await client.post(f"/v1.0{POLICIES}", json=admins)
        assert recreated.status_code == 201, recreated.text
        assert recreated.json()["id"] != admins["id"]
        assert recreated.json()["conditions"] == admins["conditions"]


# ------------------------------------------------------------------------- consistency, log, faults


async def test_writes_become_visible_after_the_consistency_delay() -> None:
    clock = FakeClock()
    emu = Emulator("weak", clock=clock)
    emu.set_consistency_delay(5)
    created = (await send(emu, "POST", f"/v1.0{POLICIES}", body())).json()
    url = f"/v1.0{POLICIES}/{created['id']}"
    assert (await send(emu, "GET", url)).status_code == 404
    assert created["id"] in {p["id"] for p in emu.stored_ca_policies()}  # stored, not yet visible
    clock.advance(5)
    assert (await send(emu, "GET", url)).status_code == 200
    assert (await send(emu, "PATCH", url, {"state": "enabled"})).status_code == 204
    assert (await send(emu, "GET", url)).json()["state"] == "enabledForReportingButNotEnforced"
    clock.advance(5)
    assert (await send(emu, "GET", url)).json()["state"] == "enabled"
    assert (await send(emu, "DELETE", url)).status_code == 204
    assert (await send(emu, "GET", url)).status_code == 200  # deletions lag too
    clock.advance(5)
    assert (await send(emu, "GET", url)).status_code == 404


async def test_the_request_log_records_ca_writes_with_their_bodies() -> None:
    emu = Emulator("weak")
    created = (await send(emu, "POST", f"/v1.0{POLICIES}", body())).json()
    await send(emu, "PATCH", f"/v1.0{POLICIES}/{created['id']}", {"state": "enabled"})
    await send(emu, "DELETE", f"/v1.0{POLICIES}/{created['id']}")
    writes = [e for e in emu.requests(path_contains="conditionalAccess/policies") if e["method"] != "GET"]
    assert [(e["method"], e["status"]) for e in writes] == [("POST", 201), ("PATCH", 204), ("DELETE", 204)]
    assert (
        writes[0]["body"] == body()
        and writes[1]["body"] == {"state": "enabled"}
        and writes[2]["body"] is None
    )


async def test_faults_apply_to_ca_paths_and_leave_nothing_written() -> None:
    emu = Emulator("weak")
    emu.add_fault(kind="status", status=503, method="POST", path="conditionalAccess/policies$", nth=1)
    first = await send(emu, "POST", f"/v1.0{POLICIES}", body())
    assert first.status_code == 503
    assert len(emu.stored_ca_policies()) == 3
    second = await send(emu, "POST", f"/v1.0{POLICIES}", body())
    assert second.status_code == 201
    emu.add_fault(
        kind="status", status=429, method="GET", path="conditionalAccess/policies", nth=1, retry_after=2
    )
    throttled = await send(emu, "GET", f"/v1.0{POLICIES}")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2"


async def test_an_out_of_band_edit_fault_changes_a_policy_before_the_request() -> None:
    emu = Emulator("weak")
    target = emu.stored_ca_policies()[0]["id"]
    emu.add_fault(
        kind="edit",
        method="PATCH",
        path="conditionalAccess/policies",
        nth=1,
        edit={"conditionalAccessPolicy": target, "body": {"displayName": "Renamed by someone else"}},
    )
    await send(emu, "PATCH", f"/v1.0{POLICIES}/{target}", {"state": "disabled"})
    stored = next(p for p in emu.stored_ca_policies() if p["id"] == target)
    assert stored["displayName"] == "Renamed by someone else" and stored["state"] == "disabled"


async def test_batch_carries_ca_writes() -> None:
    emu = Emulator("weak")
    async with graph_client(emu, roles=WRITER) as client:
        response = await client.post(
            "/v1.0/$batch",
            json={
                "requests": [
                    {
                        "id": "1",
                        "method": "POST",
                        "url": POLICIES,
                        "headers": {"Content-Type": "application/json"},
                        "body": body(),
                    }
                ]
            },
        )
    inner = response.json()["responses"][0]
    assert inner["status"] == 201 and inner["body"]["displayName"] == body()["displayName"]


async def test_role_assignments_are_unchanged_by_ca_writes() -> None:
    emu = Emulator("compliant")
    before = copy.deepcopy(emu.default_tenant.ca.role_assignments)
    created = (await send(emu, "POST", f"/v1.0{POLICIES}", body())).json()
    await send(
        emu,
        "PATCH",
        f"/v1.0{POLICIES}/{created['id']}",
        {"conditions": {"users": {"includeRoles": ["62e90394-69f5-4237-9190-012177145e10"]}}},
    )
    await send(emu, "DELETE", f"/v1.0{POLICIES}/{created['id']}")
    assert emu.default_tenant.ca.role_assignments == before
    listing = (await send(emu, "GET", "/v1.0/roleManagement/directory/roleAssignments")).json()["value"]
    assert {a["id"] for a in listing} == {a["id"] for a in before}


async def test_each_derived_tenant_has_its_own_policies() -> None:
    emu = Emulator("weak", tenants=2)
    first, second = emu.tenant_ids
    async with graph_client(emu, roles=WRITER, tenant=first) as client:
        assert (await client.post(f"/v1.0{POLICIES}", json=body())).status_code == 201
    assert len(emu.stored_ca_policies(first)) == 4 and len(emu.stored_ca_policies(second)) == 3
