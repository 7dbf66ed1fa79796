"""Conditional Access of the generated ``big`` tenant: ~40 policies over 100,000 users, built procedurally
and deterministically from the generator's seed (the same shape of data a large enterprise accumulates).

Fixed core (breaking-glass group = generated group ``EMERGENCY``): MFA for all, legacy block,
phishing-resistant admins (14 roles), high-risk sign-ins and users (P2), security-info registration.
Then a rotation of realistic variants, each on generated groups picked from the seed: department MFA with
a nested-group exclusion three levels deep, report-only pilots, role-targeted MFA, location-conditioned
MFA (outside the trusted networks), platform-conditioned app protection, a device filter, OR grants,
Office 365-only policies, sign-in frequency, disabled leftovers. Role assignments: the first 25 users hold
admin roles directly; the members of generated group ``ROLE_GROUP`` (role-assignable) hold Helpdesk
Administrator through it.
"""

from __future__ import annotations

import random
from typing import Any

from mfaguard.emulator.directory import GeneratedDirectory, stable_uuid

EMERGENCY = 1998
ROLE_GROUP = 1999
CREATED = "2024-03-01T09:00:00Z"
ADMIN_ROLES = (
    "62e90394-69f5-4237-9190-012177145e10",  # Global Administrator
    "194ae4cb-b126-40b2-bd5b-6091b380977d",  # Security Administrator
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",  # SharePoint Administrator
    "29232cdf-9323-42fd-ade2-1d097af3e4de",  # Exchange Administrator
    "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",  # Conditional Access Administrator
    "729827e3-9c14-49f7-bb1b-9608f156bbb8",  # Helpdesk Administrator
    "b0f54661-2d74-4c50-afa3-1ec803f12efe",  # Billing Administrator
    "fe930be7-5e62-47db-91af-98c3a49a38b1",  # User Administrator
    "c4e39bd9-1100-46d3-8c65-fb160da0071f",  # Authentication Administrator
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",  # Application Administrator
    "158c047a-c907-4556-b7ef-446551a6b5f7",  # Cloud Application Administrator
    "966707d0-3269-4727-9be2-8c3a10f19b9d",  # Password Administrator
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",  # Privileged Authentication Administrator
    "e8611ab8-c189-46e8-94e1-60213ab1f814",  # Privileged Role Administrator
)
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de"


def _users(include: dict[str, Any] | None = None, exclude_groups: list[str] | None = None) -> dict[str, Any]:
    return {"includeUsers": ["All"], **(include or {}), "excludeGroups": exclude_groups or []}


def _policy(
    number: int, name: str, state: str, users: dict[str, Any], grant: Any, **conditions: Any
) -> dict[str, Any]:
    apps = conditions.pop("applications", {"includeApplications": ["All"]})
    session = conditions.pop("sessionControls", None)
    return {
        "id": stable_uuid("big-ca", str(number)),
        "displayName": f"Northwind CA{number:03d} - {name}",
        "createdDateTime": CREATED,
        "modifiedDateTime": None,
        "state": state,
        "conditions": {"users": users, "applications": apps, "clientAppTypes": ["all"], **conditions},
        "grantControls": grant,
        "sessionControls": session,
    }


def _grant(*controls: str, operator: str = "OR", **extra: Any) -> dict[str, Any]:
    return {"operator": operator, "builtInControls": list(controls), **extra}


def _descendant(j: int, depth: int, total: int) -> int | None:
    """A generated group ``depth`` levels below group ``j`` in the 10-ary tree (the first child each time)."""
    for _ in range(depth):
        j = 10 * j + 1
        if j >= total:
            return None
    return j


def big_conditional_access(directory: GeneratedDirectory, count: int, *, seed: int) -> dict[str, Any]:
    """The ``conditionalAccess`` scenario object for the generated tenant (see scenarios.py)."""
    rng = random.Random(f"big-ca:{seed}")
    gid = directory.group_id
    total = directory.group_total
    emergency = gid(EMERGENCY)
    hq, branch, allowed, blocked = (
        stable_uuid("big-location", name) for name in ("hq", "branch", "allowed", "blocked")
    )
    policies: list[dict[str, Any]] = [
        _policy(1, "Require MFA for all users", "enabled", _users(exclude_groups=[emergency]), _grant("mfa")),
        _policy(
            2,
            "Block legacy authentication",
            "enabled",
            _users(exclude_groups=[emergency]),
            _grant("block"),
            clientAppTypes=["exchangeActiveSync", "other"],
        ),
        _policy(
            3,
            "Phishing-resistant MFA for admins",
            "enabled",
            {"includeRoles": list(ADMIN_ROLES), "excludeGroups": [emergency]},
            {
                "operator": "OR",
                "builtInControls": [],
                "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000004"},
            },
        ),
        _policy(
            4,
            "Block high-risk sign-ins",
            "enabled",
            _users(exclude_groups=[emergency]),
            _grant("block"),
            signInRiskLevels=["high"],
        ),
        _policy(
            5,
            "High-risk users must change password",
            "enabled",
            _users(exclude_groups=[emergency]),
            _grant("mfa", "passwordChange", operator="AND"),
            userRiskLevels=["high"],
        ),
        _policy(
            6,
            "Register security info from trusted networks",
            "enabled",
            _users(exclude_groups=[emergency]),
            _grant("block"),
            applications={"includeUserActions": ["urn:user:registersecurityinfo"]},
            locations={"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]},
        ),
    ]
    variants = (
        "nested",
        "report_only",
        "role",
        "location",
        "platform",
        "device_filter",
        "or_grant",
        "office365",
        "frequency",
        "disabled",
    )
    number = len(policies)
    while len(policies) < count:
        number += 1
        kind = variants[(number - 7) % len(variants)]
        team = rng.randrange(1, 200)
        team_group = gid(team)
        if kind == "nested":
            deep = _descendant(team, 3, total) or _descendant(team, 2, total) or team
            policies.append(
                _policy(
                    number,
                    f"MFA for Team {team:04d} (except Team {deep:04d})",
                    "enabled",
                    {"includeGroups": [team_group], "excludeGroups": [gid(deep), emergency]},
                    _grant("mfa"),
                )
            )
        elif kind == "report_only":
            policies.append(
                _policy(
                    number,
                    f"Pilot: require MFA for Team {team:04d}",
                    "enabledForReportingButNotEnforced",
                    {"includeGroups": [team_group]},
                    _grant("mfa"),
                )
            )
        elif kind == "role":
            policies.append(
                _policy(
                    number,
                    "MFA for Exchange administrators",
                    "enabled",
                    {"includeRoles": [EXCHANGE_ADMIN, HELPDESK]},
                    _grant("mfa"),
                )
            )
        elif kind == "location":
            policies.append(
                _policy(
                    number,
                    f"MFA outside trusted networks for Team {team:04d}",
                    "enabled",
                    {"includeGroups": [team_group]},
                    _grant("mfa"),
                    locations={"includeLocations": ["All"], "excludeLocations": [hq, branch]},
                )
            )
        elif kind == "platform":
            policies.append(
                _policy(
                    number,
                    f"App protection on mobile for Team {team:04d}",
                    "enabled",
                    {"includeGroups": [team_group]},
                    _grant("approvedApplication", "compliantApplication"),
                    platforms={"includePlatforms": ["android", "iOS"], "excludePlatforms": []},
                )
            )
        elif kind == "device_filter":
            policies.append(
                _policy(
                    number,
                    f"MFA on unmanaged devices for Team {team:04d}",
                    "enabled",
                    {"includeGroups": [team_group]},
                    _grant("mfa"),
                    devices={
                        "deviceFilter": {
                            "mode": "exclude",
                            "rule": 'device.trustType -eq "ServerAD" -or device.isCompliant -eq True',
                        }
                    },
                )
            )
        elif kind == "or_grant":
            policies.append(
                _policy(
                    number,
                    f"MFA or compliant device for Team {team:04d}",
                    "enabled",
                    {"includeGroups": [team_group]},
                    _grant("mfa", "compliantDevice"),
                )
            )
        elif kind == "office365":
            policies.append(
                _policy(
                    number,
                    f"MFA for Office 365 (Team {team:04d})",
                    "enabled",
                    {"includeGroups": [team_group]},
                    _grant("mfa"),
                    applications={"includeApplications": ["Office365"]},
                )
            )
        elif kind == "frequency":
            policies.append(
                _policy(
                    number,
                    "Admin sign-in frequency 4 hours",
                    "enabled",
                    {"includeRoles": list(ADMIN_ROLES[:4])},
                    None,
                    sessionControls={
                        "signInFrequency": {
                            "isEnabled": True,
                            "type": "hours",
                            "value": 4,
                            "authenticationType": "primaryAndSecondaryAuthentication",
                            "frequencyInterval": "timeBased",
                        }
                    },
                )
            )
        else:
            policies.append(
                _policy(
                    number,
                    f"Old policy for Team {team:04d} (disabled)",
                    "disabled",
                    {"includeGroups": [team_group]},
                    _grant("mfa"),
                )
            )
    admins = [(i, ADMIN_ROLES[i % len(ADMIN_ROLES)]) for i in range(25)]
    assignments = [{"principalId": directory.user_id(i), "roleDefinitionId": role} for i, role in admins]
    assignments.append({"principalId": gid(ROLE_GROUP), "roleDefinitionId": HELPDESK})
    return {
        "securityDefaults": False,
        "policies": policies,
        "roleAssignments": assignments,
        "namedLocations": [
            _ip_location(hq, "Northwind HQ", ["203.0.113.0/24"], trusted=True),
            _ip_location(branch, "Northwind branch offices", ["198.51.100.0/24"], trusted=True),
            _country(allowed, "Operating countries", ["US", "CA", "GB", "DE", "NL"]),
            _country(blocked, "Blocked countries", ["KP", "IR"]),
        ],
    }


def _ip_location(location_id: str, name: str, ranges: list[str], *, trusted: bool) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.ipNamedLocation",
        "id": location_id,
        "displayName": name,
        "createdDateTime": CREATED,
        "modifiedDateTime": CREATED,
        "isTrusted": trusted,
        "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": r} for r in ranges],
    }


def _country(location_id: str, name: str, countries: list[str]) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.countryNamedLocation",
        "id": location_id,
        "displayName": name,
        "createdDateTime": CREATED,
        "modifiedDateTime": CREATED,
        "countriesAndRegions": countries,
        "includeUnknownCountriesAndRegions": False,
        "countryLookupMethod": "clientIpAddress",
    }
