"""Conditional Access reads: policies (paged, v1.0/beta shapes, Prefer), strengths, named locations,
security defaults, role assignments, subscribed SKUs; permissions and the licence error."""

from __future__ import annotations

from typing import Any

import pytest

from mfaguard.emulator import ROLE_POLICY_READ_ALL, Emulator
from tests.emulator.conftest import graph_error
from tests.emulator_fixtures import graph_client

pytestmark = pytest.mark.anyio
POLICIES = "/identity/conditionalAccess/policies"
PREFER = {"Prefer": "include-unknown-enum-members"}
GA = "62e90394-69f5-4237-9190-012177145e10"
AUTH_ADMIN = "c4e39bd9-1100-46d3-8c65-fb160da0071f"
PHISHING_RESISTANT = "00000000-0000-0000-0000-000000000004"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def get(emu: Emulator, url: str, *, roles: Any = None, headers: Any = None) -> Any:
    async with graph_client(emu, roles=roles) as client:
        return await client.get(url, headers=headers or {})


async def collect(emu: Emulator, url: str, **kwargs: Any) -> tuple[list[dict[str, Any]], int]:
    """Every item of a paged collection, following nextLink verbatim; also the number of pages."""
    items: list[dict[str, Any]] = []
    pages = 0
    async with graph_client(emu, **kwargs) as client:
        next_url: str | None = url
        while next_url:
            response = await client.get(next_url)
            assert response.status_code == 200, response.text
            body = response.json()
            items.extend(body["value"])
            pages += 1
            next_url = body.get("@odata.nextLink")
    return items, pages


# ------------------------------------------------------------------------------------------ policies


async def test_v1_policies_have_graphs_full_shape_with_the_strength_inline() -> None:
    emu = Emulator("compliant")
    response = await get(emu, f"/v1.0{POLICIES}")
    body = response.json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#identity/conditionalAccess/policies")
    by_name = {p["displayName"]: p for p in body["value"]}
    assert len(by_name) == 6
    mfa = by_name["CA001: Require MFA for all users"]
    assert set(mfa) == {
        "id",
        "templateId",
        "displayName",
        "description",
        "createdDateTime",
        "modifiedDateTime",
        "state",
        "conditions",
        "grantControls",
        "sessionControls",
    }
    assert mfa["conditions"]["users"]["includeUsers"] == ["All"]
    assert mfa["conditions"]["users"]["excludeRoles"] == []  # absent collections come back empty
    assert mfa["conditions"]["platforms"] is None and mfa["sessionControls"] is None  # absent objects null
    assert "agentIdRiskLevels" not in mfa["conditions"]  # beta only
    assert mfa["grantControls"] == {
        "operator": "OR",
        "builtInControls": ["mfa"],
        "customAuthenticationFactors": [],
        "termsOfUse": [],
        "authenticationStrength@odata.context": mfa["grantControls"]["authenticationStrength@odata.context"],
        "authenticationStrength": None,
    }
    admins = by_name["CA002: Phishing-resistant MFA for administrators"]
    strength = admins["grantControls"]["authenticationStrength"]
    assert strength["id"] == PHISHING_RESISTANT
    assert strength["allowedCombinations"] == [
        "windowsHelloForBusiness",
        "fido2",
        "x509CertificateMultiFactor",
    ]
    assert strength["requirementsSatisfied"] == "mfa" and strength["policyType"] == "builtIn"
    assert len(admins["conditions"]["users"]["includeRoles"]) == 14
    beta = (await get(emu, f"/beta{POLICIES}")).json()["value"][0]
    assert "templateId" not in beta and "agentIdRiskLevels" in beta["conditions"]


async def test_policies_page_with_next_link_and_top() -> None:
    emu = Emulator("big")
    everything, pages = await collect(emu, f"/v1.0{POLICIES}")
    assert len(everything) == 40 and pages == 2  # 25 per page by default
    assert len({p["id"] for p in everything}) == 40
    small, small_pages = await collect(emu, f"/beta{POLICIES}?$top=10")
    assert [p["id"] for p in small] == [p["id"] for p in everything] and small_pages == 4
    response = await get(emu, f"/v1.0{POLICIES}?$top=0")
    assert graph_error(response)["code"] == "Request_UnsupportedQuery"


async def test_policy_by_id_filter_and_select() -> None:
    emu = Emulator("weak")
    everything, _ = await collect(emu, f"/v1.0{POLICIES}")
    first = everything[0]
    one = (await get(emu, f"/v1.0{POLICIES}/{first['id']}")).json()
    assert one["@odata.context"].endswith("#identity/conditionalAccess/policies/$entity")
    assert one["id"] == first["id"]
    report_only, _ = await collect(
        emu, f"/v1.0{POLICIES}?$filter=state eq 'enabledForReportingButNotEnforced'"
    )
    assert {p["displayName"] for p in report_only} == {
        "Require MFA for all users",
        "Multifactor authentication for admins accessing Microsoft Admin Portals",
    }
    picked, _ = await collect(emu, f"/v1.0{POLICIES}?$select=displayName,state")
    assert set(picked[0]) == {"id", "displayName", "state"}
    missing = await get(emu, f"/v1.0{POLICIES}/00000000-1111-2222-3333-444444444444")
    assert missing.status_code == 404


async def test_late_enum_members_need_the_prefer_header() -> None:
    emu = Emulator("compliant")
    policy_id = emu.create_ca_policy(
        {
            "displayName": "Linux needs MFA",
            "state": "enabled",
            "conditions": {
                "users": {"includeUsers": ["All"]},
                "applications": {"includeApplications": ["All"]},
                "platforms": {"includePlatforms": ["linux", "android"]},
            },
            "grantControls": {"operator": "OR", "builtInControls": ["mfa", "riskRemediation"]},
        }
    )
    plain = await get(emu, f"/v1.0{POLICIES}/{policy_id}")
    assert plain.json()["conditions"]["platforms"]["includePlatforms"] == ["unknownFutureValue", "android"]
    assert plain.json()["grantControls"]["builtInControls"] == ["mfa", "unknownFutureValue"]
    assert "Preference-Applied" not in plain.headers
    opted = await get(emu, f"/v1.0{POLICIES}/{policy_id}", headers=PREFER)
    assert opted.json()["conditions"]["platforms"]["includePlatforms"] == ["linux", "android"]
    assert opted.json()["grantControls"]["builtInControls"] == ["mfa", "riskRemediation"]
    assert opted.headers["Preference-Applied"] == "include-unknown-enum-members"
    stored = next(p for p in emu.stored_ca_policies() if p["id"] == policy_id)
    assert stored["conditions"]["platforms"]["includePlatforms"] == ["linux", "android"]  # masking is a view


async def test_custom_strength_with_a_late_method_mode_is_masked_in_flags() -> None:
    emu = Emulator("compliant")
    emu.default_tenant.ca.custom_strengths = (
        *emu.default_tenant.ca.custom_strengths,
        {
            "id": "11111111-0000-4000-8000-000000000001",
            "createdDateTime": "2024-01-01T00:00:00Z",
            "modifiedDateTime": "2024-01-01T00:00:00Z",
            "displayName": "QR code pin",
            "description": None,
            "policyType": "custom",
            "requirementsSatisfied": "mfa",
            "allowedCombinations": ["qrCodePin", "password,sms"],
        },
    )
    url = "/v1.0/policies/authenticationStrengthPolicies/11111111-0000-4000-8000-000000000001"
    assert (await get(emu, url)).json()["allowedCombinations"] == ["unknownFutureValue", "password,sms"]
    assert (await get(emu, url, headers=PREFER)).json()["allowedCombinations"] == [
        "qrCodePin",
        "password,sms",
    ]


# ------------------------------------------------------------------------------ permissions, licence


@pytest.mark.parametrize(
    "path",
    [
        POLICIES,
        "/identity/conditionalAccess/namedLocations",
        "/policies/authenticationStrengthPolicies",
        "/policies/identitySecurityDefaultsEnforcementPolicy",
    ],
)
async def test_policy_reads_need_a_policy_permission(path: str) -> None:
    emu = Emulator("compliant")
    denied = await get(emu, f"/v1.0{path}", roles=["User.Read.All", "Directory.Read.All"])
    error = graph_error(denied)
    assert denied.status_code == 403 and error["code"] == "AccessDenied"
    assert "required scopes are missing in the token" in error["message"]
    assert (await get(emu, f"/v1.0{path}", roles=[ROLE_POLICY_READ_ALL])).status_code == 200


async def test_policy_read_conditional_access_reads_policies() -> None:
    emu = Emulator("compliant")
    assert (await get(emu, f"/v1.0{POLICIES}", roles=["Policy.Read.ConditionalAccess"])).status_code == 200


@pytest.mark.parametrize("scenario", ["fresh-tenant", "no-premium"])
async def test_non_premium_tenants_answer_the_licence_error(scenario: str) -> None:
    emu = Emulator(scenario)
    for path in (POLICIES, "/identity/conditionalAccess/namedLocations"):
        response = await get(emu, f"/v1.0{path}")
        assert response.status_code == 403
        assert graph_error(response)["code"] == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
    # strengths and security defaults are readable without P1
    strengths = await get(emu, "/v1.0/policies/authenticationStrengthPolicies")
    assert [s["id"][-1] for s in strengths.json()["value"]] == ["2", "3", "4"]
    defaults = (await get(emu, "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")).json()
    assert defaults["isEnabled"] is (scenario == "fresh-tenant")


async def test_a_permission_error_comes_before_the_licence_error() -> None:
    emu = Emulator("fresh-tenant")
    response = await get(emu, f"/v1.0{POLICIES}", roles=["User.Read.All"])
    assert graph_error(response)["code"] == "AccessDenied"


async def test_set_premium_turns_the_licence_error_on_and_off() -> None:
    emu = Emulator("weak")
    emu.set_premium(False)
    assert (await get(emu, f"/v1.0{POLICIES}")).status_code == 403
    emu.set_premium(True)
    assert (await get(emu, f"/v1.0{POLICIES}")).status_code == 200


# ----------------------------------------------------------------------------------- related objects


async def test_built_in_and_custom_strengths() -> None:
    emu = Emulator("weak")
    body = (await get(emu, "/v1.0/policies/authenticationStrengthPolicies")).json()
    assert body["@odata.context"].endswith("#policies/authenticationStrengthPolicies")
    by_id = {s["id"]: s for s in body["value"]}
    assert by_id["00000000-0000-0000-0000-000000000003"]["allowedCombinations"] == [
        "windowsHelloForBusiness",
        "fido2",
        "x509CertificateMultiFactor",
        "deviceBasedPush",
    ]
    assert "password,sms" in by_id["00000000-0000-0000-0000-000000000002"]["allowedCombinations"]
    custom = [s for s in body["value"] if s["policyType"] == "custom"]
    assert len(custom) == 1 and "password,sms" in custom[0]["allowedCombinations"]
    assert custom[0]["combinationConfigurations"] == []
    only = (
        await get(emu, "/v1.0/policies/authenticationStrengthPolicies?$filter=policyType eq 'custom'")
    ).json()
    assert [s["id"] for s in only["value"]] == [custom[0]["id"]]
    one = await get(emu, f"/v1.0/policies/authenticationStrengthPolicies/{PHISHING_RESISTANT}")
    assert one.json()["displayName"] == "Phishing resistant MFA"


async def test_named_locations_carry_their_derived_types() -> None:
    emu = Emulator("compliant")
    body = (await get(emu, "/v1.0/identity/conditionalAccess/namedLocations")).json()
    kinds = {loc["displayName"]: loc["@odata.type"] for loc in body["value"]}
    assert kinds == {
        "Fabrikam HQ": "#microsoft.graph.ipNamedLocation",
        "Blocked countries": "#microsoft.graph.countryNamedLocation",
    }
    hq = next(loc for loc in body["value"] if loc["displayName"] == "Fabrikam HQ")
    assert hq["isTrusted"] is True
    assert {r["@odata.type"] for r in hq["ipRanges"]} == {
        "#microsoft.graph.iPv4CidrRange",
        "#microsoft.graph.iPv6CidrRange",
    }
    one = await get(emu, f"/v1.0/identity/conditionalAccess/namedLocations/{hq['id']}")
    assert one.json()["id"] == hq["id"]


async def test_security_defaults() -> None:
    emu = Emulator("fresh-tenant")
    body = (await get(emu, "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")).json()
    assert body["id"] == "00000000-0000-0000-0000-000000000005" and body["isEnabled"] is True
    emu.set_security_defaults(False)
    body = (await get(emu, "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")).json()
    assert body["isEnabled"] is False
    denied = await get(
        emu,
        "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
        roles=["Policy.Read.AuthenticationMethod"],
    )
    assert denied.status_code == 403


async def test_role_assignments_filter_expand_and_permissions() -> None:
    emu = Emulator("weak")
    everything, _ = await collect(emu, "/v1.0/roleManagement/directory/roleAssignments")
    assert len(everything) == 5
    assert all(a["directoryScopeId"] == "/" and a["id"].endswith("-1") for a in everything)
    admins, _ = await collect(
        emu, f"/v1.0/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{GA}'"
    )
    upns = {emu.default_tenant.directory.user(a["principalId"])["userPrincipalName"] for a in admins}  # type: ignore[index]
    assert upns == {"ga.admin@contoso.onmicrosoft.com", "breakglass01@contoso.onmicrosoft.com"}
    expanded, _ = await collect(
        emu,
        f"/v1.0/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{AUTH_ADMIN}'&$expand=principal",
    )
    principal = expanded[0]["principal"]
    assert principal["@odata.type"] == "#microsoft.graph.group"
    assert principal["isAssignableToRole"] is True and principal["displayName"] == "Identity Admins"
    one = await get(emu, f"/v1.0/roleManagement/directory/roleAssignments/{everything[0]['id']}")
    assert one.json()["principalId"] == everything[0]["principalId"]
    denied = await get(emu, "/v1.0/roleManagement/directory/roleAssignments", roles=[ROLE_POLICY_READ_ALL])
    assert graph_error(denied)["code"] == "Authorization_RequestDenied"
    allowed = await get(
        emu, "/v1.0/roleManagement/directory/roleAssignments", roles=["RoleManagement.Read.Directory"]
    )
    assert allowed.status_code == 200
    bad = await get(emu, "/v1.0/roleManagement/directory/roleAssignments?$expand=roleDefinition")
    assert bad.status_code == 400


async def test_role_assignment_ids_follow_graphs_encoding() -> None:
    from mfaguard.emulator.conditional_access import role_assignment_id

    # The id of Graph's documented example (roleDefinitionId GA, principal ace08ec9-...).
    assert (
        role_assignment_id(GA, "ace08ec9-aa11-4ada-9145-addf0398233e")
        == "lAPpYvVpN0KRkAEhdxReEMmO4KwRqtpKkUWt3wOYIz4-1"
    )


async def test_big_role_assignments_include_a_role_assignable_group() -> None:
    emu = Emulator("big")
    everything, _ = await collect(emu, "/v1.0/roleManagement/directory/roleAssignments")
    assert len(everything) == 26
    groups = [a for a in everything if emu.default_tenant.directory.group(a["principalId"]) is not None]
    assert len(groups) == 1
    assert emu.default_tenant.directory.group(groups[0]["principalId"])["isAssignableToRole"] is True  # type: ignore[index]


@pytest.mark.parametrize(
    ("scenario", "plans"),
    [
        ("compliant", {"AAD_PREMIUM", "AAD_PREMIUM_P2"}),
        ("weak", {"AAD_PREMIUM"}),
        ("fresh-tenant", set()),
        ("no-premium", set()),
        ("big", {"AAD_PREMIUM", "AAD_PREMIUM_P2"}),
    ],
)
async def test_subscribed_skus_show_the_entra_plans(scenario: str, plans: set[str]) -> None:
    emu = Emulator(scenario)
    body = (await get(emu, "/v1.0/subscribedSkus", roles=["Organization.Read.All"])).json()
    names = {p["servicePlanName"] for sku in body["value"] for p in sku["servicePlans"]}
    assert names & {"AAD_PREMIUM", "AAD_PREMIUM_P2"} == plans
    ids = {p["servicePlanId"] for sku in body["value"] for p in sku["servicePlans"]}
    assert ("41781fb2-bc02-4b7c-bd55-b576c07bb09d" in ids) == ("AAD_PREMIUM" in plans)
    assert ("eec0eb4f-6444-4f95-aba0-50c24d67f998" in ids) == ("AAD_PREMIUM_P2" in plans)
    assert (await get(emu, "/v1.0/subscribedSkus", roles=["User.Read.All"])).status_code == 403


async def test_set_premium_p2_changes_the_skus() -> None:
    emu = Emulator("weak")
    emu.set_premium(True, p2=True)
    body = (await get(emu, "/v1.0/subscribedSkus")).json()
    assert "AAD_PREMIUM_P2" in {p["servicePlanName"] for p in body["value"][0]["servicePlans"]}
