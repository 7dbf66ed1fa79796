"""Sign-ins carry ``appliedConditionalAccessPolicies`` computed by the emulator's evaluator, and generated
traffic "now" shows what a new (report-only) policy would do — the data ``mfaguard ca impact`` reads."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mfaguard.emulator import ROLE_CA_WRITE, ROLE_POLICY_READ_ALL, Emulator
from tests.emulator_fixtures import graph_client

pytestmark = pytest.mark.anyio
POLICIES = "/identity/conditionalAccess/policies"
PREFER = {"Prefer": "include-unknown-enum-members"}
WRITER = [ROLE_CA_WRITE, ROLE_POLICY_READ_ALL, "AuditLog.Read.All"]
BREAK_GLASS = "f34b5b02-931d-53fb-bed9-5ae0601ec544"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _policy(name: str, state: str, **conditions: Any) -> dict[str, Any]:
    grant = conditions.pop("grant", {"operator": "OR", "builtInControls": ["mfa"]})
    users = conditions.pop("users", {"includeUsers": ["All"], "excludeGroups": [BREAK_GLASS]})
    return {
        "displayName": name,
        "state": state,
        "conditions": {
            "users": users,
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["all"],
            **conditions,
        },
        "grantControls": grant,
    }


BLOCK_LEGACY = _policy(
    "mfaguard: block legacy authentication",
    "enabledForReportingButNotEnforced",
    clientAppTypes=["exchangeActiveSync", "other"],
    grant={"operator": "OR", "builtInControls": ["block"]},
)


async def sign_ins(emu: Emulator, version: str = "beta", *, prefer: bool = True) -> list[dict[str, Any]]:
    emu.set_throttling(False)
    async with graph_client(emu) as client:
        response = await client.get(
            f"/{version}/auditLogs/signIns?$top=1000", headers=PREFER if prefer else {}
        )
    assert response.status_code == 200, response.text
    return list(response.json()["value"])


def result_of(row: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((p for p in row["appliedConditionalAccessPolicies"] if p["displayName"] == name), None)


async def create(emu: Emulator, policy: dict[str, Any]) -> str:
    async with graph_client(emu, roles=WRITER) as client:
        response = await client.post(f"/v1.0{POLICIES}", json=policy)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


# ------------------------------------------------------------------------------------ scenario logs


async def test_weak_sign_ins_show_the_report_only_policy() -> None:
    rows = await sign_ins(Emulator("weak"))
    results = {}
    for row in rows:
        entry = result_of(row, "Require MFA for all users")
        assert entry is not None
        results.setdefault(entry["result"], []).append(row)
    assert set(results) == {"reportOnlySuccess", "reportOnlyFailure", "reportOnlyInterrupted"}
    denials = [r for r in results["reportOnlyFailure"] if r["status"]["errorCode"] == 500121]
    assert len(denials) == 13  # the push-spam attack: MFA was asked and denied
    assert all(
        r["authenticationRequirement"] == "multiFactorAuthentication"
        for r in results["reportOnlySuccess"]
        if r["isInteractive"]
    )
    # single-factor successes on modern clients would have been interrupted for MFA
    assert all(
        r["status"]["errorCode"] == 0 and r["clientAppUsed"] != "IMAP4"
        for r in results["reportOnlyInterrupted"]
    )
    entry = result_of(results["reportOnlySuccess"][0], "Require MFA for all users")
    assert entry == {
        "id": entry["id"],  # type: ignore[index]
        "displayName": "Require MFA for all users",
        "enforcedGrantControls": ["Mfa"],
        "enforcedSessionControls": [],
        "result": "reportOnlySuccess",
        "conditionsSatisfied": "users,application",
        "conditionsNotSatisfied": "none",
        "includeRulesSatisfied": [
            {"conditionalAccessCondition": "users", "ruleSatisfied": "allUsers"},
            {"conditionalAccessCondition": "application", "ruleSatisfied": "allApps"},
        ],
        "excludeRulesSatisfied": [],
        "sessionControlsNotSatisfied": [],
        "authenticationStrength": None,
    }


async def test_the_nested_group_exclusion_three_deep_shows_in_the_log() -> None:
    emu = Emulator("weak")
    north = "53c2b187-06b6-578c-9a73-abb932db6425"  # Field Ops - North ⊂ Field Ops ⊂ Operations (excluded)
    members = set(emu.default_tenant.directory.direct_members(north))
    rows = [r for r in await sign_ins(emu) if r["userId"] in members]
    assert rows
    for row in rows:
        entry = result_of(row, "Contoso staff: MFA or terms of use")
        assert (
            entry is not None
            and entry["result"] == "notApplied"
            and entry["conditionsNotSatisfied"] == "users"
        )
    others = [
        r
        for r in await sign_ins(emu)
        if r["userId"] not in members and r["userId"] != "dacab24b-944e-5cbd-8ef8-6d0c762423e4"
    ]
    assert any(result_of(r, "Contoso staff: MFA or terms of use")["result"] == "success" for r in others)  # type: ignore[index]


async def test_without_prefer_report_only_results_read_unknown_future_value() -> None:
    rows = await sign_ins(Emulator("weak"), prefer=False)
    results = {p["result"] for r in rows for p in r["appliedConditionalAccessPolicies"]}
    assert "unknownFutureValue" in results
    assert not {r for r in results if r.startswith("reportOnly")}


async def test_v1_sign_ins_carry_only_v1_applied_policy_properties() -> None:
    rows = await sign_ins(Emulator("weak"), "v1.0")
    applied = rows[0]["appliedConditionalAccessPolicies"][0]
    assert set(applied) == {"id", "displayName", "enforcedGrantControls", "enforcedSessionControls", "result"}
    assert rows[0]["conditionalAccessStatus"] in ("success", "notApplied", "failure")


async def test_compliant_admins_sign_in_with_phishing_resistant_methods() -> None:
    emu = Emulator("compliant")
    rows = await sign_ins(emu)
    admins = [
        r
        for r in rows
        if result_of(r, "CA002: Phishing-resistant MFA for administrators")["result"] == "success"
    ]  # type: ignore[index]
    assert {r["userPrincipalName"] for r in admins} == {
        "admin@fabrikam.onmicrosoft.com",
        "dan.dev@fabrikam.onmicrosoft.com",
    }
    strength = result_of(admins[0], "CA002: Phishing-resistant MFA for administrators")[
        "authenticationStrength"
    ]  # type: ignore[index]
    assert strength["authenticationStrengthResult"] == "satisfied"
    dan = next(r for r in admins if r["userPrincipalName"].startswith("dan.dev"))
    rules = result_of(dan, "CA002: Phishing-resistant MFA for administrators")["includeRulesSatisfied"]  # type: ignore[index]
    assert {
        "conditionalAccessCondition": "users",
        "ruleSatisfied": "roleId",
    } in rules  # via a role-assignable group
    assert all(r["conditionalAccessStatus"] in ("success", "failure") for r in rows)


async def test_policies_that_did_not_exist_yet_do_not_appear() -> None:
    emu = Emulator("weak")
    new_id = await create(emu, BLOCK_LEGACY)
    old = await sign_ins(emu)
    assert not any(p["id"] == new_id for r in old for p in r["appliedConditionalAccessPolicies"])
    emu.generate_traffic()
    newest_before = old[0]["createdDateTime"]
    fresh = [
        r
        for r in await sign_ins(emu)
        if any(p["id"] == new_id for p in r["appliedConditionalAccessPolicies"])
    ]
    # exactly the new batch (interactive ones, as listed) carries the policy
    assert (
        fresh and len(fresh) == len(emu.default_tenant.sign_ins) - len(old) - 1
    )  # the old non-interactive one
    assert all(r["createdDateTime"] >= newest_before for r in fresh)


# ----------------------------------------------------------------------------------- generated traffic


async def test_report_only_legacy_block_shows_the_imap_client_as_report_only_failure() -> None:
    """The ca impact flow: create the policy report-only, let traffic happen, read what it would block."""
    emu = Emulator("weak")
    await create(emu, BLOCK_LEGACY)
    emu.generate_traffic()
    rows = await sign_ins(emu)
    imap = [r for r in rows if r["clientAppUsed"] == "IMAP4"]
    assert imap, "the generator includes a legacy IMAP client"
    newest = imap[0]
    entry = result_of(newest, BLOCK_LEGACY["displayName"])
    assert entry is not None and entry["result"] == "reportOnlyFailure"
    assert entry["conditionsSatisfied"] == "users,application,clientType"
    assert newest["status"]["errorCode"] == 0  # report-only: not enforced
    browsers = [
        r for r in rows if r["clientAppUsed"] == "Browser" and result_of(r, BLOCK_LEGACY["displayName"])
    ]
    assert browsers and all(
        result_of(r, BLOCK_LEGACY["displayName"])["result"] == "reportOnlyNotApplied"  # type: ignore[index]
        and result_of(r, BLOCK_LEGACY["displayName"])["conditionsNotSatisfied"] == "clientType"  # type: ignore[index]
        for r in browsers
    )


async def test_enforced_legacy_block_fails_the_imap_sign_in() -> None:
    emu = Emulator("weak")
    await create(emu, {**BLOCK_LEGACY, "state": "enabled"})
    rows = emu.generate_traffic()
    imap = next(r for r in rows if r["clientAppUsed"] == "IMAP4")
    assert imap["status"]["errorCode"] == 53003
    assert imap["conditionalAccessStatus"] == "failure"
    assert result_of(imap, BLOCK_LEGACY["displayName"])["result"] == "failure"  # type: ignore[index]
    assert any(r["status"]["errorCode"] == 0 for r in rows if r["clientAppUsed"] == "Browser")


async def test_report_only_mfa_interrupts_single_factor_sign_ins_and_enabled_mfa_prompts() -> None:
    emu = Emulator("weak")
    rows = emu.generate_traffic(clients=["browser"], legacy_imap=False)
    single = [r for r in rows if r["authenticationRequirement"] == "singleFactorAuthentication"]
    assert single and all(
        result_of(r, "Require MFA for all users")["result"] == "reportOnlyInterrupted" for r in single
    )  # type: ignore[index]
    policy_id = next(
        p["id"] for p in emu.stored_ca_policies() if p["displayName"] == "Require MFA for all users"
    )
    emu.edit_ca_policy(policy_id, {"state": "enabled"})
    rows = emu.generate_traffic(clients=["browser"], legacy_imap=False)
    by_upn = {r["userPrincipalName"]: r for r in rows}
    megan_like = by_upn["diego.siciliani@contoso.onmicrosoft.com"]
    assert megan_like["authenticationRequirement"] == "multiFactorAuthentication"
    assert megan_like["authenticationDetails"][-1]["authenticationMethod"] == "Mobile app notification"
    assert result_of(megan_like, "Require MFA for all users")["result"] == "success"  # type: ignore[index]
    unregistered = by_upn["christie.cline@contoso.onmicrosoft.com"]  # nothing registered
    assert unregistered["status"]["errorCode"] == 50079
    assert result_of(unregistered, "Require MFA for all users")["result"] == "failure"  # type: ignore[index]


async def test_strength_requirements_pick_a_phishing_resistant_method_or_block() -> None:
    emu = Emulator("compliant")
    rows = emu.generate_traffic(
        users=["admin@fabrikam.onmicrosoft.com", "dan.dev@fabrikam.onmicrosoft.com"], clients=["browser"]
    )
    methods = {r["userPrincipalName"]: r["authenticationDetails"][-1]["authenticationMethod"] for r in rows}
    assert methods == {
        "admin@fabrikam.onmicrosoft.com": "FIDO2 security key",
        "dan.dev@fabrikam.onmicrosoft.com": "Windows Hello for Business",
    }
    mobile = emu.generate_traffic(users=["dan.dev@fabrikam.onmicrosoft.com"], clients=["outlook-ios"])[0]
    assert mobile["status"]["errorCode"] == 53003  # Windows Hello is not on an iPhone: the strength blocks


@pytest.mark.parametrize(
    ("conditions", "client", "applies", "not_satisfied"),
    [
        ({"platforms": {"includePlatforms": ["android"]}}, "teams-android", True, "none"),
        ({"platforms": {"includePlatforms": ["android"]}}, "browser", False, "devicePlatform"),
        (
            {"platforms": {"includePlatforms": ["all"], "excludePlatforms": ["iOS"]}},
            "outlook-ios",
            False,
            "devicePlatform",
        ),
        (
            {"locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}},
            "browser",
            False,
            "location",
        ),
        (
            {"devices": {"deviceFilter": {"mode": "include", "rule": "device.isCompliant -eq True"}}},
            "browser",
            False,
            "deviceState",
        ),
        (
            {"devices": {"deviceFilter": {"mode": "exclude", "rule": "device.isCompliant -eq True"}}},
            "browser",
            True,
            "none",
        ),
        ({"clientAppTypes": ["mobileAppsAndDesktopClients"]}, "outlook-ios", True, "none"),
        ({"clientAppTypes": ["exchangeActiveSync"]}, "eas", True, "none"),
    ],
)
async def test_conditions_narrow_the_policy_in_the_log(
    conditions: dict[str, Any], client: str, applies: bool, not_satisfied: str
) -> None:
    emu = Emulator("weak")
    await create(emu, _policy("narrowed", "enabledForReportingButNotEnforced", **conditions))
    row = emu.generate_traffic(users=["diego.siciliani@contoso.onmicrosoft.com"], clients=[client])[0]
    entry = result_of(row, "narrowed")
    assert entry is not None
    assert (entry["result"] != "reportOnlyNotApplied") is applies, entry
    assert entry["conditionsNotSatisfied"] == not_satisfied


async def test_guests_roles_and_disabled_policies() -> None:
    emu = Emulator("weak")
    await create(
        emu,
        _policy(
            "guests",
            "enabledForReportingButNotEnforced",
            users={
                "includeGuestsOrExternalUsers": {
                    "guestOrExternalUserTypes": "b2bCollaborationGuest",
                    "externalTenants": {
                        "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
                        "membershipKind": "all",
                    },
                }
            },
        ),
    )
    await create(
        emu,
        _policy(
            "helpdesk",
            "enabledForReportingButNotEnforced",
            users={"includeRoles": ["729827e3-9c14-49f7-bb1b-9608f156bbb8"]},
        ),
    )
    await create(emu, _policy("switched off", "disabled"))
    guest = emu.generate_traffic(
        users=["kim.auditor_partner.example#EXT#@contoso.onmicrosoft.com"], clients=["browser"]
    )[0]
    assert result_of(guest, "guests")["result"] != "reportOnlyNotApplied"  # type: ignore[index]
    rows = emu.generate_traffic(
        users=["helpdesk.admin@contoso.onmicrosoft.com", "diego.siciliani@contoso.onmicrosoft.com"],
        clients=["browser"],
    )
    by_upn = {r["userPrincipalName"]: r for r in rows}
    helpdesk = by_upn["helpdesk.admin@contoso.onmicrosoft.com"]
    member = by_upn["diego.siciliani@contoso.onmicrosoft.com"]
    assert result_of(helpdesk, "helpdesk")["result"] != "reportOnlyNotApplied"  # type: ignore[index]
    assert result_of(member, "helpdesk")["result"] == "reportOnlyNotApplied"  # type: ignore[index]
    assert result_of(member, "switched off")["result"] == "notEnabled"  # type: ignore[index]
    assert result_of(member, "guests")["result"] == "reportOnlyNotApplied"  # type: ignore[index]


async def test_traffic_leaves_attack_victims_and_excluded_users_alone_and_is_deterministic() -> None:
    first = Emulator("weak", seed=3)
    second = Emulator("weak", seed=3)
    a = first.generate_traffic()
    b = second.generate_traffic()
    assert [r["id"] for r in a] == [r["id"] for r in b]
    users = {r["userPrincipalName"] for r in a}
    assert "megan.bowen@contoso.onmicrosoft.com" not in users  # MFA denied in the logs: under attack
    assert "breakglass01@contoso.onmicrosoft.com" not in users  # excluded by the scenario
    assert not any("#ext#" in u for u in users)  # members only
    ages = [r["createdDateTime"] for r in a]
    assert ages == sorted(ages, reverse=True)
    log = first.default_tenant.sign_ins
    assert all(row in log for row in a)
    assert [r["createdDateTime"] for r in log] == sorted((r["createdDateTime"] for r in log), reverse=True)


async def test_the_control_plane_generates_traffic() -> None:
    emu = Emulator("weak")
    transport = httpx.ASGITransport(app=emu.asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://emulator.test") as client:
        made = await client.post(
            "/_emulator/traffic",
            json={"clients": ["imap"], "users": ["diego.siciliani@contoso.onmicrosoft.com"]},
        )
        assert made.status_code == 201 and made.json()["generated"] == 1
        assert made.json()["value"][0]["clientAppUsed"] == "IMAP4"
        default = await client.post("/_emulator/traffic", json={})
        assert default.json()["generated"] > 20
        assert any(r["clientAppUsed"] == "IMAP4" for r in default.json()["value"])
        bad = await client.post("/_emulator/traffic", json={"users": ["nobody@contoso.onmicrosoft.com"]})
        assert bad.status_code == 400 and "no user" in bad.json()["error"]
        stored = await client.get("/_emulator/conditional-access")
        assert len(stored.json()["value"]) == 3
        edited = await client.post(
            "/_emulator/edit",
            json={"conditionalAccessPolicy": stored.json()["value"][0]["id"], "body": {"state": "disabled"}},
        )
        assert edited.status_code == 200
        created = await client.post(
            "/_emulator/edit", json={"conditionalAccessPolicy": None, "body": BLOCK_LEGACY}
        )
        assert created.status_code == 200
        defaults = await client.post("/_emulator/security-defaults", json={"isEnabled": True})
        assert defaults.status_code == 200 and emu.default_tenant.ca.security_defaults is True
        p2 = await client.post("/_emulator/premium", json={"premium": True, "p2": True})
        assert p2.status_code == 200 and emu.default_tenant.p2 is True
    assert len(emu.stored_ca_policies()) == 4
