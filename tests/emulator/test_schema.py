"""The emulator serves and accepts only what Microsoft Graph's published schema has.

- Every response of every read endpoint, for every built-in scenario, in v1.0 and beta, with and without
  ``Prefer: include-unknown-enum-members``, walks clean against tests/fixtures/graph_schema.json
  (msgraph-metadata): no property, ``@odata.type`` or enum member the schema lacks, and no member after
  ``unknownFutureValue`` unless the caller asked for it. Write responses, ``$batch`` bodies and generated
  sign-ins too.
- Every property and enum member the emulator's write validators accept exists in the schema of their
  version (so "accepted by the emulator" implies "accepted by Graph's deserializer").
- Every body the emulator accepted in any emulator test is checked at teardown (tests/emulator/conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import httpx
import pytest

from mfaguard.emulator import SCENARIOS, Emulator
from mfaguard.emulator.ca_schema import policy_schema
from mfaguard.emulator.graph_policy import CONFIG_TYPES, EXTERNAL_TYPE, _config_schema, _root_schema
from mfaguard.emulator.schema import Derived, Enum, Flags, ListOf, Nullable, Obj, Spec
from tests.emulator.graph_schema import GraphSchema, load_fixture, schema
from tests.emulator_fixtures import graph_client

pytestmark = pytest.mark.anyio
PREFER = {"Prefer": "include-unknown-enum-members"}
COLLECTIONS = (
    "/policies/authenticationMethodsPolicy",
    "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
    "/users?$top=50",
    "/users?$top=5&$select=id,displayName,userPrincipalName,accountEnabled,userType,createdDateTime,department",
    "/groups?$top=50",
    "/organization",
    "/reports/authenticationMethods/userRegistrationDetails?$top=50",
    "/auditLogs/signIns?$top=200",
    "/auditLogs/directoryAudits",
    "/identityProtection/riskDetections",
    "/identity/conditionalAccess/policies?$top=999",
    "/identity/conditionalAccess/namedLocations",
    "/policies/authenticationStrengthPolicies",
    "/policies/identitySecurityDefaultsEnforcementPolicy",
    "/roleManagement/directory/roleAssignments",
    "/roleManagement/directory/roleAssignments?$expand=principal",
    "/subscribedSkus",
)
# collection path → the item path its ids address
ITEMS = {
    "/users?$top=50": "/users/{id}",
    "/groups?$top=50": "/groups/{id}",
    "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations": (
        "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}"
    ),
    "/reports/authenticationMethods/userRegistrationDetails?$top=50": (
        "/reports/authenticationMethods/userRegistrationDetails/{id}"
    ),
    "/auditLogs/signIns?$top=200": "/auditLogs/signIns/{id}",
    "/auditLogs/directoryAudits": "/auditLogs/directoryAudits/{id}",
    "/identity/conditionalAccess/policies?$top=999": "/identity/conditionalAccess/policies/{id}",
    "/identity/conditionalAccess/namedLocations": "/identity/conditionalAccess/namedLocations/{id}",
    "/policies/authenticationStrengthPolicies": "/policies/authenticationStrengthPolicies/{id}",
    "/roleManagement/directory/roleAssignments": "/roleManagement/directory/roleAssignments/{id}",
}
NESTED = (
    "/users/{id}/memberOf",
    "/users/{id}/transitiveMemberOf",
    "/groups/{id}/members",
    "/groups/{id}/transitiveMembers",
)


class Walk:
    """Collects problems and counts what was checked (a walk that checks nothing must fail)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.bodies = 0

    def check(self, version: str, path: str, body: Any, *, prefer: bool) -> None:
        self.bodies += 1
        where = f"{version} {'prefer ' if prefer else ''}"
        self.problems.extend(
            where + p for p in schema(version).check_response(path, body, prefer_unknown=prefer)
        )

    def summary(self) -> str:
        unique = sorted({re.sub(r"\[\d+\]", "[]", p) for p in self.problems})
        return "\n".join(unique[:40])


async def _get(client: httpx.AsyncClient, url: str, prefer: bool) -> httpx.Response:
    return await client.get(url, headers=PREFER if prefer else {})


async def crawl(emu: Emulator, walk: Walk) -> None:
    emu.set_throttling(False)
    async with graph_client(emu) as client:
        for version in ("v1.0", "beta"):
            for prefer in (False, True):
                for path in COLLECTIONS:
                    response = await _get(client, f"/{version}{path}", prefer)
                    if response.status_code != 200:
                        assert response.status_code == 403, (path, response.text)  # licence-gated
                        continue
                    body = response.json()
                    if prefer:
                        assert response.headers["Preference-Applied"] == "include-unknown-enum-members"
                    else:
                        assert "Preference-Applied" not in response.headers
                    walk.check(version, path, body, prefer=prefer)
                    items = body.get("value", [])
                    if path in ITEMS:
                        for item in items[:3]:
                            item_path = ITEMS[path].replace("{id}", str(item["id"]))
                            single = await _get(client, f"/{version}{item_path}", prefer)
                            assert single.status_code == 200, (item_path, single.text)
                            walk.check(version, item_path, single.json(), prefer=prefer)
                    if path == "/users?$top=50":
                        await _nested(client, walk, version, prefer, "users", items)
                    if path == "/groups?$top=50":
                        await _nested(client, walk, version, prefer, "groups", items)


async def _nested(
    client: httpx.AsyncClient, walk: Walk, version: str, prefer: bool, head: str, items: list[Any]
) -> None:
    for item in items[:2]:
        for template in NESTED:
            if not template.startswith(f"/{head}/"):
                continue
            path = template.replace("{id}", str(item["id"]))
            response = await _get(client, f"/{version}{path}", prefer)
            assert response.status_code == 200, (path, response.text)
            walk.check(version, path, response.json(), prefer=prefer)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_fixture_names_its_source() -> None:
    source = load_fixture()["source"]
    assert source["repository"] == "microsoftgraph/msgraph-metadata"
    assert re.fullmatch(r"[0-9a-f]{40}", source["commit"])
    for version in ("v1.0", "beta"):
        assert {"conditionalAccessPolicy", "signIn", "authenticationMethodsPolicy"} <= set(
            load_fixture()[version]["types"]
        )


@pytest.mark.parametrize("name", SCENARIOS)
async def test_every_response_of_every_scenario_is_in_the_schema(name: str) -> None:
    walk = Walk()
    emu = Emulator(name)
    await crawl(emu, walk)
    assert walk.bodies >= 40, walk.bodies
    assert not walk.problems, walk.summary()


async def test_generated_traffic_write_responses_and_batches_are_in_the_schema() -> None:
    walk = Walk()
    emu = Emulator("weak")
    emu.set_throttling(False)
    async with graph_client(emu) as client:
        created = await client.post(
            "/v1.0/identity/conditionalAccess/policies",
            headers=PREFER,
            json={
                "displayName": "mfaguard: block legacy authentication",
                "state": "enabledForReportingButNotEnforced",
                "conditions": {
                    "users": {"includeUsers": ["All"]},
                    "applications": {"includeApplications": ["All"]},
                    "clientAppTypes": ["exchangeActiveSync", "other"],
                    "platforms": {"includePlatforms": ["all"], "excludePlatforms": ["linux"]},
                },
                "grantControls": {"operator": "OR", "builtInControls": ["block"]},
            },
        )
        assert created.status_code == 201, created.text
        walk.check("v1.0", "/identity/conditionalAccess/policies", created.json(), prefer=True)
        emu.generate_traffic()
        for version in ("v1.0", "beta"):
            for prefer in (False, True):
                signins = await _get(client, f"/{version}/auditLogs/signIns?$top=1000", prefer)
                walk.check(version, "/auditLogs/signIns", signins.json(), prefer=prefer)
        root = await client.patch(
            "/beta/policies/authenticationMethodsPolicy", json={"reconfirmationInDays": 90}
        )
        assert root.status_code == 200
        walk.check("beta", "/policies/authenticationMethodsPolicy", root.json(), prefer=False)
        batch = await client.post(
            "/v1.0/$batch",
            json={
                "requests": [
                    {"id": "1", "method": "GET", "url": "/identity/conditionalAccess/policies"},
                    {"id": "2", "method": "GET", "url": "/roleManagement/directory/roleAssignments"},
                    {"id": "3", "method": "GET", "url": "/subscribedSkus"},
                ]
            },
        )
        for inner, path in zip(
            batch.json()["responses"],
            (
                "/identity/conditionalAccess/policies",
                "/roleManagement/directory/roleAssignments",
                "/subscribedSkus",
            ),
            strict=True,
        ):
            assert inner["status"] == 200
            walk.check("v1.0", path, inner["body"], prefer=False)
    assert walk.bodies == 9
    assert not walk.problems, walk.summary()


def test_the_walker_catches_what_graph_does_not_have() -> None:
    """The walk can fail: an unknown property, an unknown member, a late member without Prefer."""
    policy = {
        "id": "x",
        "displayName": "p",
        "state": "enabled",
        "surprise": 1,
        "conditions": {
            "clientAppTypes": ["all", "legacy"],
            "platforms": {"includePlatforms": ["linux"], "excludePlatforms": []},
            "signInRiskLevels": [],
            "userRiskLevels": [],
            "servicePrincipalRiskLevels": [],
        },
    }
    problems = schema("v1.0").check_response("/identity/conditionalAccess/policies/x", policy)
    assert len(problems) == 3, problems
    assert not schema("v1.0").check_response(
        "/identity/conditionalAccess/policies/x",
        {
            **{k: v for k, v in policy.items() if k != "surprise"},
            "conditions": {**policy["conditions"], "clientAppTypes": ["all"]},
        },
        prefer_unknown=True,
    )
    # beta-only properties are not v1.0
    assert schema("v1.0").check_response(
        "/auditLogs/signIns",
        {
            "value": [
                {
                    "id": "s",
                    "userId": "u",
                    "createdDateTime": "2026-01-01T00:00:00Z",
                    "authenticationDetails": [],
                }
            ]
        },
    )


# ------------------------------------------------------------------------ validators ⊆ the schema


def _spec_problems(graph: GraphSchema, type_name: str, spec: Spec, where: str) -> Iterable[str]:
    """Every property and member a write validator accepts must be in the schema type."""
    if isinstance(spec, Nullable):
        yield from _spec_problems(graph, type_name, spec.inner, where)
    elif isinstance(spec, ListOf):
        yield from _spec_problems(graph, type_name, spec.item, where)
    elif isinstance(spec, Enum | Flags):
        members = graph.enums.get(spec.type_name, {}).get("members")
        if members is None:
            yield f"{where}: enum {spec.type_name} is not in the {graph.version} schema"
            return
        for member in spec.members:
            if member not in members:
                yield f"{where}: {spec.type_name}.{member} is not in the {graph.version} schema"
            if member.lower() == "unknownfuturevalue":
                yield f"{where}: unknownFutureValue must not be writable"
        if isinstance(spec, Flags) != bool(graph.enums[spec.type_name]["flags"]):
            yield f"{where}: {spec.type_name} flags-ness differs from the schema"
    elif isinstance(spec, Derived):
        for name, choice in spec.choices.items():
            if not graph.is_derived(name, spec.base):
                yield f"{where}: {name} does not derive from {spec.base}"
            yield from _spec_problems(graph, name, choice, where)
    elif isinstance(spec, Obj):
        if spec.type_name not in graph.types:
            yield f"{where}: type {spec.type_name} is not in the {graph.version} schema"
            return
        for prop, inner in spec.props.items():
            found = graph.member(spec.type_name, prop)
            if found is None:
                yield f"{where}.{prop}: not a property of {spec.type_name} in {graph.version}"
                continue
            prop_type = found[0][11:-1] if found[0].startswith("Collection(") else found[0]
            yield from _spec_problems(graph, prop_type, inner, f"{where}.{prop}")


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_conditional_access_write_validator_accepts_only_schema_properties(version: str) -> None:
    graph = schema(version)
    problems = list(_spec_problems(graph, "conditionalAccessPolicy", policy_schema(version), "policy"))
    assert not problems, problems


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_methods_policy_write_validators_accept_only_schema_properties(version: str) -> None:
    """The methods-policy validators (the existing writes): root and every configuration type, current era;
    the legacy-2022 era only adds numberMatchingRequiredState, which beta has."""
    graph = schema(version)
    problems = list(_spec_problems(graph, "authenticationMethodsPolicy", _root_schema(version), "root"))
    for ct in [*CONFIG_TYPES.values(), EXTERNAL_TYPE]:
        if version == "v1.0" and ct.beta_only_type:
            continue
        name = ct.type_name.removeprefix("microsoft.graph.")
        problems.extend(_spec_problems(graph, name, _config_schema(ct, "current", version), name))
    # AnyJson stands for complex values the emulator stores verbatim; those are checked by the walks.
    assert not problems, problems
