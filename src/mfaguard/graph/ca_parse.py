"""Graph v1.0 JSON → the frozen Conditional Access data of :mod:`mfaguard.model.conditional_access`.

The shape of :mod:`mfaguard.graph.parse`: tolerant where Graph evolves (unknown properties kept in
``raw``; unknown enum values kept as the string Graph sent, so a finding can name them), strict where
a value cannot be trusted: a known field with the wrong JSON type raises
:class:`~mfaguard.graph.parse.PolicyShapeError` naming its path
(``policies[0].conditions.users.includeGroups``) — judging a garbled policy could give a false PASS.

Every list reader accepts either the verbatim ``value`` array or the whole collection body
(``{"@odata.context": ..., "value": [...]}``), so a Graph Explorer export loads as it is.

:func:`parse_conditional_access` reads the snapshot shape of DESIGN §10:
``raw.conditional_access`` = ``{"policies", "authentication_strengths", "named_locations",
"security_defaults"}`` with a part that could not be read absent and named in ``read_errors``, plus
``directory.role_assignments``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

# The methods-policy parser's path helpers, so both parsers name fields the same way.
from mfaguard.graph.parse import PolicyShapeError, describe_json, join_path, json_field, json_object
from mfaguard.model.conditional_access import (
    AAD_PREMIUM_P1_PLAN,
    AAD_PREMIUM_P2_PLAN,
    PART_NAMED_LOCATIONS,
    PART_POLICIES,
    PART_ROLE_ASSIGNMENTS,
    PART_SECURITY_DEFAULTS,
    PART_STRENGTHS,
    ApplicationConditions,
    AuthenticationStrength,
    ConditionalAccessData,
    ConditionalAccessFilter,
    ConditionalAccessPolicy,
    ConditionSet,
    GrantControls,
    GuestsOrExternalUsers,
    JsonObject,
    Licences,
    LocationConditions,
    NamedLocation,
    Part,
    PlatformConditions,
    RoleAssignment,
    SecurityDefaults,
    SessionControls,
    SignInFrequency,
    UserConditions,
)
from mfaguard.model.directory import ProblemKind, ReadProblem

__all__ = [
    "CA_PARTS",
    "LICENCE_ERROR_CODE",
    "parse_authentication_strength",
    "parse_authentication_strengths",
    "parse_conditional_access",
    "parse_licences",
    "parse_named_locations",
    "parse_policies",
    "parse_policy",
    "parse_role_assignments",
    "parse_security_defaults",
    "problem_from_read_error",
]

LICENCE_ERROR_CODE = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
"""Graph's error code for a CA endpoint on a tenant without Entra ID P1."""

CA_PARTS: Mapping[str, str] = {
    "policies": PART_POLICIES,
    "authentication_strengths": PART_STRENGTHS,
    "named_locations": PART_NAMED_LOCATIONS,
    "security_defaults": PART_SECURITY_DEFAULTS,
}
"""Keys of ``raw.conditional_access`` → the part names used in ``read_errors``."""


T = TypeVar("T")


def _child(obj: JsonObject, name: str, path: str) -> tuple[JsonObject, str] | None:
    value = json_field(obj, name, dict, path)
    return None if value is None else (value, join_path(path, name))


def _sub(obj: JsonObject, name: str, path: str, build: Callable[[JsonObject, str], T]) -> T | None:
    """``build(obj[name], its path)`` when the object is present; None when absent or null."""
    found = _child(obj, name, path)
    return None if found is None else build(*found)


def _strings(obj: JsonObject, name: str, path: str) -> tuple[str, ...]:
    """An array of strings (absent or null → empty); any other element type is an error."""
    items = json_field(obj, name, list, path)
    if items is None:
        return ()
    where = join_path(path, name)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise PolicyShapeError(f"{where}[{index}]", f"expected a string, got {describe_json(item)}")
    return tuple(items)


def _flags(obj: JsonObject, name: str, path: str) -> tuple[str, ...] | None:
    """A flags enum: one comma-separated string split into member names (None when absent)."""
    value = json_field(obj, name, str, path)
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _required_str(obj: JsonObject, name: str, path: str) -> str:
    value = json_field(obj, name, str, path)
    if value is None:
        raise PolicyShapeError(join_path(path, name), "missing")
    return value


def _datetime(obj: JsonObject, name: str, path: str) -> datetime | None:
    text = json_field(obj, name, str, path)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise PolicyShapeError(
            join_path(path, name), f"expected an ISO 8601 date and time, got {describe_json(text)}"
        ) from None


def _items(value: Any, path: str) -> list[tuple[str, JsonObject]]:
    """A collection: the ``value`` array itself or a body holding it; items must be objects."""
    if isinstance(value, dict) and "value" in value:
        value = value["value"]
        path = f"{path}.value"
    if not isinstance(value, list):
        raise PolicyShapeError(path, f"expected an array, got {describe_json(value)}")
    return [(f"{path}[{i}]", json_object(item, f"{path}[{i}]")) for i, item in enumerate(value)]


# -- policies -------------------------------------------------------------------------------------


def _guests(value: JsonObject, where: str) -> GuestsOrExternalUsers:
    tenants = _child(value, "externalTenants", where)
    kind: str | None = None
    members: tuple[str, ...] = ()
    if tenants is not None:
        kind = json_field(tenants[0], "membershipKind", str, tenants[1])
        members = _strings(tenants[0], "members", tenants[1])
    return GuestsOrExternalUsers(
        guest_or_external_user_types=_flags(value, "guestOrExternalUserTypes", where) or (),
        membership_kind=kind,
        members=members,
        raw=value,
    )


def _users(value: JsonObject, where: str) -> UserConditions:
    def strings(name: str) -> tuple[str, ...]:
        return _strings(value, name, where)

    return UserConditions(
        include_users=strings("includeUsers"),
        exclude_users=strings("excludeUsers"),
        include_groups=strings("includeGroups"),
        exclude_groups=strings("excludeGroups"),
        include_roles=strings("includeRoles"),
        exclude_roles=strings("excludeRoles"),
        include_guests_or_external_users=_sub(value, "includeGuestsOrExternalUsers", where, _guests),
        exclude_guests_or_external_users=_sub(value, "excludeGuestsOrExternalUsers", where, _guests),
        raw=value,
    )


def _filter(value: JsonObject, where: str) -> ConditionalAccessFilter:
    return ConditionalAccessFilter(
        mode=json_field(value, "mode", str, where), rule=json_field(value, "rule", str, where), raw=value
    )


def _applications(value: JsonObject, where: str) -> ApplicationConditions:
    return ApplicationConditions(
        include_applications=_strings(value, "includeApplications", where),
        exclude_applications=_strings(value, "excludeApplications", where),
        include_user_actions=_strings(value, "includeUserActions", where),
        include_authentication_context_class_references=_strings(
            value, "includeAuthenticationContextClassReferences", where
        ),
        application_filter=_sub(value, "applicationFilter", where, _filter),
        raw=value,
    )


def _platforms(value: JsonObject, where: str) -> PlatformConditions:
    return PlatformConditions(
        include_platforms=_strings(value, "includePlatforms", where),
        exclude_platforms=_strings(value, "excludePlatforms", where),
        raw=value,
    )


def _locations(value: JsonObject, where: str) -> LocationConditions:
    return LocationConditions(
        include_locations=_strings(value, "includeLocations", where),
        exclude_locations=_strings(value, "excludeLocations", where),
        raw=value,
    )


def _device_filter(value: JsonObject, where: str) -> ConditionalAccessFilter | None:
    return _sub(value, "deviceFilter", where, _filter)


def _transfer_methods(value: JsonObject, where: str) -> tuple[str, ...]:
    return _flags(value, "transferMethods", where) or ()


def _conditions(obj: JsonObject, path: str) -> ConditionSet:
    found = _child(obj, "conditions", path)
    if found is None:
        # Graph always sends conditions (Nullable=false); without them nothing can be judged.
        raise PolicyShapeError(join_path(path, "conditions"), "missing: every policy has conditions")
    value, where = found
    return ConditionSet(
        users=_sub(value, "users", where, _users),
        applications=_sub(value, "applications", where, _applications),
        client_app_types=_strings(value, "clientAppTypes", where),
        platforms=_sub(value, "platforms", where, _platforms),
        locations=_sub(value, "locations", where, _locations),
        sign_in_risk_levels=_strings(value, "signInRiskLevels", where),
        user_risk_levels=_strings(value, "userRiskLevels", where),
        service_principal_risk_levels=_strings(value, "servicePrincipalRiskLevels", where),
        insider_risk_levels=_flags(value, "insiderRiskLevels", where) or (),
        device_filter=_sub(value, "devices", where, _device_filter),
        transfer_methods=_sub(value, "authenticationFlows", where, _transfer_methods),
        raw=value,
    )


def parse_authentication_strength(obj: JsonObject, path: str) -> AuthenticationStrength:
    """One ``authenticationStrengthPolicy`` (a listed one, or the inline one of a grant)."""
    return AuthenticationStrength(
        id=json_field(obj, "id", str, path),
        display_name=json_field(obj, "displayName", str, path),
        policy_type=json_field(obj, "policyType", str, path),
        requirements_satisfied=_flags(obj, "requirementsSatisfied", path),
        allowed_combinations=_strings(obj, "allowedCombinations", path)
        if obj.get("allowedCombinations") is not None
        else None,
        raw=obj,
    )


def _grant(value: JsonObject, where: str) -> GrantControls:
    return GrantControls(
        operator=json_field(value, "operator", str, where),
        built_in_controls=_strings(value, "builtInControls", where),
        custom_authentication_factors=_strings(value, "customAuthenticationFactors", where),
        terms_of_use=_strings(value, "termsOfUse", where),
        authentication_strength=_sub(value, "authenticationStrength", where, parse_authentication_strength),
        raw=value,
    )


def _sign_in_frequency(value: JsonObject, where: str) -> SignInFrequency:
    return SignInFrequency(
        is_enabled=json_field(value, "isEnabled", bool, where),
        frequency_interval=json_field(value, "frequencyInterval", str, where),
        type=json_field(value, "type", str, where),
        value=json_field(value, "value", int, where),
        authentication_type=json_field(value, "authenticationType", str, where),
        raw=value,
    )


def _session(value: JsonObject, where: str) -> SessionControls:
    return SessionControls(
        sign_in_frequency=_sub(value, "signInFrequency", where, _sign_in_frequency), raw=value
    )


def parse_policy(obj: JsonObject, path: str = "policy") -> ConditionalAccessPolicy:
    """One ``conditionalAccessPolicy``."""
    return ConditionalAccessPolicy(
        id=_required_str(obj, "id", path),
        display_name=json_field(obj, "displayName", str, path),
        state=json_field(obj, "state", str, path),
        conditions=_conditions(obj, path),
        grant_controls=_sub(obj, "grantControls", path, _grant),
        session_controls=_sub(obj, "sessionControls", path, _session),
        created=_datetime(obj, "createdDateTime", path),
        modified=_datetime(obj, "modifiedDateTime", path),
        template_id=json_field(obj, "templateId", str, path),
        raw=obj,
    )


def parse_policies(value: Any, path: str = "policies") -> tuple[ConditionalAccessPolicy, ...]:
    """``GET /v1.0/identity/conditionalAccess/policies`` (all pages' ``value`` arrays joined)."""
    return tuple(parse_policy(item, where) for where, item in _items(value, path))


def parse_authentication_strengths(
    value: Any, path: str = "authentication_strengths"
) -> tuple[AuthenticationStrength, ...]:
    """``GET /v1.0/policies/authenticationStrengthPolicies``."""
    return tuple(parse_authentication_strength(item, where) for where, item in _items(value, path))


_IP_LOCATION = "#microsoft.graph.ipnamedlocation"
_COUNTRY_LOCATION = "#microsoft.graph.countrynamedlocation"


def _ip_ranges(obj: JsonObject, path: str) -> tuple[str, ...]:
    items = json_field(obj, "ipRanges", list, path)
    if items is None:
        return ()
    where = join_path(path, "ipRanges")
    ranges = []
    for index, item in enumerate(items):
        item_path = f"{where}[{index}]"
        address = json_field(json_object(item, item_path), "cidrAddress", str, item_path)
        if address is not None:
            ranges.append(address)
    return tuple(ranges)


def _named_location(obj: JsonObject, path: str) -> NamedLocation:
    odata_type = (json_field(obj, "@odata.type", str, path) or "").lower()
    if odata_type == _IP_LOCATION or (not odata_type and "ipRanges" in obj):
        kind = "ip"
    elif odata_type == _COUNTRY_LOCATION or (not odata_type and "countriesAndRegions" in obj):
        kind = "country"
    else:
        kind = odata_type or "unknown"
    return NamedLocation(
        id=_required_str(obj, "id", path),
        display_name=json_field(obj, "displayName", str, path),
        kind=kind,
        # Only ipNamedLocation has isTrusted; a country location is never trusted.
        is_trusted=kind == "ip" and json_field(obj, "isTrusted", bool, path) is True,
        ip_ranges=_ip_ranges(obj, path),
        countries_and_regions=_strings(obj, "countriesAndRegions", path),
        include_unknown_countries_and_regions=json_field(
            obj, "includeUnknownCountriesAndRegions", bool, path
        ),
        country_lookup_method=json_field(obj, "countryLookupMethod", str, path),
        raw=obj,
    )


def parse_named_locations(value: Any, path: str = "named_locations") -> tuple[NamedLocation, ...]:
    """``GET /v1.0/identity/conditionalAccess/namedLocations``."""
    return tuple(_named_location(item, where) for where, item in _items(value, path))


def parse_security_defaults(body: Any, path: str = "security_defaults") -> SecurityDefaults:
    """``GET /v1.0/policies/identitySecurityDefaultsEnforcementPolicy``."""
    obj = json_object(body, path)
    enabled = json_field(obj, "isEnabled", bool, path)
    if enabled is None:
        raise PolicyShapeError(join_path(path, "isEnabled"), "missing: whether security defaults are on")
    return SecurityDefaults(is_enabled=enabled, id=json_field(obj, "id", str, path), raw=obj)


def _principal_type(principal: JsonObject, where: str) -> str | None:
    odata_type = json_field(principal, "@odata.type", str, where)
    return None if odata_type is None else odata_type.rsplit(".", 1)[-1]


def parse_role_assignments(value: Any, path: str = "role_assignments") -> tuple[RoleAssignment, ...]:
    """``GET /v1.0/roleManagement/directory/roleAssignments`` (``$expand=principal`` optional)."""
    return tuple(
        RoleAssignment(
            id=json_field(item, "id", str, where),
            role_definition_id=_required_str(item, "roleDefinitionId", where).lower(),
            principal_id=_required_str(item, "principalId", where).lower(),
            directory_scope_id=json_field(item, "directoryScopeId", str, where),
            principal_type=_sub(item, "principal", where, _principal_type),
            raw=item,
        )
        for where, item in _items(value, path)
    )


def parse_licences(value: Any, path: str = "subscribed_skus") -> Licences:
    """``GET /v1.0/subscribedSkus`` → whether an enabled SKU carries Entra ID P1 / P2."""
    p1 = p2 = False
    for where, sku in _items(value, path):
        status = json_field(sku, "capabilityStatus", str, where)
        if status is not None and status not in ("Enabled", "Warning"):
            continue
        plans = json_field(sku, "servicePlans", list, where) or []
        for index, plan in enumerate(plans):
            plan_path = f"{where}.servicePlans[{index}]"
            plan_obj = json_object(plan, plan_path)
            if json_field(plan_obj, "provisioningStatus", str, plan_path) == "Disabled":
                continue
            plan_id = (json_field(plan_obj, "servicePlanId", str, plan_path) or "").lower()
            p1 = p1 or plan_id in (AAD_PREMIUM_P1_PLAN, AAD_PREMIUM_P2_PLAN)
            p2 = p2 or plan_id == AAD_PREMIUM_P2_PLAN
    return Licences(p1=p1, p2=p2)


def problem_from_read_error(part: str, error: Any) -> ReadProblem:
    """A snapshot's ``read_errors`` entry → a ReadProblem.

    The entry is either a :meth:`ReadProblem.to_json` object (``what``, ``kind``, ``reason``,
    ``hint``) or a sentence. A sentence counts as the licence error only when it carries Graph's
    licence code; anything else is kept as ``error`` and treated like a permission error (DESIGN
    §10: only the licence error means "no P1", every other error means "unknown").
    """
    if isinstance(error, dict):
        kind_text = error.get("kind")
        try:
            kind = ProblemKind(kind_text) if isinstance(kind_text, str) else ProblemKind.ERROR
        except ValueError:
            kind = ProblemKind.ERROR
        reason = error.get("reason")
        hint = error.get("hint")
        return ReadProblem(
            what=part,
            kind=kind,
            reason=reason if isinstance(reason, str) else f"{part} could not be read",
            hint=hint if isinstance(hint, str) else None,
        )
    text = error if isinstance(error, str) else describe_json(error)
    kind = ProblemKind.LICENSE if LICENCE_ERROR_CODE.lower() in text.lower() else ProblemKind.ERROR
    return ReadProblem(what=part, kind=kind, reason=text)


def _missing(part: str, read_errors: Mapping[str, Any]) -> ReadProblem:
    if part in read_errors:
        return problem_from_read_error(part, read_errors[part])
    return ReadProblem(
        what=part,
        kind=ProblemKind.ERROR,
        reason=f"{part} is absent from the snapshot and no read error names it",
        hint="re-export the snapshot with a newer mfaguard",
    )


_NOT_READ = object()


def parse_conditional_access(
    raw_ca: Any,
    *,
    read_errors: Mapping[str, Any] | None = None,
    role_assignments: Any = _NOT_READ,
    licences: Licences | None = None,
    path: str = "raw.conditional_access",
) -> ConditionalAccessData | None:
    """The snapshot shape of DESIGN §10 → :class:`ConditionalAccessData`; None when ``raw_ca`` is None.

    None (an older snapshot without CA data) lets the CA controls say NOT_APPLICABLE with the
    reason. ``role_assignments`` is ``directory.role_assignments`` (a list, or None when it could
    not be read — then ``read_errors["directory.role_assignments"]`` says why; left out: unread).
    """
    if raw_ca is None:
        return None
    errors = read_errors or {}
    obj = json_object(raw_ca, path)

    def part(key: str, parse: Any) -> Part[Any]:
        name = CA_PARTS[key]
        value = obj.get(key)
        if value is None:
            return Part.unreadable(_missing(name, errors))
        return Part.read(parse(value, join_path(path, key)))

    if role_assignments is _NOT_READ or role_assignments is None:
        roles: Part[tuple[RoleAssignment, ...]] = Part.unreadable(_missing(PART_ROLE_ASSIGNMENTS, errors))
    else:
        roles = Part.read(parse_role_assignments(role_assignments, "directory.role_assignments"))
    return ConditionalAccessData(
        policies=part("policies", parse_policies),
        authentication_strengths=part("authentication_strengths", parse_authentication_strengths),
        named_locations=part("named_locations", parse_named_locations),
        security_defaults=part("security_defaults", parse_security_defaults),
        role_assignments=roles,
        licences=licences or Licences(),
    )
