"""Graph endpoints for Conditional Access and what it reads (reference CA §1-§2, DESIGN §10-§11).

| Path (v1.0 and beta) | Methods | Roles (any of) |
|---|---|---|
| ``identity/conditionalAccess/policies[/{id}]`` | GET; POST (201); PATCH, DELETE (204) | read: Policy.Read.All, Policy.Read.ConditionalAccess, Policy.ReadWrite.ConditionalAccess; write: Policy.ReadWrite.ConditionalAccess **and** Policy.Read.All |
| ``identity/conditionalAccess/namedLocations[/{id}]`` | GET | as policy reads |
| ``policies/authenticationStrengthPolicies[/{id}]`` | GET | Policy.Read.All, Policy.ReadWrite.ConditionalAccess, Policy.ReadWrite.AuthenticationMethod |
| ``policies/identitySecurityDefaultsEnforcementPolicy`` | GET | Policy.Read.All, Policy.ReadWrite.SecurityDefaults |
| ``roleManagement/directory/roleAssignments[/{id}]`` | GET | RoleManagement.Read.Directory, RoleManagement.Read.All, Directory.Read.All, RoleManagement.ReadWrite.Directory, Directory.ReadWrite.All |
| ``subscribedSkus`` | GET | Organization.Read.All, LicenseAssignment.Read.All, Directory.Read.All, Organization.ReadWrite.All, Directory.ReadWrite.All |

Choices where Microsoft documents nothing: the policy workload answers a missing permission with 403
``AccessDenied`` "You cannot perform the requested operation, required scopes are missing in the token."
(observed on these endpoints); the permission check comes before the licence check; only
``identity/conditionalAccess/*`` is gated by Entra ID P1 (403 ``Authentication_RequestFromNonPremiumTenantOrB2CTenant``,
the status Graph uses with that code everywhere it is seen); policies page by 25 (``$top`` 1..999),
role assignments by 100, both with ``@odata.nextLink``. Late enum members are served only with
``Prefer: include-unknown-enum-members`` (see :mod:`mfaguard.emulator.enums`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mfaguard.emulator.ca_schema import POLICY_LATE, STRENGTH_LATE, for_version
from mfaguard.emulator.conditional_access import (
    SECURITY_DEFAULTS_ID,
    WriteRules,
    create_policy,
    delete_policy,
    licence_tier,
    patch_policy,
    subscribed_skus,
)
from mfaguard.emulator.context import Ctx, GraphReply
from mfaguard.emulator.directory import GROUP_TYPE, USER_TYPE
from mfaguard.emulator.enums import mask_late, wants_unknown
from mfaguard.emulator.errors import GraphFailure, not_found, not_premium
from mfaguard.emulator.graph_directory import entity_reply, page_reply
from mfaguard.emulator.odata import matcher, parse_filter, parse_select, parse_top, project, unsupported
from mfaguard.emulator.state import ROLE_CA_WRITE, ROLE_DIRECTORY_READ, ROLE_POLICY_READ_ALL, ROLE_ROLES_READ

ROLE_CA_READ = "Policy.Read.ConditionalAccess"
CA_READ_ROLES = (ROLE_POLICY_READ_ALL, ROLE_CA_READ, ROLE_CA_WRITE)
STRENGTH_ROLES = (ROLE_POLICY_READ_ALL, ROLE_CA_WRITE, "Policy.ReadWrite.AuthenticationMethod")
DEFAULTS_ROLES = (ROLE_POLICY_READ_ALL, "Policy.ReadWrite.SecurityDefaults")
ROLE_ASSIGNMENT_ROLES = (
    ROLE_ROLES_READ,
    "RoleManagement.Read.All",
    ROLE_DIRECTORY_READ,
    "RoleManagement.ReadWrite.Directory",
    "Directory.ReadWrite.All",
)
SKU_ROLES = (
    "Organization.Read.All",
    "LicenseAssignment.Read.All",
    ROLE_DIRECTORY_READ,
    "Organization.ReadWrite.All",
    "Directory.ReadWrite.All",
)
POLICY_PAGE = 25
ASSIGNMENT_PAGE = 100
_STR_OPS = frozenset({"eq", "startswith"})
_POLICY_FILTERS = {"displayName": _STR_OPS, "state": frozenset({"eq"}), "id": frozenset({"eq"})}
_ASSIGNMENT_FILTERS = {
    "roleDefinitionId": frozenset({"eq"}),
    "principalId": frozenset({"eq"}),
    "directoryScopeId": frozenset({"eq"}),
    "id": frozenset({"eq"}),
}
_POLICY_FIELDS = frozenset(
    {
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
)


def scopes_missing() -> GraphFailure:
    return GraphFailure(
        403,
        "AccessDenied",
        "You cannot perform the requested operation, required scopes are missing in the token.",
    )


def _require_scopes(ctx: Ctx, *any_of: str) -> None:
    if not ctx.has(*any_of):
        raise scopes_missing()


def _require_p1(ctx: Ctx) -> None:
    if not ctx.tenant.premium:
        raise not_premium()


def _context(ctx: Ctx, what: str) -> str:
    return f"{ctx.req.base_url}/{ctx.req.version}/$metadata#{what}"


# ------------------------------------------------------------------------------------------ render


def render_strength(strength: Mapping[str, Any], *, base: str, version: str, prefer: bool) -> dict[str, Any]:
    out = {
        **strength,
        "combinationConfigurations@odata.context": (
            f"{base}/{version}/$metadata#policies/authenticationStrengthPolicies('{strength['id']}')/combinationConfigurations"
        ),
        "combinationConfigurations": [],
    }
    return out if prefer else dict(mask_late(out, STRENGTH_LATE))


def render_policy(ctx: Ctx, policy: Mapping[str, Any]) -> dict[str, Any]:
    """A stored policy as GET returns it: version's properties, strength expanded, late enums masked."""
    version = ctx.req.version
    out = for_version(policy, version)
    grant = out.get("grantControls")
    if isinstance(grant, dict):
        ref = grant.get("authenticationStrength")
        strength = ctx.tenant.ca.strength(str(ref.get("id"))) if isinstance(ref, dict) else None
        out["grantControls"] = {
            **{k: v for k, v in grant.items() if k != "authenticationStrength"},
            "authenticationStrength@odata.context": _context(
                ctx,
                f"identity/conditionalAccess/policies('{policy['id']}')/grantControls/authenticationStrength/$entity",
            ),
            "authenticationStrength": None
            if strength is None
            else render_strength(strength, base=ctx.req.base_url, version=version, prefer=True),
        }
    if wants_unknown(ctx.req.headers):
        return out
    return dict(mask_late(out, POLICY_LATE))


# ------------------------------------------------------------------------------------------ policies


def _visible(ctx: Ctx) -> tuple[Mapping[str, Any], ...]:
    return ctx.tenant.ca.store.visible(ctx.now).policies


def list_policies(ctx: Ctx) -> GraphReply:
    _require_scopes(ctx, *CA_READ_ROLES)
    _require_p1(ctx)
    top = parse_top(ctx.req.params, default=POLICY_PAGE, maximum=999)
    fields = parse_select(
        ctx.req.params, known=_POLICY_FIELDS, type_name="microsoft.graph.conditionalAccessPolicy"
    )
    match = matcher(parse_filter(ctx.req.params, allowed=_POLICY_FILTERS))
    policies = _visible(ctx)
    start = ctx.emu.skiptokens.decode(ctx.req.params.get("$skiptoken"))

    def source() -> Iterator[tuple[int, dict[str, Any]]]:
        for index in range(start, len(policies)):
            if match(policies[index]):
                yield index, project(render_policy(ctx, policies[index]), fields)

    return page_reply(ctx, source(), top=top, context="identity/conditionalAccess/policies")


def get_policy(ctx: Ctx, policy_id: str) -> GraphReply:
    _require_scopes(ctx, *CA_READ_ROLES)
    _require_p1(ctx)
    fields = parse_select(
        ctx.req.params, known=_POLICY_FIELDS, type_name="microsoft.graph.conditionalAccessPolicy"
    )
    policy = ctx.tenant.ca.store.visible(ctx.now).find(policy_id)
    if policy is None:
        raise not_found(policy_id)
    return entity_reply(
        ctx, "identity/conditionalAccess/policies", project(render_policy(ctx, policy), fields)
    )


def _rules(ctx: Ctx) -> WriteRules:
    ca = ctx.tenant.ca
    return WriteRules(
        ctx.req.version, lambda sid: ca.strength(sid) is not None, has_p2=ctx.tenant.premium and ctx.tenant.p2
    )


def _write_checks(ctx: Ctx) -> None:
    from mfaguard.emulator.graph_api import write_quota

    # Creating or changing a policy needs both (Graph's permission table for these calls).
    if not (ctx.has(ROLE_CA_WRITE) and ctx.has(ROLE_POLICY_READ_ALL)):
        raise scopes_missing()
    _require_p1(ctx)
    write_quota(ctx)


def _commit(ctx: Ctx, state: Any) -> None:
    ctx.tenant.ca.store.commit(
        state, now=ctx.now, delay_s=float(ctx.emu.knob(ctx.tenant, "consistency_delay_s"))
    )


def post_policy(ctx: Ctx) -> GraphReply:
    _write_checks(ctx)
    store = ctx.tenant.ca.store
    new_id = ctx.tenant.ca.new_policy_id(ctx.tenant.id, ctx.emu.seed)
    state, policy = create_policy(store.truth, ctx.req.body, _rules(ctx), now=ctx.now, new_id=new_id)
    _commit(ctx, state)
    body = {
        "@odata.context": _context(ctx, "identity/conditionalAccess/policies/$entity"),
        **render_policy(ctx, policy),
    }
    location = f"{ctx.req.base_url}/{ctx.req.version}/identity/conditionalAccess/policies('{new_id}')"
    return GraphReply(201, body, {"Location": location})


def patch_policy_handler(ctx: Ctx, policy_id: str) -> GraphReply:
    _write_checks(ctx)
    store = ctx.tenant.ca.store
    _commit(ctx, patch_policy(store.truth, policy_id, ctx.req.body, _rules(ctx), now=ctx.now))
    return GraphReply(204)


def delete_policy_handler(ctx: Ctx, policy_id: str) -> GraphReply:
    _write_checks(ctx)
    store = ctx.tenant.ca.store
    _commit(ctx, delete_policy(store.truth, policy_id))
    return GraphReply(204)


# ---------------------------------------------------------------------------- locations, strengths


def named_locations(ctx: Ctx, location_id: str | None = None) -> GraphReply:
    _require_scopes(ctx, *CA_READ_ROLES)
    _require_p1(ctx)
    locations = ctx.tenant.ca.named_locations
    if location_id is not None:
        found = next((loc for loc in locations if str(loc["id"]).lower() == location_id.lower()), None)
        if found is None:
            raise not_found(location_id)
        return entity_reply(ctx, "identity/conditionalAccess/namedLocations", found)
    return GraphReply(
        200,
        {
            "@odata.context": _context(ctx, "identity/conditionalAccess/namedLocations"),
            "value": list(locations),
        },
    )


def strengths(ctx: Ctx, strength_id: str | None = None) -> GraphReply:
    _require_scopes(ctx, *STRENGTH_ROLES)
    ca = ctx.tenant.ca
    prefer = wants_unknown(ctx.req.headers)

    def render(strength: Mapping[str, Any]) -> dict[str, Any]:
        return render_strength(strength, base=ctx.req.base_url, version=ctx.req.version, prefer=prefer)

    if strength_id is not None:
        found = ca.strength(strength_id)
        if found is None:
            raise not_found(strength_id)
        return entity_reply(ctx, "policies/authenticationStrengthPolicies", render(found))
    match = matcher(parse_filter(ctx.req.params, allowed={"policyType": frozenset({"eq"})}))
    return GraphReply(
        200,
        {
            "@odata.context": _context(ctx, "policies/authenticationStrengthPolicies"),
            "value": [render(s) for s in ca.strengths if match(s)],
        },
    )


def security_defaults(ctx: Ctx) -> GraphReply:
    _require_scopes(ctx, *DEFAULTS_ROLES)
    return GraphReply(
        200,
        {
            "@odata.context": _context(ctx, "policies/identitySecurityDefaultsEnforcementPolicy"),
            "id": SECURITY_DEFAULTS_ID,
            "displayName": "Security Defaults",
            "description": (
                "Security defaults is a set of basic identity security mechanisms recommended by Microsoft. "
                "When enabled, these recommendations will be automatically enforced in your organization. "
                "Administrators and users will be better protected from common identity related attacks."
            ),
            "isEnabled": ctx.tenant.ca.security_defaults,
        },
    )


# ------------------------------------------------------------------------------- roles, licences


def _principal(ctx: Ctx, principal_id: str) -> dict[str, Any]:
    directory = ctx.tenant.directory
    group = directory.group(principal_id)
    if group is not None:
        return {
            "@odata.type": GROUP_TYPE,
            "id": group["id"],
            "displayName": group.get("displayName"),
            "isAssignableToRole": bool(group.get("isAssignableToRole", False)),
        }
    user = directory.user(principal_id) or {"id": principal_id}
    return {
        "@odata.type": USER_TYPE,
        "id": user["id"],
        "displayName": user.get("displayName"),
        "userPrincipalName": user.get("userPrincipalName"),
        "userType": user.get("userType"),
        "accountEnabled": user.get("accountEnabled", True),
    }


def role_assignments(ctx: Ctx, assignment_id: str | None = None) -> GraphReply:
    ctx.require(*ROLE_ASSIGNMENT_ROLES)  # directory workloads answer Authorization_RequestDenied
    expand = ctx.req.params.get("$expand")
    if expand not in (None, "principal"):
        raise unsupported(f"$expand={expand} is not supported on roleAssignments; only 'principal' is.")
    assignments = ctx.tenant.ca.role_assignments

    def view(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "principal": _principal(ctx, row["principalId"])} if expand else row

    if assignment_id is not None:
        found = next((a for a in assignments if a["id"] == assignment_id), None)
        if found is None:
            raise not_found(assignment_id)
        return entity_reply(ctx, "roleManagement/directory/roleAssignments", view(found))
    match = matcher(parse_filter(ctx.req.params, allowed=_ASSIGNMENT_FILTERS))
    start = ctx.emu.skiptokens.decode(ctx.req.params.get("$skiptoken"))

    def source() -> Iterator[tuple[int, dict[str, Any]]]:
        for index in range(start, len(assignments)):
            if match(assignments[index]):
                yield index, view(assignments[index])

    context = "roleManagement/directory/roleAssignments" + ("(principal())" if expand else "")
    return page_reply(ctx, source(), top=ASSIGNMENT_PAGE, context=context)


def skus(ctx: Ctx) -> GraphReply:
    ctx.require(*SKU_ROLES)
    tenant = ctx.tenant
    value = subscribed_skus(
        tenant.id, licence_tier(tenant.premium, tenant.p2), seats=tenant.directory.user_count()
    )
    return GraphReply(200, {"@odata.context": _context(ctx, "subscribedSkus"), "value": value})
