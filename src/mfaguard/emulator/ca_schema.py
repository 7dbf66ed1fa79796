"""The conditionalAccessPolicy type per API version: write validation, the full shape Graph returns, and
where its evolvable enums sit (reference CA §1; msgraph-metadata ``conditionalAccessPolicy`` and friends).

Writes are checked with the :mod:`~mfaguard.emulator.schema` specs below (unknown property or enum member →
400, as Graph's OData deserializer answers). Stored policies are *normalised* to the shape Graph returns:
every property present, absent collections ``[]``, absent complex values ``null`` (the documented POST
response shows this: ``"platforms": null``, ``"excludeApplications": []``). The emulator models the
properties below; schema properties it does not model (beta ``globalSecureAccess``, ``networkAccess``,
``globalSecureAccessFilteringProfile``) are refused on input and never served — stricter than Graph,
never looser. ``tests/emulator/test_schema.py`` proves every property and member here exists in Graph's
published schema for its version.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from mfaguard.emulator.enums import GRANT_CONTROL, METHOD_MODES, PLATFORM, Late
from mfaguard.emulator.schema import Bool, Derived, Enum, Flags, Int, ListOf, Nullable, Obj, Spec, Str

STATE = Enum("conditionalAccessPolicyState", ("enabled", "disabled", "enabledForReportingButNotEnforced"))
CLIENT_APP = Enum(
    "conditionalAccessClientApp",
    ("all", "browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "easSupported", "other"),
)
PLATFORMS = Enum(
    "conditionalAccessDevicePlatform", ("android", "iOS", "windows", "windowsPhone", "macOS", "all", "linux")
)
GRANTS = Enum(
    "conditionalAccessGrantControl",
    (
        "block",
        "mfa",
        "compliantDevice",
        "domainJoinedDevice",
        "approvedApplication",
        "compliantApplication",
        "passwordChange",
        "riskRemediation",
    ),
)
RISK = Enum("riskLevel", ("low", "medium", "high", "hidden", "none"))
GUEST_TYPES = Flags(
    "conditionalAccessGuestOrExternalUserTypes",
    (
        "none",
        "internalGuest",
        "b2bCollaborationGuest",
        "b2bCollaborationMember",
        "b2bDirectConnectUser",
        "otherExternalUser",
        "serviceProvider",
    ),
)
MEMBERSHIP_KIND = Enum("conditionalAccessExternalTenantsMembershipKind", ("all", "enumerated"))
FILTER = Obj(
    "conditionalAccessFilter",
    {"mode": Enum("filterMode", ("include", "exclude")), "rule": Str()},
    required=frozenset({"mode", "rule"}),
)
STRINGS = ListOf(Str())

_EXTERNAL_TENANTS = Derived(
    "conditionalAccessExternalTenants",
    {
        "conditionalAccessAllExternalTenants": Obj(
            "conditionalAccessAllExternalTenants", {"membershipKind": Nullable(MEMBERSHIP_KIND)}
        ),
        "conditionalAccessEnumeratedExternalTenants": Obj(
            "conditionalAccessEnumeratedExternalTenants",
            {"membershipKind": Nullable(MEMBERSHIP_KIND), "members": STRINGS},
        ),
    },
)
_GUESTS = Obj(
    "conditionalAccessGuestsOrExternalUsers",
    {"guestOrExternalUserTypes": GUEST_TYPES, "externalTenants": Nullable(_EXTERNAL_TENANTS)},
    required=frozenset({"guestOrExternalUserTypes"}),
)
USERS = Obj(
    "conditionalAccessUsers",
    {
        "includeUsers": STRINGS,
        "excludeUsers": STRINGS,
        "includeGroups": STRINGS,
        "excludeGroups": STRINGS,
        "includeRoles": STRINGS,
        "excludeRoles": STRINGS,
        "includeGuestsOrExternalUsers": Nullable(_GUESTS),
        "excludeGuestsOrExternalUsers": Nullable(_GUESTS),
    },
)
APPLICATIONS = Obj(
    "conditionalAccessApplications",
    {
        "includeApplications": STRINGS,
        "excludeApplications": STRINGS,
        "includeUserActions": STRINGS,
        "includeAuthenticationContextClassReferences": STRINGS,
        "applicationFilter": Nullable(FILTER),
    },
)
_SESSION_BASE: dict[str, Spec] = {"isEnabled": Nullable(Bool())}


def _session(type_name: str, extra: Mapping[str, Spec] | None = None) -> Nullable:
    return Nullable(Obj(type_name, {**_SESSION_BASE, **(extra or {})}))


def _conditions(version: str) -> Obj:
    props: dict[str, Spec] = {
        "applications": Nullable(APPLICATIONS),
        "users": Nullable(USERS),
        "clientAppTypes": ListOf(CLIENT_APP),
        "platforms": Nullable(
            Obj(
                "conditionalAccessPlatforms",
                {"includePlatforms": ListOf(PLATFORMS), "excludePlatforms": ListOf(PLATFORMS)},
            )
        ),
        "locations": Nullable(
            Obj("conditionalAccessLocations", {"includeLocations": STRINGS, "excludeLocations": STRINGS})
        ),
        "devices": Nullable(Obj("conditionalAccessDevices", {"deviceFilter": Nullable(FILTER)})),
        "signInRiskLevels": ListOf(RISK),
        "userRiskLevels": ListOf(RISK),
        "servicePrincipalRiskLevels": ListOf(RISK),
        "insiderRiskLevels": Nullable(
            Flags("conditionalAccessInsiderRiskLevels", ("minor", "moderate", "elevated"))
        ),
        "clientApplications": Nullable(
            Obj(
                "conditionalAccessClientApplications",
                {
                    "includeServicePrincipals": STRINGS,
                    "excludeServicePrincipals": STRINGS,
                    "servicePrincipalFilter": Nullable(FILTER),
                },
            )
        ),
        "authenticationFlows": Nullable(
            Obj(
                "conditionalAccessAuthenticationFlows",
                {
                    "transferMethods": Flags(
                        "conditionalAccessTransferMethods",
                        ("none", "deviceCodeFlow", "authenticationTransfer"),
                    )
                },
                required=frozenset({"transferMethods"}),
            )
        ),
    }
    if version == "beta":
        props["agentIdRiskLevels"] = Nullable(
            Flags("conditionalAccessAgentIdRiskLevels", ("low", "medium", "high"))
        )
    return Obj("conditionalAccessConditionSet", props)


GRANT_CONTROLS = Obj(
    "conditionalAccessGrantControls",
    {
        "operator": Nullable(Str()),
        "builtInControls": ListOf(GRANTS),
        "customAuthenticationFactors": STRINGS,
        "termsOfUse": STRINGS,
        # A navigation property: writes reference an existing strength by id (checked by the caller).
        "authenticationStrength": Nullable(
            Obj("authenticationStrengthPolicy", {"id": Str()}, frozenset({"id"}))
        ),
    },
)


def _session_controls(version: str) -> Obj:
    props: dict[str, Spec] = {
        "applicationEnforcedRestrictions": _session("applicationEnforcedRestrictionsSessionControl"),
        "cloudAppSecurity": _session(
            "cloudAppSecuritySessionControl",
            {
                "cloudAppSecurityType": Nullable(
                    Enum(
                        "cloudAppSecuritySessionControlType",
                        ("mcasConfigured", "monitorOnly", "blockDownloads"),
                    )
                )
            },
        ),
        "persistentBrowser": _session(
            "persistentBrowserSessionControl",
            {"mode": Nullable(Enum("persistentBrowserSessionMode", ("always", "never")))},
        ),
        "signInFrequency": _session(
            "signInFrequencySessionControl",
            {
                "type": Nullable(Enum("signinFrequencyType", ("days", "hours"))),
                "value": Nullable(Int(1, 365)),
                "authenticationType": Nullable(
                    Enum(
                        "signInFrequencyAuthenticationType",
                        ("primaryAndSecondaryAuthentication", "secondaryAuthentication"),
                    )
                ),
                "frequencyInterval": Nullable(Enum("signInFrequencyInterval", ("timeBased", "everyTime"))),
            },
        ),
        "secureSignInSession": _session("secureSignInSessionControl"),
        "disableResilienceDefaults": Nullable(Bool()),
    }
    if version == "beta":
        props["continuousAccessEvaluation"] = Nullable(
            Obj(
                "continuousAccessEvaluationSessionControl",
                {
                    "mode": Nullable(
                        Enum(
                            "continuousAccessEvaluationMode",
                            ("strictEnforcement", "disabled", "strictLocation"),
                        )
                    )
                },
            )
        )
    return Obj("conditionalAccessSessionControls", props)


READ_ONLY = frozenset({"id", "createdDateTime", "modifiedDateTime", "deletedDateTime"})


def policy_schema(version: str) -> Obj:
    """What a POST/PATCH body of ``/{version}/identity/conditionalAccess/policies`` may contain."""
    props: dict[str, Spec] = {
        "displayName": Str(),
        "description": Nullable(Str()),
        "state": STATE,
        "conditions": _conditions(version),
        "grantControls": Nullable(GRANT_CONTROLS),
        "sessionControls": Nullable(_session_controls(version)),
        "id": Str(),
        "createdDateTime": Nullable(Str()),
        "modifiedDateTime": Nullable(Str()),
        "deletedDateTime": Nullable(Str()),
    }
    if version == "v1.0":
        props["templateId"] = Nullable(Str())
    return Obj("conditionalAccessPolicy", props)


# ------------------------------------------------------------------------------------------- shape

_APPLICATIONS_SHAPE: dict[str, Any] = {
    "includeApplications": [],
    "excludeApplications": [],
    "includeUserActions": [],
    "includeAuthenticationContextClassReferences": [],
    "applicationFilter": None,
}
_USERS_SHAPE: dict[str, Any] = {
    "includeUsers": [],
    "excludeUsers": [],
    "includeGroups": [],
    "excludeGroups": [],
    "includeRoles": [],
    "excludeRoles": [],
    "includeGuestsOrExternalUsers": None,
    "excludeGuestsOrExternalUsers": None,
}
_CONDITIONS_SHAPE: dict[str, Any] = {
    "userRiskLevels": [],
    "signInRiskLevels": [],
    "clientAppTypes": ["all"],
    "servicePrincipalRiskLevels": [],
    "insiderRiskLevels": None,
    "agentIdRiskLevels": None,
    "platforms": None,
    "locations": None,
    "devices": None,
    "clientApplications": None,
    "authenticationFlows": None,
    "applications": None,
    "users": None,
}
_NESTED_SHAPES: dict[str, dict[str, Any]] = {
    "applications": _APPLICATIONS_SHAPE,
    "users": _USERS_SHAPE,
    "platforms": {"includePlatforms": [], "excludePlatforms": []},
    "locations": {"includeLocations": [], "excludeLocations": []},
    "devices": {"deviceFilter": None},
    "clientApplications": {
        "includeServicePrincipals": [],
        "excludeServicePrincipals": [],
        "servicePrincipalFilter": None,
    },
}
_GRANT_SHAPE: dict[str, Any] = {
    "operator": None,
    "builtInControls": [],
    "customAuthenticationFactors": [],
    "termsOfUse": [],
    "authenticationStrength": None,
}
_SESSION_SHAPE: dict[str, Any] = {
    "disableResilienceDefaults": None,
    "applicationEnforcedRestrictions": None,
    "cloudAppSecurity": None,
    "persistentBrowser": None,
    "signInFrequency": None,
    "secureSignInSession": None,
    "continuousAccessEvaluation": None,
}
BETA_ONLY = {
    "conditions": frozenset({"agentIdRiskLevels"}),
    "sessionControls": frozenset({"continuousAccessEvaluation"}),
}
V1_ONLY = frozenset({"templateId"})


def _fill(value: Mapping[str, Any] | None, shape: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: copy.deepcopy(v) for k, v in shape.items()}
    for key, item in (value or {}).items():
        out[key] = copy.deepcopy(item)
    return out


def normalise(policy: Mapping[str, Any]) -> dict[str, Any]:
    """The stored (version-neutral) shape: every modelled property present, defaults filled."""
    conditions = _fill(policy.get("conditions"), _CONDITIONS_SHAPE)
    for key, shape in _NESTED_SHAPES.items():
        if conditions.get(key) is not None:
            conditions[key] = _fill(conditions[key], shape)
    grant = policy.get("grantControls")
    session = policy.get("sessionControls")
    return {
        "id": policy.get("id"),
        "templateId": policy.get("templateId"),
        "displayName": policy.get("displayName"),
        "description": policy.get("description"),
        "createdDateTime": policy.get("createdDateTime"),
        "modifiedDateTime": policy.get("modifiedDateTime"),
        "state": policy.get("state"),
        "conditions": conditions,
        "grantControls": None if grant is None else _fill(grant, _GRANT_SHAPE),
        "sessionControls": None if session is None else _fill(session, _SESSION_SHAPE),
    }


def deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """PATCH semantics for CA policies: objects merge property by property, collections and scalars
    replace, ``null`` clears (Graph's own example PATCHes ``{"conditions": {"signInRiskLevels": [...]}}``)."""
    out = copy.deepcopy(dict(base))
    for key, value in patch.items():
        current = out.get(key)
        if isinstance(value, dict) and isinstance(current, dict) and "@odata.type" not in value:
            out[key] = deep_merge(current, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def for_version(policy: Mapping[str, Any], version: str) -> dict[str, Any]:
    """The stored policy trimmed to ``version``'s properties (shares unchanged values)."""
    out = dict(policy)
    if version == "beta":
        for key in V1_ONLY:
            out.pop(key, None)
        return out
    for parent, names in BETA_ONLY.items():
        inner = out.get(parent)
        if isinstance(inner, dict):
            out[parent] = {k: v for k, v in inner.items() if k not in names}
    return out


# Where the policy's evolvable enums sit (see mfaguard.emulator.enums).
POLICY_LATE: dict[str, Late] = {
    "conditions.platforms.includePlatforms[]": PLATFORM,
    "conditions.platforms.excludePlatforms[]": PLATFORM,
    "grantControls.builtInControls[]": GRANT_CONTROL,
    "grantControls.authenticationStrength.allowedCombinations[]": METHOD_MODES,
}
STRENGTH_LATE: dict[str, Late] = {"allowedCombinations[]": METHOD_MODES}

P2_CONDITIONS = ("signInRiskLevels", "userRiskLevels")


def p2_features(policy: Mapping[str, Any]) -> list[str]:
    """The Entra ID P2 features a policy uses (risk conditions), as ``conditions.<name>``."""
    conditions = policy.get("conditions") or {}
    return [f"conditions.{name}" for name in P2_CONDITIONS if conditions.get(name)]
