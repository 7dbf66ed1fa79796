"""A tenant's Conditional Access: policies (writable, eventually consistent), authentication strengths,
named locations, security defaults, directory role assignments and licences (reference CA §1-§2).

Write rules (DESIGN §11; error texts as Graph words them where sources show them):

- the body must pass :func:`~mfaguard.emulator.ca_schema.policy_schema` (unknown property or enum member →
  400 ``BadRequest`` with the OData deserializer's wording);
- a policy needs ``displayName``, ``state``, ``conditions.users`` including someone,
  ``conditions.applications`` including something, and grant or session controls; a grant with controls
  needs ``operator`` ``AND``/``OR`` → otherwise 400 ``1007: Incoming ConditionalAccessPolicy object is null
  or does not match the schema of ConditionalAccessPolicy type. …`` (the emulator appends what is missing);
- ``includeApplications`` together with ``includeUserActions`` → 400 ``1012: …``;
- ``grantControls.authenticationStrength`` must name an existing strength, and cannot be combined with the
  built-in ``mfa`` control (reference CA §1) → 400;
- user or sign-in risk conditions on a tenant without Entra ID P2 → 400 ``1039: Cannot create or update
  policies with premium P2 features. Upgrade to a premium P2 license and try again.``;
- read-only properties (``id``, ``createdDateTime``, ``modifiedDateTime``) are ignored, except that a PATCH
  ``id`` must name the addressed policy. POST answers 201 with the created policy (server-assigned id,
  ``createdDateTime``, ``modifiedDateTime`` null); PATCH merges objects and replaces collections (204);
  DELETE answers 204.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mfaguard.emulator.ca_schema import deep_merge, normalise, p2_features, policy_schema
from mfaguard.emulator.device_filter import FilterSyntaxError, parse_rule
from mfaguard.emulator.errors import GraphFailure, bad_request, not_found
from mfaguard.emulator.store import ConsistentStore

AAD_PREMIUM = "41781fb2-bc02-4b7c-bd55-b576c07bb09d"
AAD_PREMIUM_P2 = "eec0eb4f-6444-4f95-aba0-50c24d67f998"
SECURITY_DEFAULTS_ID = "00000000-0000-0000-0000-000000000005"
BUILTIN_CREATED = "2021-12-01T00:00:00Z"

# Microsoft's built-in strengths as Graph lists them (v1.0 "List authenticationStrengthPolicies", 2024).
BUILTIN_STRENGTHS: tuple[dict[str, Any], ...] = (
    {
        "id": "00000000-0000-0000-0000-000000000002",
        "createdDateTime": BUILTIN_CREATED,
        "modifiedDateTime": BUILTIN_CREATED,
        "displayName": "Multifactor authentication",
        "description": "Combinations of methods that satisfy strong authentication, such as a password + SMS",
        "policyType": "builtIn",
        "requirementsSatisfied": "mfa",
        "allowedCombinations": [
            "windowsHelloForBusiness",
            "fido2",
            "x509CertificateMultiFactor",
            "deviceBasedPush",
            "temporaryAccessPassOneTime",
            "temporaryAccessPassMultiUse",
            "password,microsoftAuthenticatorPush",
            "password,softwareOath",
            "password,hardwareOath",
            "password,x509CertificateSingleFactor",
            "password,x509CertificateMultiFactor",
            "password,sms",
            "password,voice",
            "federatedMultiFactor",
            "microsoftAuthenticatorPush,federatedSingleFactor",
            "softwareOath,federatedSingleFactor",
            "hardwareOath,federatedSingleFactor",
            "sms,federatedSingleFactor",
            "voice,federatedSingleFactor",
        ],
    },
    {
        "id": "00000000-0000-0000-0000-000000000003",
        "createdDateTime": BUILTIN_CREATED,
        "modifiedDateTime": BUILTIN_CREATED,
        "displayName": "Passwordless MFA",
        "description": "Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft Authenticator",
        "policyType": "builtIn",
        "requirementsSatisfied": "mfa",
        "allowedCombinations": [
            "windowsHelloForBusiness",
            "fido2",
            "x509CertificateMultiFactor",
            "deviceBasedPush",
        ],
    },
    {
        "id": "00000000-0000-0000-0000-000000000004",
        "createdDateTime": BUILTIN_CREATED,
        "modifiedDateTime": BUILTIN_CREATED,
        "displayName": "Phishing resistant MFA",
        "description": "Phishing resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key",
        "policyType": "builtIn",
        "requirementsSatisfied": "mfa",
        "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
    },
)

# Licence SKUs the emulator sells (AAD plan ids from the reference; the rest illustrative).
_SKUS = {
    "p2": (
        "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
        "SPE_E5",
        (
            (AAD_PREMIUM, "AAD_PREMIUM"),
            (AAD_PREMIUM_P2, "AAD_PREMIUM_P2"),
            ("8a256a2b-b617-496d-b51b-e76466e88db0", "MFA_PREMIUM"),
            ("efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"),
        ),
    ),
    "p1": (
        "05e9a617-0261-4cee-bb44-138d3ef5d965",
        "SPE_E3",
        (
            (AAD_PREMIUM, "AAD_PREMIUM"),
            ("8a256a2b-b617-496d-b51b-e76466e88db0", "MFA_PREMIUM"),
            ("efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"),
        ),
    ),
    "free": (
        "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
        "O365_BUSINESS_PREMIUM",
        (("9aaf7827-d63c-4b61-89c3-182f06f82e5c", "EXCHANGE_S_STANDARD"),),
    ),
}


def licence_tier(premium: bool, p2: bool) -> str:
    return "p2" if premium and p2 else "p1" if premium else "free"


def subscribed_skus(tenant_id: str, tier: str, *, seats: int) -> list[dict[str, Any]]:
    """``GET /subscribedSkus``: one subscription of the tier's SKU with its service plans."""
    sku_id, part, plans = _SKUS[tier]
    return [
        {
            "accountName": "Company",
            "accountId": tenant_id,
            "appliesTo": "User",
            "capabilityStatus": "Enabled",
            "consumedUnits": seats,
            "id": f"{tenant_id}_{sku_id}",
            "skuId": sku_id,
            "skuPartNumber": part,
            "subscriptionIds": [
                str(uuid.uuid5(uuid.NAMESPACE_URL, f"mfaguard-emulator:sub:{tenant_id}:{part}"))
            ],
            "prepaidUnits": {"enabled": max(seats, 25), "suspended": 0, "warning": 0, "lockedOut": 0},
            "servicePlans": [
                {
                    "servicePlanId": pid,
                    "servicePlanName": name,
                    "provisioningStatus": "Success",
                    "appliesTo": "User",
                }
                for pid, name in plans
            ],
        }
    ]


def role_assignment_id(role_definition_id: str, principal_id: str) -> str:
    """Graph's directory role-assignment id: the two GUIDs' little-endian bytes in URL-safe base64, ``-1``."""
    raw = uuid.UUID(role_definition_id).bytes_le + uuid.UUID(principal_id).bytes_le
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") + "-1"


def role_assignment(principal_id: str, role_definition_id: str, scope: str = "/") -> dict[str, Any]:
    return {
        "id": role_assignment_id(role_definition_id, principal_id),
        "principalId": principal_id,
        "roleDefinitionId": role_definition_id,
        "directoryScopeId": scope,
    }


# ------------------------------------------------------------------------------------------- state


@dataclass(frozen=True)
class CaState:
    """The tenant's CA policies in creation order (normalised shape; treated as immutable)."""

    policies: tuple[Mapping[str, Any], ...] = ()

    def find(self, policy_id: str) -> Mapping[str, Any] | None:
        wanted = policy_id.lower()
        return next((p for p in self.policies if str(p.get("id", "")).lower() == wanted), None)


class CaStore(ConsistentStore[CaState]):
    """CA policies with eventual consistency (a GET right after a write may show the old set)."""


@dataclass
class ConditionalAccess:
    """Everything Conditional Access reads besides users and groups."""

    store: CaStore = field(default_factory=lambda: CaStore(CaState()))
    named_locations: tuple[dict[str, Any], ...] = ()
    custom_strengths: tuple[dict[str, Any], ...] = ()
    security_defaults: bool = False
    role_assignments: tuple[dict[str, Any], ...] = ()
    created: int = 0
    """How many policies were created since load (server-assigned ids derive from it)."""

    def new_policy_id(self, tenant_id: str, seed: int) -> str:
        """A fresh, deterministic policy id (Graph assigns GUIDs; tests want reproducible runs)."""
        self.created += 1
        return str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"mfaguard-emulator:ca-created:{tenant_id}:{seed}:{self.created}")
        )

    @property
    def strengths(self) -> tuple[dict[str, Any], ...]:
        return (*BUILTIN_STRENGTHS, *self.custom_strengths)

    def strength(self, strength_id: str) -> dict[str, Any] | None:
        wanted = strength_id.lower()
        return next((s for s in self.strengths if str(s["id"]).lower() == wanted), None)


# ------------------------------------------------------------------------------------------ writes


@dataclass(frozen=True)
class WriteRules:
    """What a CA write is checked against besides the schema."""

    version: str
    strength_exists: Callable[[str], bool]
    has_p2: bool


INVALID_POLICY = (
    "1007: Incoming ConditionalAccessPolicy object is null or does not match the schema of "
    "ConditionalAccessPolicy type. For examples, please see API documentation at "
    "https://docs.microsoft.com/en-us/graph/api/conditionalaccessroot-post-policies?view=graph-rest-1.0."
)
P2_REQUIRED = "1039: Cannot create or update policies with premium P2 features. Upgrade to a premium P2 license and try again."
APPS_AND_ACTIONS = (
    "1012: 'applications' condition cannot include both 'includeApplications' and "
    "'includeUserActions'/'includeProtectionLevels'. Please remove one of the conditions."
)


def _invalid(missing: str) -> GraphFailure:
    return bad_request(f"{INVALID_POLICY} ({missing})")


def _any(values: Iterable[Any]) -> bool:
    return any(bool(v) for v in values)


def check_policy(policy: Mapping[str, Any], rules: WriteRules) -> None:
    """The semantic rules of the module docstring, on a normalised policy."""
    if not policy.get("displayName"):
        raise _invalid("displayName is required")
    if not policy.get("state"):
        raise _invalid("state is required")
    conditions = policy["conditions"]
    users = conditions.get("users")
    if users is None:
        raise _invalid("conditions.users is required")
    if not _any(
        users.get(k)
        for k in ("includeUsers", "includeGroups", "includeRoles", "includeGuestsOrExternalUsers")
    ):
        raise _invalid("conditions.users includes nobody: set includeUsers (e.g. 'None' or 'All')")
    apps = conditions.get("applications")
    if apps is None:
        raise _invalid("conditions.applications is required")
    if not _any(
        apps.get(k)
        for k in ("includeApplications", "includeUserActions", "includeAuthenticationContextClassReferences")
    ):
        raise _invalid("conditions.applications includes nothing: set includeApplications")
    if apps.get("includeApplications") and apps.get("includeUserActions"):
        raise bad_request(APPS_AND_ACTIONS)
    grant = policy.get("grantControls")
    session = policy.get("sessionControls")
    grant_controls = grant is not None and _any(
        grant.get(k)
        for k in ("builtInControls", "termsOfUse", "customAuthenticationFactors", "authenticationStrength")
    )
    session_controls = session is not None and _any(session.values())
    if not grant_controls and not session_controls:
        raise _invalid("grantControls or sessionControls is required")
    if grant_controls:
        assert grant is not None
        if grant.get("operator") not in ("AND", "OR"):
            raise _invalid("grantControls.operator must be 'AND' or 'OR'")
        strength = grant.get("authenticationStrength")
        if strength is not None:
            strength_id = str(strength.get("id", ""))
            if not rules.strength_exists(strength_id):
                raise bad_request(
                    f"The authentication strength policy '{strength_id}' referenced in "
                    "grantControls.authenticationStrength does not exist."
                )
            if "mfa" in (grant.get("builtInControls") or []):
                raise bad_request(
                    "grantControls cannot combine the built-in control 'mfa' with an authenticationStrength; "
                    "use one or the other."
                )
    devices = conditions.get("devices") or {}
    device_filter = devices.get("deviceFilter")
    if device_filter is not None:
        try:
            parse_rule(str(device_filter.get("rule", "")))
        except FilterSyntaxError as exc:
            raise bad_request(
                f"conditions.devices.deviceFilter.rule is not a valid device filter: {exc}."
            ) from None
    features = p2_features(policy)
    if features and not rules.has_p2:
        raise bad_request(P2_REQUIRED)


def _strength_ref(grant: Any) -> Any:
    """A grant's ``authenticationStrength`` is stored as ``{"id": ...}`` (expanded when read)."""
    if isinstance(grant, dict) and isinstance(grant.get("authenticationStrength"), dict):
        return {**grant, "authenticationStrength": {"id": grant["authenticationStrength"].get("id")}}
    return grant


def _clean_body(body: Any, version: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    odata_type = body.get("@odata.type")
    if odata_type is not None and str(odata_type).lstrip("#") != "microsoft.graph.conditionalAccessPolicy":
        raise bad_request(
            f"The type '{odata_type}' does not match 'microsoft.graph.conditionalAccessPolicy'."
        )
    # A GET body sent back carries the expanded strength: keep its id only, after the schema check.
    grant = body.get("grantControls")
    if isinstance(grant, dict) and isinstance(grant.get("authenticationStrength"), dict):
        strength = grant["authenticationStrength"]
        unknown = set(strength) - {
            "id",
            "displayName",
            "description",
            "policyType",
            "requirementsSatisfied",
            "allowedCombinations",
            "createdDateTime",
            "modifiedDateTime",
            "combinationConfigurations",
        }
        unknown = {k for k in unknown if "@odata." not in k}
        if unknown:
            raise bad_request(
                f"The property '{sorted(unknown)[0]}' does not exist on type 'microsoft.graph.authenticationStrengthPolicy'. "
                "Make sure to only use property names that are defined by the type or mark the type as open type."
            )
        body = {**body, "grantControls": _strength_ref(grant)}
    clean: dict[str, Any] = policy_schema(version).check(body, "conditionalAccessPolicy")
    return clean


def _now_iso(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def create_policy(
    state: CaState, body: Any, rules: WriteRules, *, now: float, new_id: str
) -> tuple[CaState, dict[str, Any]]:
    """Validate a POST body; return the new state and the created (normalised) policy."""
    clean = _clean_body(body, rules.version)
    for key in ("id", "createdDateTime", "modifiedDateTime", "deletedDateTime"):
        clean.pop(key, None)
    policy = normalise({**clean, "id": new_id, "createdDateTime": _now_iso(now), "modifiedDateTime": None})
    check_policy(policy, rules)
    return CaState((*state.policies, policy)), policy


def patch_policy(state: CaState, policy_id: str, body: Any, rules: WriteRules, *, now: float) -> CaState:
    """Validate a PATCH body against the merged result; return the new state (404 when unknown)."""
    current = state.find(policy_id)
    if current is None:
        raise not_found(policy_id)
    clean = _clean_body(body, rules.version)
    if "id" in clean and str(clean["id"]).lower() != str(current["id"]).lower():
        raise bad_request(
            f"The id '{clean['id']}' in the body does not match the addressed policy '{current['id']}'."
        )
    for key in ("id", "createdDateTime", "modifiedDateTime", "deletedDateTime"):
        clean.pop(key, None)
    merged = normalise(deep_merge(current, clean))
    merged["modifiedDateTime"] = _now_iso(now)
    check_policy(merged, rules)
    return CaState(tuple(merged if p is current else p for p in state.policies))


def delete_policy(state: CaState, policy_id: str) -> CaState:
    current = state.find(policy_id)
    if current is None:
        raise not_found(policy_id)
    return CaState(tuple(p for p in state.policies if p is not current))


# --------------------------------------------------------------------------------------- scenarios


def from_scenario(data: Mapping[str, Any] | None, *, default_security_defaults: bool) -> ConditionalAccess:
    """A tenant's CA from the scenario's ``conditionalAccess`` object (see scenarios.py).

    Scenario policies go through the same checks as writes (beta schema, every rule), so a scenario
    cannot hold a policy Graph would refuse.
    """
    data = data or {}
    ca = ConditionalAccess(
        named_locations=tuple(copy.deepcopy(list(data.get("namedLocations", [])))),
        custom_strengths=tuple(
            {
                "createdDateTime": BUILTIN_CREATED,
                "modifiedDateTime": BUILTIN_CREATED,
                "description": None,
                "policyType": "custom",
                "requirementsSatisfied": "mfa",
                **copy.deepcopy(s),
            }
            for s in data.get("authenticationStrengths", [])
        ),
        security_defaults=bool(data.get("securityDefaults", default_security_defaults)),
        role_assignments=tuple(
            role_assignment(
                str(r["principalId"]), str(r["roleDefinitionId"]), str(r.get("directoryScopeId", "/"))
            )
            for r in data.get("roleAssignments", [])
        ),
    )
    # Licences are not checked here: a tenant that lost P2 keeps its risk policies.
    rules = WriteRules("beta", lambda sid: ca.strength(sid) is not None, has_p2=True)
    policies = []
    for raw in data.get("policies", []):
        version = "v1.0" if "templateId" in raw else "beta"
        stamps = {k: raw.get(k) for k in ("id", "createdDateTime", "modifiedDateTime")}
        clean = _clean_body({k: v for k, v in raw.items() if k not in stamps}, version)
        policy = normalise({**clean, **stamps})
        check_policy(policy, rules)
        policies.append(policy)
    ca.store = CaStore(CaState(tuple(policies)))
    return ca


def policies_with_p2(policies: Sequence[Mapping[str, Any]]) -> list[str]:
    """Display names of policies that use P2 features (scenarios on P1 tenants must have none)."""
    return [str(p.get("displayName")) for p in policies if p2_features(p)]
