"""Conditional Access test inputs in Graph's v1.0 JSON shapes, parsed by the real parser.

Every builder returns the JSON Graph sends (so each test also exercises
:mod:`mfaguard.graph.ca_parse`); :func:`ca` turns them into a
:class:`~mfaguard.model.conditional_access.ConditionalAccessData`; directories come from
:mod:`tests.builders.directory` (:func:`~tests.builders.directory.people`).
Defaults are the worked examples' "P": enabled, All users, All resources, all client apps, grant mfa.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tests.builders.directory import group, user

from mfaguard.coverage.requirement import RequirementEngine, RequirementOutcome
from mfaguard.graph.ca_parse import LICENCE_ERROR_CODE, parse_conditional_access
from mfaguard.model.conditional_access import (
    GLOBAL_ADMINISTRATOR,
    PART_POLICIES,
    PART_ROLE_ASSIGNMENTS,
    ConditionalAccessData,
    Licences,
)
from mfaguard.model.directory import Directory, DirectoryUser, ProblemKind, ReadProblem

Json = dict[str, Any]

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GA = GLOBAL_ADMINISTRATOR
SECURITY_ADMIN = "194ae4cb-b126-40b2-bd5b-6091b380977d"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"

MFA_STRENGTH_ID = "00000000-0000-0000-0000-000000000002"
PASSWORDLESS_ID = "00000000-0000-0000-0000-000000000003"
PHISHING_RESISTANT_ID = "00000000-0000-0000-0000-000000000004"


def strength(
    strength_id: str,
    combinations: Iterable[str],
    *,
    name: str = "Custom strength",
    requirements: str = "mfa",
    policy_type: str = "custom",
) -> Json:
    return {
        "id": strength_id,
        "createdDateTime": "2023-01-01T00:00:00Z",
        "modifiedDateTime": "2023-01-01T00:00:00Z",
        "displayName": name,
        "description": name,
        "policyType": policy_type,
        "requirementsSatisfied": requirements,
        "allowedCombinations": list(combinations),
    }


MFA_STRENGTH = strength(
    MFA_STRENGTH_ID,
    [
        "windowsHelloForBusiness",
        "fido2",
        "password,microsoftAuthenticatorPush",
        "password,sms",
        "password,voice",
    ],
    name="Multifactor authentication",
    policy_type="builtIn",
)
PASSWORDLESS = strength(
    PASSWORDLESS_ID,
    ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"],
    name="Passwordless MFA",
    policy_type="builtIn",
)
PHISHING_RESISTANT = strength(
    PHISHING_RESISTANT_ID,
    ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
    name="Phishing-resistant MFA",
    policy_type="builtIn",
)
BUILT_IN_STRENGTHS = (MFA_STRENGTH, PASSWORDLESS, PHISHING_RESISTANT)


def users(
    include: Iterable[str] = ("All",),
    exclude: Iterable[str] = (),
    *,
    groups: Iterable[str] = (),
    exclude_groups: Iterable[str] = (),
    roles: Iterable[str] = (),
    exclude_roles: Iterable[str] = (),
    guests: Json | None = None,
    exclude_guests: Json | None = None,
) -> Json:
    return {
        "includeUsers": list(include),
        "excludeUsers": list(exclude),
        "includeGroups": list(groups),
        "excludeGroups": list(exclude_groups),
        "includeRoles": list(roles),
        "excludeRoles": list(exclude_roles),
        "includeGuestsOrExternalUsers": guests,
        "excludeGuestsOrExternalUsers": exclude_guests,
    }


def guest_types(types: str, *, kind: str | None = "all", tenants: Iterable[str] = ()) -> Json:
    """``conditionalAccessGuestsOrExternalUsers`` (``types`` is Graph's comma-separated flags string)."""
    external: Json | None = None
    if kind == "all":
        external = {
            "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
            "membershipKind": "all",
        }
    elif kind is not None:
        external = {
            "@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants",
            "membershipKind": kind,
            "members": list(tenants),
        }
    return {"guestOrExternalUserTypes": types, "externalTenants": external}


def apps(
    include: Iterable[str] = ("All",),
    exclude: Iterable[str] = (),
    *,
    actions: Iterable[str] = (),
    contexts: Iterable[str] = (),
) -> Json:
    return {
        "includeApplications": list(include),
        "excludeApplications": list(exclude),
        "includeUserActions": list(actions),
        "includeAuthenticationContextClassReferences": list(contexts),
        "applicationFilter": None,
    }


def grant(
    *controls: str,
    operator: str = "OR",
    strength_body: Json | None = None,
    terms: Iterable[str] = (),
    custom: Iterable[str] = (),
) -> Json:
    return {
        "operator": operator,
        "builtInControls": list(controls),
        "customAuthenticationFactors": list(custom),
        "termsOfUse": list(terms),
        "authenticationStrength": strength_body,
    }


def sign_in_frequency_every_time() -> Json:
    return {
        "signInFrequency": {
            "isEnabled": True,
            "frequencyInterval": "everyTime",
            "authenticationType": "primaryAndSecondaryAuthentication",
            "type": None,
            "value": None,
        }
    }


def policy(
    name: str = "P",
    *,
    state: str = "enabled",
    user_condition: Json | None = None,
    app_condition: Json | None = None,
    client_apps: Iterable[str] = ("all",),
    platforms: tuple[Iterable[str], Iterable[str]] | None = None,
    locations: tuple[Iterable[str], Iterable[str]] | None = None,
    sign_in_risk: Iterable[str] = (),
    user_risk: Iterable[str] = (),
    insider_risk: str | None = None,
    device_filter: tuple[str, str] | None = None,
    transfer_methods: str | None = None,
    grant_controls: Json | str | None = "mfa",
    session: Json | None = None,
    modified: str = "2026-06-01T09:30:00Z",
) -> Json:
    """A ``conditionalAccessPolicy``; ``grant_controls="mfa"`` is ``grant("mfa")``."""
    conditions: Json = {
        "users": user_condition if user_condition is not None else users(),
        "applications": app_condition if app_condition is not None else apps(),
        "clientAppTypes": list(client_apps),
        "platforms": None
        if platforms is None
        else {"includePlatforms": list(platforms[0]), "excludePlatforms": list(platforms[1])},
        "locations": None
        if locations is None
        else {"includeLocations": list(locations[0]), "excludeLocations": list(locations[1])},
        "signInRiskLevels": list(sign_in_risk),
        "userRiskLevels": list(user_risk),
        "servicePrincipalRiskLevels": [],
        "insiderRiskLevels": insider_risk,
        "devices": None
        if device_filter is None
        else {"deviceFilter": {"mode": device_filter[0], "rule": device_filter[1]}},
        "authenticationFlows": None if transfer_methods is None else {"transferMethods": transfer_methods},
        "clientApplications": None,
    }
    return {
        "id": f"policy-{name.lower().replace(' ', '-')}",
        "templateId": None,
        "displayName": name,
        "createdDateTime": "2026-01-01T09:30:00Z",
        "modifiedDateTime": modified,
        "state": state,
        "conditions": conditions,
        "grantControls": grant("mfa") if grant_controls == "mfa" else grant_controls,
        "sessionControls": session,
    }


def ip_location(location_id: str, name: str, *, trusted: bool = False, cidr: str = "203.0.113.0/24") -> Json:
    return {
        "@odata.type": "#microsoft.graph.ipNamedLocation",
        "id": location_id,
        "displayName": name,
        "createdDateTime": "2025-01-01T00:00:00Z",
        "modifiedDateTime": "2025-01-01T00:00:00Z",
        "isTrusted": trusted,
        "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": cidr}],
    }


def country_location(location_id: str, name: str, countries: Iterable[str] = ("US",)) -> Json:
    return {
        "@odata.type": "#microsoft.graph.countryNamedLocation",
        "id": location_id,
        "displayName": name,
        "createdDateTime": "2025-01-01T00:00:00Z",
        "modifiedDateTime": "2025-01-01T00:00:00Z",
        "countriesAndRegions": list(countries),
        "includeUnknownCountriesAndRegions": False,
        "countryLookupMethod": "clientIpAddress",
    }


def role(role_id: str, principal: str, *, scope: str = "/", principal_type: str | None = None) -> Json:
    """A ``unifiedRoleAssignment`` (``principal_type`` ``group``/``user`` adds ``$expand=principal``)."""
    body: Json = {
        "id": f"ra-{role_id[:8]}-{principal}",
        "roleDefinitionId": role_id,
        "principalId": principal,
        "directoryScopeId": scope,
    }
    if principal_type is not None:
        body["principal"] = {"@odata.type": f"#microsoft.graph.{principal_type}", "id": principal}
    return body


def permission_error(part: str) -> Json:
    return ReadProblem(
        what=part, kind=ProblemKind.PERMISSION, reason="Authorization_RequestDenied (HTTP 403)"
    ).to_json()


def licence_error(part: str = PART_POLICIES) -> str:
    return f"{LICENCE_ERROR_CODE}: Tenant does not have a SPO license (HTTP 403)"


def ca(
    policies: Iterable[Json] = (),
    *,
    strengths: Iterable[Json] = BUILT_IN_STRENGTHS,
    locations: Iterable[Json] = (),
    security_defaults: bool = False,
    roles: Iterable[Json] | None = (),
    read_errors: Mapping[str, Any] | None = None,
    p1: bool | None = None,
) -> ConditionalAccessData:
    """CA data through the snapshot parser; a part named in ``read_errors`` is left out (unreadable)."""
    errors = dict(read_errors or {})
    raw: Json = {
        "policies": {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies",
            "value": list(policies),
        },
        "authentication_strengths": list(strengths),
        "named_locations": list(locations),
        "security_defaults": {
            "id": "00000000-0000-0000-0000-000000000005",
            "displayName": "Security Defaults",
            "isEnabled": security_defaults,
        },
    }
    for part in errors:
        if part.startswith("conditional_access."):
            raw.pop(part.split(".", 1)[1])
    role_value = None if PART_ROLE_ASSIGNMENTS in errors or roles is None else list(roles)
    if roles is None and PART_ROLE_ASSIGNMENTS not in errors:
        errors[PART_ROLE_ASSIGNMENTS] = permission_error(PART_ROLE_ASSIGNMENTS)
    data = parse_conditional_access(
        raw, read_errors=errors, role_assignments=role_value, licences=Licences(p1=p1, p2=p1)
    )
    assert data is not None
    return data


def outcome_of(data: ConditionalAccessData, directory: Directory, user_id: str) -> RequirementOutcome:
    engine = RequirementEngine(data, directory, now=NOW)
    report = engine.evaluate()
    return report.by_id()[user_id].outcome


# -- a synthetic big tenant (benchmark and scale test) ---------------------------------------------

DEPARTMENTS = 40


def synthetic_tenant(n_users: int = 100_000) -> tuple[ConditionalAccessData, Directory]:
    """~40 policies over ``n_users`` users: nested-group exclusions, roles (some through a group),
    guests of each type, report-only, location-, platform- and client-app-conditioned policies."""
    from mfaguard.model.conditional_access import PRIVILEGED_ROLES, REGISTER_SECURITY_INFO

    people_list: list[DirectoryUser] = []
    for i in range(n_users):
        uid = f"u{i:06d}"
        kind = i % 200
        people_list.append(
            user(
                uid,
                guest=kind in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
                external=kind in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13),
                enabled=kind != 199,
            )
        )
    ids = [u.id for u in people_list]
    per = n_users // DEPARTMENTS
    groups = [
        group(f"dept{d:02d}", ids[d * per : (d + 1) * per], groups=[f"team{d:02d}"])
        for d in range(DEPARTMENTS)
    ]
    groups += [group(f"team{d:02d}", ids[d * per + 1 : d * per + 50]) for d in range(DEPARTMENTS)]
    groups += [
        group("exempt", groups=["exempt-l2"], name="Exempt"),
        group("exempt-l2", ids[:5], groups=["exempt-l3"], name="Exempt L2"),
        group("exempt-l3", ids[5 : 5 + n_users // 300], name="Exempt L3"),
        group("contractors", ids[-n_users // 20 :], name="Contractors"),
        group("bg", ids[-2:], name="Break glass"),
        group("tier0", ids[100:120], name="Tier0"),
    ]
    roles = [role(PRIVILEGED_ROLES[i % 14], ids[1000 + i * 7]) for i in range(200)]
    roles.append(role(GA, "tier0", principal_type="group"))
    roles.append(role(GA, ids[50_000 % n_users], scope="/administrativeUnits/au"))
    locations = [
        ip_location("hq", "HQ", trusted=True),
        ip_location("dc", "Datacenter", trusted=True),
        ip_location("vpn", "VPN", trusted=True),
        ip_location("branch-a", "Branch A"),
        ip_location("branch-b", "Branch B"),
        country_location("nl", "Netherlands", ["NL"]),
        country_location("blocked", "Blocked countries", ["KP", "IR"]),
    ]
    bg = ["bg"]
    policies = [
        policy("Require MFA", user_condition=users(exclude_groups=[*bg, "exempt"])),
        policy(
            "Admins PR",
            user_condition=users([], roles=list(PRIVILEGED_ROLES), exclude_groups=bg),
            grant_controls=grant(strength_body=PHISHING_RESISTANT),
        ),
        policy(
            "Block legacy",
            user_condition=users(exclude_groups=bg),
            client_apps=["exchangeActiveSync", "other"],
            grant_controls=grant("block"),
        ),
        policy("Risky sign-ins", sign_in_risk=["high"], grant_controls=grant("block")),
        policy(
            "Risky users", user_risk=["high"], grant_controls=grant("mfa", "passwordChange", operator="AND")
        ),
        policy(
            "Registration",
            app_condition=apps([], actions=[REGISTER_SECURITY_INFO]),
            grant_controls=grant("compliantDevice"),
        ),
        policy("Block countries", locations=(["blocked"], []), grant_controls=grant("block")),
        policy(
            "Guests",
            user_condition=users([], guests=guest_types("b2bCollaborationGuest,internalGuest")),
            grant_controls=grant("mfa", terms=["tou"], operator="AND"),
        ),
        policy("Device filter", device_filter=("include", 'device.trustType -eq "AzureAD"')),
        policy("Office only", app_condition=apps(["Office365"])),
        policy("Device code", transfer_methods="deviceCodeFlow", grant_controls=grant("block")),
        policy(
            "Trusted exempt",
            user_condition=users([], groups=["contractors"]),
            locations=(["All"], ["AllTrusted"]),
        ),
        policy("Disabled", state="disabled"),
        policy(
            "Rehearsal", state="enabledForReportingButNotEnforced", user_condition=users(exclude_groups=bg)
        ),
        policy(
            "Weak strength",
            user_condition=users([], groups=["tier0"]),
            grant_controls=grant(strength_body=MFA_STRENGTH),
        ),
    ]
    shapes = [
        {"platforms": (["android", "iOS"], [])},
        {"client_apps": ["browser", "mobileAppsAndDesktopClients"]},
        {"locations": (["branch-a", "nl"], [])},
        {"grant_controls": grant("mfa", "compliantApplication")},
        {"state": "enabledForReportingButNotEnforced"},
    ]
    for d in range(25):
        extra = shapes[d % len(shapes)]
        condition = users([], groups=[f"dept{d:02d}"], exclude_groups=[*bg, f"team{d:02d}"])
        policies.append(policy(f"Dept {d:02d}", user_condition=condition, **extra))  # type: ignore[arg-type]
    data = ca(policies, locations=locations, roles=roles)
    directory = Directory(
        users={u.id: u for u in people_list}, groups={g.id: g for g in groups}, registration={}
    )
    return data, directory
