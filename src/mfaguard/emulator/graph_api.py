"""Routing of Graph paths to handlers, and the policy endpoints (graph.md §1-§3).

Unknown segments answer 400 ``BadRequest`` "Resource not found for the segment '...'" as Graph does;
a known resource with an unsupported method answers 405.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from urllib.parse import unquote

from mfaguard.emulator import graph_ca as ca
from mfaguard.emulator import graph_directory as directory
from mfaguard.emulator import graph_reports as reports
from mfaguard.emulator.context import Ctx, GraphReply
from mfaguard.emulator.errors import GraphFailure, bad_request
from mfaguard.emulator.graph_policy import (
    PolicyState,
    check_size,
    patch_config,
    patch_root,
    render_config,
    render_policy,
    visible_config,
)
from mfaguard.emulator.state import ROLE_POLICY_READ, ROLE_POLICY_READ_ALL, ROLE_POLICY_WRITE

POLICY_READ_ROLES = (ROLE_POLICY_READ, ROLE_POLICY_WRITE, ROLE_POLICY_READ_ALL)
POLICY_PATH = "policies/authenticationmethodspolicy"
CONFIGS = "authenticationmethodconfigurations"

Handler = Callable[[Ctx], GraphReply]


def _strict_v1(ctx: Ctx) -> bool:
    return not ctx.emu.knob(ctx.tenant, "v1_wire_includes_beta")


def get_policy(ctx: Ctx) -> GraphReply:
    ctx.require(*POLICY_READ_ROLES)
    state = ctx.tenant.policy.visible(ctx.now)
    return GraphReply(
        200, render_policy(state, base=ctx.req.base_url, version=ctx.req.version, strict_v1=_strict_v1(ctx))
    )


def _group_exists(ctx: Ctx) -> Callable[[str], bool]:
    directory_ = ctx.tenant.directory
    return lambda group_id: directory_.group(group_id) is not None


def write_quota(ctx: Ctx) -> None:
    """429 when the app has used up the tenant's write quota (3,000 writes / 150 s, graph.md §8)."""
    wait = ctx.emu.throttle(ctx.tenant, ctx.app_id, "writes")
    if wait is not None:
        raise GraphFailure(
            429,
            "TooManyRequests",
            "Too many requests.",
            headers={
                "Retry-After": str(max(1, math.ceil(wait))),
                "x-ms-throttle-scope": f"Tenant_Application/Write/{ctx.app_id}/{ctx.tenant.id}",
                "x-ms-throttle-information": "WriteLimitExceeded",
            },
        )


def _commit(ctx: Ctx, new: PolicyState) -> None:
    """Store a validated write: refuse an oversized policy, then commit behind the consistency delay."""
    check_size(new, int(ctx.emu.knob(ctx.tenant, "policy_size_limit_bytes")))
    ctx.tenant.policy.commit(new, now=ctx.now, delay_s=float(ctx.emu.knob(ctx.tenant, "consistency_delay_s")))


def patch_policy(ctx: Ctx) -> GraphReply:
    ctx.require(ROLE_POLICY_WRITE)
    write_quota(ctx)
    store = ctx.tenant.policy
    new = patch_root(
        store.truth,
        ctx.req.body,
        version=ctx.req.version,
        strict_v1=_strict_v1(ctx),
        group_exists=_group_exists(ctx),
        user_exists=ctx.tenant.directory.is_user,
        now=ctx.now,
    )
    _commit(ctx, new)
    # Root PATCH answers 200 with the updated policy (graph.md §1), unlike per-method PATCH.
    return GraphReply(
        200, render_policy(new, base=ctx.req.base_url, version=ctx.req.version, strict_v1=_strict_v1(ctx))
    )


def list_configs(ctx: Ctx) -> GraphReply:
    ctx.require(*POLICY_READ_ROLES)
    body = render_policy(
        ctx.tenant.policy.visible(ctx.now),
        base=ctx.req.base_url,
        version=ctx.req.version,
        strict_v1=_strict_v1(ctx),
    )
    return GraphReply(
        200,
        {
            "@odata.context": body["authenticationMethodConfigurations@odata.context"],
            "value": body["authenticationMethodConfigurations"],
        },
    )


def get_config(ctx: Ctx, config_id: str) -> GraphReply:
    ctx.require(*POLICY_READ_ROLES)
    state = ctx.tenant.policy.visible(ctx.now)
    config = visible_config(state, config_id, version=ctx.req.version, strict_v1=_strict_v1(ctx))
    return GraphReply(
        200, render_config(config, base=ctx.req.base_url, version=ctx.req.version, strict_v1=_strict_v1(ctx))
    )


def patch_config_handler(ctx: Ctx, config_id: str) -> GraphReply:
    ctx.require(ROLE_POLICY_WRITE)
    write_quota(ctx)
    store = ctx.tenant.policy
    new = patch_config(
        store.truth,
        config_id,
        ctx.req.body,
        version=ctx.req.version,
        era=ctx.tenant.era,
        strict_v1=_strict_v1(ctx),
        group_exists=_group_exists(ctx),
        user_exists=ctx.tenant.directory.is_user,
        now=ctx.now,
    )
    _commit(ctx, new)
    return GraphReply(204)


def _segment_error(segment: str) -> GraphFailure:
    return bad_request(f"Resource not found for the segment '{segment}'.")


def _method_not_allowed(method: str) -> GraphFailure:
    return GraphFailure(
        405, "Request_BadRequest", f"The HTTP method '{method}' is not supported on this resource."
    )


def _conditional_access(ctx: Ctx, method: str, segments: list[str], raw: list[str]) -> GraphReply:
    """``/identity/conditionalAccess/policies[/{id}]`` and ``.../namedLocations[/{id}]``."""
    n = len(segments)
    what = segments[2]
    if what == "policies" and n == 3:
        if method not in ("GET", "POST"):
            raise _method_not_allowed(method)
        return ca.list_policies(ctx) if method == "GET" else ca.post_policy(ctx)
    if what == "policies" and n == 4:
        if method == "GET":
            return ca.get_policy(ctx, raw[3])
        if method == "PATCH":
            return ca.patch_policy_handler(ctx, raw[3])
        if method == "DELETE":
            return ca.delete_policy_handler(ctx, raw[3])
        raise _method_not_allowed(method)
    if what == "namedlocations" and n <= 4:
        if method != "GET":
            raise _method_not_allowed(method)
        return ca.named_locations(ctx, raw[3] if n == 4 else None)
    raise _segment_error(raw[min(n - 1, 3)])


def dispatch(ctx: Ctx) -> GraphReply:
    """Route one Graph request (the version already split off) to its handler."""
    method = ctx.req.method
    raw_segments = [unquote(s) for s in ctx.req.path.strip("/").split("/") if s]
    if not raw_segments:
        raise bad_request("Invalid request: no resource segment.")
    segments = [s.lower() for s in raw_segments]
    n = len(segments)
    head = segments[0]

    def only(*methods: str) -> None:
        if method not in methods:
            raise _method_not_allowed(method)

    if head == "policies" and n >= 2 and segments[1] == "authenticationstrengthpolicies" and n <= 3:
        only("GET")
        return ca.strengths(ctx, raw_segments[2] if n == 3 else None)
    if head == "policies" and segments[1:] == ["identitysecuritydefaultsenforcementpolicy"]:
        only("GET")
        return ca.security_defaults(ctx)
    if head == "identity" and n >= 3 and segments[1] == "conditionalaccess":
        return _conditional_access(ctx, method, segments, raw_segments)
    if head == "rolemanagement" and segments[1:3] == ["directory", "roleassignments"] and n <= 4:
        only("GET")
        return ca.role_assignments(ctx, raw_segments[3] if n == 4 else None)
    if head == "subscribedskus" and n == 1:
        only("GET")
        return ca.skus(ctx)
    if head == "policies":
        if n >= 2 and segments[1] == "authenticationmethodspolicy":
            if n == 2:
                only("GET", "PATCH")
                return get_policy(ctx) if method == "GET" else patch_policy(ctx)
            if segments[2] == CONFIGS:
                if n == 3:
                    only("GET")
                    return list_configs(ctx)
                if n == 4:
                    only("GET", "PATCH")
                    if method == "GET":
                        return get_config(ctx, raw_segments[3])
                    return patch_config_handler(ctx, raw_segments[3])
            raise _segment_error(raw_segments[min(2, n - 1)] if n > 2 else raw_segments[-1])
        raise _segment_error(raw_segments[1] if n > 1 else head)
    if head == "users":
        only("GET")
        if n == 1:
            return directory.list_users(ctx)
        if n == 2:
            return directory.get_user(ctx, raw_segments[1])
        if segments[2] in ("memberof", "transitivememberof") and n <= 4:
            return directory.member_of(
                ctx,
                raw_segments[1],
                transitive=segments[2] == "transitivememberof",
                cast=segments[3] if n == 4 else None,
            )
        raise _segment_error(raw_segments[2])
    if head == "groups":
        only("GET")
        if n == 1:
            return directory.list_groups(ctx)
        if n == 2:
            return directory.get_group(ctx, raw_segments[1])
        if segments[2] in ("members", "transitivemembers"):
            rest = segments[3:]
            cast = None
            count_only = False
            if rest and rest[0].startswith("microsoft.graph."):
                cast = rest[0]
                rest = rest[1:]
            if rest == ["$count"]:
                count_only = True
                rest = []
            if rest:
                raise _segment_error(rest[0])
            return directory.members(
                ctx,
                raw_segments[1],
                transitive=segments[2] == "transitivemembers",
                cast=cast,
                count_only=count_only,
            )
        raise _segment_error(raw_segments[2])
    if head == "directoryobjects":
        if segments[1:] == ["getbyids"] or segments[1:] == ["microsoft.graph.getbyids"]:
            only("POST")
            return directory.get_by_ids(ctx)
        raise _segment_error(raw_segments[1] if n > 1 else head)
    if head == "organization":
        only("GET")
        if n == 1:
            return directory.organization(ctx)
        raise _segment_error(raw_segments[1])
    if head == "reports":
        if segments[1:3] == ["authenticationmethods", "userregistrationdetails"]:
            only("GET")
            if n == 3:
                return reports.registration_details(ctx)
            if n == 4:
                return reports.registration_details(ctx, raw_segments[3])
        raise _segment_error(raw_segments[-1])
    if head == "auditlogs" and n >= 2:
        only("GET")
        if segments[1] == "signins":
            if n == 2:
                return reports.sign_ins(ctx)
            if n == 3:
                return reports.single(
                    ctx, ctx.tenant.sign_ins, raw_segments[2], ("AuditLog.Read.All",), "signins"
                )
        if segments[1] == "directoryaudits":
            if n == 2:
                return reports.directory_audits(ctx)
            if n == 3:
                return reports.single(
                    ctx, ctx.tenant.directory_audits, raw_segments[2], ("AuditLog.Read.All",), "audits"
                )
        raise _segment_error(raw_segments[1])
    if head == "identityprotection" and n >= 2 and segments[1] == "riskdetections":
        only("GET")
        if n == 2:
            return reports.risk_detections(ctx)
        if n == 3:
            return reports.single(
                ctx, ctx.tenant.risk_detections, raw_segments[2], reports.RISK_ROLES, "risk"
            )
    raise _segment_error(
        raw_segments[0] if head not in ("auditlogs", "identityprotection") else raw_segments[-1]
    )
