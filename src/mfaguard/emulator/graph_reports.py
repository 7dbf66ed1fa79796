"""Graph report endpoints: userRegistrationDetails, signIns, directoryAudits, riskDetections (graph.md §5, §9).

- Licence: registration details, sign-ins and risk detections need Entra ID P1/P2; a non-premium
  tenant gets 403 ``Authentication_RequestFromNonPremiumTenantOrB2CTenant`` (directory audits do not).
- Throttling: identity reports allow 5 requests / 10 s per app per tenant (429 with ``Retry-After``);
  Identity Protection allows 1 request / s per tenant and answers 429 **without** ``Retry-After``.
- Sign-ins: newest first, page size default and maximum 1,000. Beta returns interactive sign-ins only
  unless ``$filter`` names ``signInEventTypes``; v1.0 has no MFA step detail (only the v1.0 fields below)
  and lists interactive sign-ins only.
- Registration details omit disabled users; page default 100 and ``$top`` up to 999 (the service's
  limits are UNCONFIRMED, graph.md §5.1 — clients must follow nextLink anyway).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

from mfaguard.emulator.context import Ctx, GraphReply
from mfaguard.emulator.enums import CA_CONDITIONS, CA_RESULT, CA_RULE, Late, mask_late, wants_unknown
from mfaguard.emulator.errors import GraphFailure, not_found, not_premium
from mfaguard.emulator.graph_directory import entity_reply, page_reply
from mfaguard.emulator.odata import (
    Clause,
    matcher,
    parse_filter,
    parse_select,
    parse_top,
    project,
    unsupported,
)
from mfaguard.emulator.state import ROLE_AUDIT_LOG_READ, ROLE_RISK_READ

REG_ROLES = (
    ROLE_AUDIT_LOG_READ,
    "UserAuthenticationMethod.Read.All",
    "UserAuthenticationMethod.ReadWrite.All",
)
AUDIT_ROLES = (ROLE_AUDIT_LOG_READ,)
RISK_ROLES = (ROLE_RISK_READ, "IdentityRiskEvent.ReadWrite.All")

_BOOL_EQ = frozenset({"eq"})
_STR_OPS = frozenset({"eq", "startswith"})
_TIME_OPS = frozenset({"eq", "ge", "le", "gt", "lt"})

REG_FIELDS = frozenset(
    {
        "id",
        "userPrincipalName",
        "userDisplayName",
        "userType",
        "isAdmin",
        "isMfaCapable",
        "isMfaRegistered",
        "isPasswordlessCapable",
        "isSsprCapable",
        "isSsprEnabled",
        "isSsprRegistered",
        "isSystemPreferredAuthenticationMethodEnabled",
        "lastUpdatedDateTime",
        "methodsRegistered",
        "systemPreferredAuthenticationMethods",
        "userPreferredMethodForSecondaryAuthentication",
        "defaultMfaMethod",
    }
)
REG_BETA_ONLY = frozenset({"defaultMfaMethod"})
_REG_FILTERS = {
    **{name: _BOOL_EQ for name in REG_FIELDS if name.startswith("is")},
    "userPrincipalName": _STR_OPS,
    "userDisplayName": _STR_OPS,
    "userType": _BOOL_EQ,
    "methodsRegistered": frozenset({"any"}),
    "systemPreferredAuthenticationMethods": frozenset({"any"}),
    "id": _BOOL_EQ,
}

SIGNIN_V1_FIELDS = (
    "id",
    "createdDateTime",
    "userId",
    "userPrincipalName",
    "userDisplayName",
    "appId",
    "appDisplayName",
    "clientAppUsed",
    "ipAddress",
    "location",
    "deviceDetail",
    "status",
    "isInteractive",
    "conditionalAccessStatus",
    "appliedConditionalAccessPolicies",
    "correlationId",
    "resourceDisplayName",
    "resourceId",
    "riskDetail",
    "riskEventTypes",
    "riskEventTypes_v2",
    "riskLevelAggregated",
    "riskLevelDuringSignIn",
    "riskState",
    "userAgent",
    "homeTenantId",
    "resourceTenantId",
    "servicePrincipalId",
    "servicePrincipalName",
    "authenticationAppDeviceDetails",
)
# v1.0's appliedConditionalAccessPolicy has these only (beta adds conditionsSatisfied, rules, strength...).
APPLIED_V1_FIELDS = ("id", "displayName", "enforcedGrantControls", "enforcedSessionControls", "result")
# beta's signIn no longer has riskEventTypes (riskEventTypes_v2 replaced it; msgraph-metadata beta).
SIGNIN_BETA_DROPPED = frozenset({"riskEventTypes"})
SIGNIN_LATE: dict[str, Late] = {
    "appliedConditionalAccessPolicies[].result": CA_RESULT,
    "appliedConditionalAccessPolicies[].conditionsSatisfied": CA_CONDITIONS,
    "appliedConditionalAccessPolicies[].conditionsNotSatisfied": CA_CONDITIONS,
    "appliedConditionalAccessPolicies[].includeRulesSatisfied[].conditionalAccessCondition": CA_CONDITIONS,
    "appliedConditionalAccessPolicies[].includeRulesSatisfied[].ruleSatisfied": CA_RULE,
    "appliedConditionalAccessPolicies[].excludeRulesSatisfied[].conditionalAccessCondition": CA_CONDITIONS,
    "appliedConditionalAccessPolicies[].excludeRulesSatisfied[].ruleSatisfied": CA_RULE,
}
_SIGNIN_FILTERS: dict[str, frozenset[str]] = {
    "createdDateTime": _TIME_OPS,
    "userPrincipalName": _STR_OPS,
    "userDisplayName": _STR_OPS,
    "appDisplayName": _STR_OPS,
    "ipAddress": _STR_OPS,
    "userId": _BOOL_EQ,
    "appId": _BOOL_EQ,
    "id": _BOOL_EQ,
    "correlationId": _BOOL_EQ,
    "clientAppUsed": _BOOL_EQ,
    "conditionalAccessStatus": _BOOL_EQ,
    "status/errorCode": _BOOL_EQ,
    "location/countryOrRegion": _STR_OPS,
    "isInteractive": _BOOL_EQ,
}
_SIGNIN_BETA_FILTERS = {
    "signInEventTypes": frozenset({"any"}),
    "authenticationRequirement": _STR_OPS,
}
_AUDIT_FILTERS = {
    "activityDateTime": _TIME_OPS,
    "activityDisplayName": _STR_OPS,
    "category": _BOOL_EQ,
    "loggedByService": _BOOL_EQ,
    "result": _BOOL_EQ,
    "correlationId": _BOOL_EQ,
    "initiatedBy/user/id": _BOOL_EQ,
    "initiatedBy/user/userPrincipalName": _STR_OPS,
}
_RISK_FILTERS = {
    "detectedDateTime": _TIME_OPS,
    "activityDateTime": _TIME_OPS,
    "riskEventType": _BOOL_EQ,
    "userId": _BOOL_EQ,
    "userPrincipalName": _BOOL_EQ,
    "riskLevel": _BOOL_EQ,
    "riskState": _BOOL_EQ,
}


def throttle_or_raise(ctx: Ctx, bucket: str) -> None:
    wait = ctx.emu.throttle(ctx.tenant, ctx.app_id, bucket)
    if wait is None:
        return
    headers = {"Retry-After": str(max(1, math.ceil(wait)))} if bucket == "reports" else {}
    if bucket == "reports":
        headers["x-ms-throttle-scope"] = f"Tenant_Application/ReadWrite/{ctx.app_id}/{ctx.tenant.id}"
        headers["x-ms-throttle-information"] = "ResourceUnitLimitExceeded"
    raise GraphFailure(429, "TooManyRequests", "Too many requests.", headers=headers)


def _require_premium(ctx: Ctx) -> None:
    if not ctx.tenant.premium:
        raise not_premium()


def _offset(ctx: Ctx) -> int:
    return ctx.emu.skiptokens.decode(ctx.req.params.get("$skiptoken"))


def _enabled(ctx: Ctx, user_id: str) -> bool:
    user = ctx.tenant.directory.user(user_id)
    return user is not None and user.get("id") == user_id and bool(user.get("accountEnabled", True))


def _reg_view(ctx: Ctx, row: dict[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    if ctx.req.version == "v1.0":
        row = {k: v for k, v in row.items() if k not in REG_BETA_ONLY}
    return project(row, fields)


def registration_details(ctx: Ctx, user_id: str | None = None) -> GraphReply:
    ctx.require(*REG_ROLES)
    _require_premium(ctx)
    known = REG_FIELDS - REG_BETA_ONLY if ctx.req.version == "v1.0" else REG_FIELDS
    fields = parse_select(ctx.req.params, known=known, type_name="microsoft.graph.userRegistrationDetails")
    throttle_or_raise(ctx, "reports")
    directory = ctx.tenant.directory
    if user_id is not None:
        row = directory.registration(user_id)
        if row is None or not _enabled(ctx, user_id):
            raise not_found(user_id)
        return entity_reply(
            ctx, "reports/authenticationMethods/userRegistrationDetails", _reg_view(ctx, row, fields)
        )
    top = parse_top(ctx.req.params, default=100, maximum=999)
    match = matcher(parse_filter(ctx.req.params, allowed=_REG_FILTERS))
    start = _offset(ctx)

    def source() -> Iterator[tuple[int, dict[str, Any]]]:
        for index, row in directory.iter_registrations(start):
            if match(row) and _enabled(ctx, row["id"]):
                yield index, _reg_view(ctx, row, fields)

    return page_reply(ctx, source(), top=top, context="reports/authenticationMethods/userRegistrationDetails")


def _orderby(ctx: Ctx, field: str) -> bool:
    """True for ascending order; newest first is the default."""
    raw = ctx.req.params.get("$orderby")
    if raw is None:
        return False
    parts = raw.split()
    if (
        not parts
        or parts[0] != field
        or (len(parts) > 1 and parts[1].lower() not in ("asc", "desc"))
        or len(parts) > 2
    ):
        raise unsupported(f"$orderby is supported on '{field}' only (asc or desc).")
    return len(parts) > 1 and parts[1].lower() == "asc"


def _signin_view(ctx: Ctx, row: dict[str, Any]) -> dict[str, Any]:
    if ctx.req.version == "v1.0":
        out = {k: row.get(k) for k in SIGNIN_V1_FIELDS if k in row}
        applied = out.get("appliedConditionalAccessPolicies")
        if applied:
            out["appliedConditionalAccessPolicies"] = [
                {k: p[k] for k in APPLIED_V1_FIELDS if k in p} for p in applied
            ]
    else:
        out = {k: v for k, v in row.items() if k not in SIGNIN_BETA_DROPPED}
    return out if wants_unknown(ctx.req.headers) else dict(mask_late(out, SIGNIN_LATE))


def _event_types(row: dict[str, Any]) -> list[str]:
    types = row.get("signInEventTypes")
    if isinstance(types, list):
        return [str(t) for t in types]
    return ["interactiveUser"] if row.get("isInteractive", True) else ["nonInteractiveUser"]


def sign_ins(ctx: Ctx) -> GraphReply:
    ctx.require(ROLE_AUDIT_LOG_READ)
    _require_premium(ctx)
    allowed = dict(_SIGNIN_FILTERS)
    if ctx.req.version == "beta":
        allowed.update(_SIGNIN_BETA_FILTERS)
    clauses = parse_filter(ctx.req.params, allowed=allowed)
    top = parse_top(ctx.req.params, default=1000, maximum=1000)
    ascending = _orderby(ctx, "createdDateTime")
    throttle_or_raise(ctx, "reports")
    names_types = any(c.path == "signInEventTypes" for c in clauses)
    other = [c for c in clauses if c.path != "signInEventTypes"]
    type_clauses: list[Clause] = [c for c in clauses if c.path == "signInEventTypes"]
    match = matcher(other)
    rows = ctx.tenant.sign_ins[::-1] if ascending else ctx.tenant.sign_ins
    start = _offset(ctx)

    def wanted(row: dict[str, Any]) -> bool:
        types = _event_types(row)
        if names_types:
            if not all(any(v in types for v in c.value) for c in type_clauses):
                return False
        elif "interactiveUser" not in types:
            return False  # interactive only unless filtered (beta); v1.0 lists interactive only
        return match(row)

    def source() -> Iterator[tuple[int, dict[str, Any]]]:
        for index in range(start, len(rows)):
            row = rows[index]
            if wanted(row):
                yield index, _signin_view(ctx, row)

    return page_reply(ctx, source(), top=top, context="auditLogs/signIns")


def _log_collection(
    ctx: Ctx, rows: list[dict[str, Any]], *, allowed: dict[str, frozenset[str]], time_field: str, context: str
) -> GraphReply:
    clauses = parse_filter(ctx.req.params, allowed=allowed)
    top = parse_top(ctx.req.params, default=1000, maximum=1000)
    ascending = _orderby(ctx, time_field)
    match = matcher(clauses)
    ordered = rows[::-1] if ascending else rows
    start = _offset(ctx)

    def source() -> Iterator[tuple[int, dict[str, Any]]]:
        for index in range(start, len(ordered)):
            if match(ordered[index]):
                yield index, ordered[index]

    return page_reply(ctx, source(), top=top, context=context)


def directory_audits(ctx: Ctx) -> GraphReply:
    ctx.require(*AUDIT_ROLES)
    throttle_or_raise(ctx, "reports")
    return _log_collection(
        ctx,
        ctx.tenant.directory_audits,
        allowed=_AUDIT_FILTERS,
        time_field="activityDateTime",
        context="auditLogs/directoryAudits",
    )


def risk_detections(ctx: Ctx) -> GraphReply:
    ctx.require(*RISK_ROLES)
    _require_premium(ctx)
    throttle_or_raise(ctx, "risk")
    return _log_collection(
        ctx,
        ctx.tenant.risk_detections,
        allowed=_RISK_FILTERS,
        time_field="detectedDateTime",
        context="identityProtection/riskDetections",
    )


def single(
    ctx: Ctx, rows: list[dict[str, Any]], item_id: str, roles: tuple[str, ...], bucket: str
) -> GraphReply:
    """``GET /auditLogs/signIns/{id}`` and friends."""
    ctx.require(*roles)
    if bucket != "audits":
        _require_premium(ctx)
    throttle_or_raise(ctx, "risk" if bucket == "risk" else "reports")
    for row in rows:
        if row.get("id") == item_id:
            return GraphReply(200, _signin_view(ctx, row) if bucket == "signins" else row)
    raise not_found(item_id)
