"""Graph directory endpoints: users, groups, (transitive) members, getByIds, organization (graph.md §6).

Paging: default page 100, ``$top`` 1..999 (else 400 ``Request_UnsupportedQuery``). Advanced queries
(``$count``, ``ne`` filters, OData casts on member collections) need ``ConsistencyLevel: eventual`` and
``$count=true``, as on the real service; ``@odata.count`` is on the first page only. Without a users
permission, user members come back with ``@odata.type`` and ``id`` only (Graph's "limited
information" rule for directoryObject collections).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mfaguard.emulator.context import Ctx, GraphReply
from mfaguard.emulator.directory import GROUP_PROPS, GROUP_TYPE, USER_DEFAULT_PROPS, USER_PROPS, USER_TYPE
from mfaguard.emulator.errors import GraphFailure, bad_request, not_found
from mfaguard.emulator.odata import (
    matcher,
    next_link,
    parse_filter,
    parse_select,
    parse_top,
    project,
    take_page,
    unsupported,
)
from mfaguard.emulator.state import ROLE_DIRECTORY_READ, ROLE_GROUP_MEMBER_READ, ROLE_USER_READ

USER_ROLES = (
    ROLE_USER_READ,
    ROLE_DIRECTORY_READ,
    "User.ReadWrite.All",
    "Directory.ReadWrite.All",
    "User.ReadBasic.All",
)
GROUP_ROLES = (
    ROLE_GROUP_MEMBER_READ,
    ROLE_DIRECTORY_READ,
    "Group.Read.All",
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "Directory.ReadWrite.All",
)
ORG_ROLES = ("Organization.Read.All", ROLE_DIRECTORY_READ, ROLE_USER_READ, "Organization.ReadWrite.All")

_STR_OPS = frozenset({"eq", "startswith"})
_USER_FILTERS = {
    "accountEnabled": frozenset({"eq", "ne"}),
    "userType": frozenset({"eq", "ne"}),
    "id": frozenset({"eq"}),
    "userPrincipalName": _STR_OPS,
    "displayName": _STR_OPS,
    "mail": _STR_OPS,
    "department": _STR_OPS,
}
_GROUP_FILTERS = {
    "displayName": _STR_OPS,
    "securityEnabled": frozenset({"eq"}),
    "mailEnabled": frozenset({"eq"}),
    "id": frozenset({"eq"}),
    "groupTypes": frozenset({"any"}),
}
_MEMBER_FILTERS = {
    "accountEnabled": frozenset({"eq", "ne"}),
    "userType": frozenset({"eq", "ne"}),
    "displayName": _STR_OPS,
}


def is_advanced(ctx: Ctx) -> bool:
    return (
        ctx.req.headers.get("consistencylevel", "").lower() == "eventual"
        and ctx.req.params.get("$count", "").lower() == "true"
    )


def _check_advanced(ctx: Ctx, needs: bool, what: str) -> None:
    if needs and not is_advanced(ctx):
        raise unsupported(
            f"{what} is only supported with advanced query parameters: send the header "
            f"'ConsistencyLevel: eventual' and '$count=true'."
        )


def _count_check(ctx: Ctx) -> bool:
    if ctx.req.params.get("$count", "").lower() == "true":
        if ctx.req.headers.get("consistencylevel", "").lower() != "eventual":
            raise GraphFailure(400, "Request_BadRequest", "$count is not currently supported.")
        return True
    return False


def page_reply(
    ctx: Ctx,
    source: Iterator[tuple[int, dict[str, Any]]],
    *,
    top: int,
    context: str,
    count: int | None = None,
) -> GraphReply:
    """One page of a collection with ``@odata.context``, ``@odata.count`` and ``@odata.nextLink``."""
    page = take_page(source, top)
    body: dict[str, Any] = {"@odata.context": f"{ctx.req.base_url}/{ctx.req.version}/$metadata#{context}"}
    if count is not None and "$skiptoken" not in ctx.req.params:
        body["@odata.count"] = count
    if page.next_offset is not None:
        token = ctx.emu.skiptokens.encode(page.next_offset)
        body["@odata.nextLink"] = next_link(ctx.req.base_url, ctx.req.full_path, ctx.req.params, token)
    body["value"] = page.items
    return GraphReply(200, body)


def entity_reply(ctx: Ctx, entity_set: str, item: dict[str, Any]) -> GraphReply:
    """One object with its ``@odata.context`` (``.../$metadata#users/$entity``)."""
    return GraphReply(
        200,
        {"@odata.context": f"{ctx.req.base_url}/{ctx.req.version}/$metadata#{entity_set}/$entity", **item},
    )


def _offset(ctx: Ctx) -> int:
    return ctx.emu.skiptokens.decode(ctx.req.params.get("$skiptoken"))


def _user_view(ctx: Ctx, user: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    return project(user, fields, USER_DEFAULT_PROPS)


def list_users(ctx: Ctx) -> GraphReply:
    ctx.require(*USER_ROLES)
    top = parse_top(ctx.req.params, default=100, maximum=999)
    fields = parse_select(ctx.req.params, known=USER_PROPS, type_name="microsoft.graph.user")
    clauses = parse_filter(ctx.req.params, allowed=_USER_FILTERS)
    counting = _count_check(ctx)
    _check_advanced(ctx, any(c.op == "ne" for c in clauses), "The 'ne' operator")
    match = matcher(clauses)
    directory = ctx.tenant.directory
    start = _offset(ctx)

    def source() -> Iterator[tuple[int, dict[str, Any]]]:
        for index, user in directory.iter_users(start):
            if match(user):
                yield index, _user_view(ctx, user, fields)

    count = sum(1 for _, u in directory.iter_users(0) if match(u)) if counting and start == 0 else None
    return page_reply(ctx, source(), top=top, context="users", count=count)


def get_user(ctx: Ctx, key: str) -> GraphReply:
    ctx.require(*USER_ROLES)
    fields = parse_select(ctx.req.params, known=USER_PROPS, type_name="microsoft.graph.user")
    user = ctx.tenant.directory.user(key)
    if user is None:
        raise not_found(key)
    return entity_reply(ctx, "users", _user_view(ctx, user, fields))


def list_groups(ctx: Ctx) -> GraphReply:
    ctx.require(*GROUP_ROLES)
    top = parse_top(ctx.req.params, default=100, maximum=999)
    fields = parse_select(ctx.req.params, known=GROUP_PROPS, type_name="microsoft.graph.group")
    match = matcher(parse_filter(ctx.req.params, allowed=_GROUP_FILTERS))
    counting = _count_check(ctx)
    directory = ctx.tenant.directory
    start = _offset(ctx)

    def source() -> Iterator[tuple[int, dict[str, Any]]]:
        for index, group in directory.iter_groups(start):
            if match(group):
                yield index, project(group, fields)

    count = sum(1 for _, g in directory.iter_groups(0) if match(g)) if counting and start == 0 else None
    return page_reply(ctx, source(), top=top, context="groups", count=count)


def get_group(ctx: Ctx, group_id: str) -> GraphReply:
    ctx.require(*GROUP_ROLES)
    fields = parse_select(ctx.req.params, known=GROUP_PROPS, type_name="microsoft.graph.group")
    group = ctx.tenant.directory.group(group_id)
    if group is None:
        raise not_found(group_id)
    return entity_reply(ctx, "groups", project(group, fields))


def _transitive(ctx: Ctx, group_id: str) -> list[str]:
    cache = ctx.tenant.transitive_cache
    members = cache.get(group_id)
    if members is None:
        members = ctx.tenant.directory.transitive_members(group_id)
        cache[group_id] = members
    return members


def members(ctx: Ctx, group_id: str, *, transitive: bool, cast: str | None, count_only: bool) -> GraphReply:
    """``/groups/{id}/members`` and ``/transitiveMembers``, optional cast and ``/$count``."""
    ctx.require(*GROUP_ROLES)
    directory = ctx.tenant.directory
    if directory.group(group_id) is None:
        raise not_found(group_id)
    if cast not in (None, "microsoft.graph.user", "microsoft.graph.group"):
        raise unsupported(f"The OData cast '{cast}' is not supported on this member collection.")
    if count_only:
        if ctx.req.headers.get("consistencylevel", "").lower() != "eventual":
            raise GraphFailure(400, "Request_BadRequest", "$count is not currently supported.")
    else:
        _check_advanced(ctx, cast is not None, "An OData cast on a member collection")
    top = parse_top(ctx.req.params, default=100, maximum=999)
    known = USER_PROPS | GROUP_PROPS
    fields = parse_select(ctx.req.params, known=known, type_name="microsoft.graph.directoryObject")
    clauses = parse_filter(ctx.req.params, allowed=_MEMBER_FILTERS)
    _check_advanced(ctx, bool(clauses), "$filter on a member collection")
    match = matcher(clauses)
    counting = _count_check(ctx) if not count_only else False
    ids = _transitive(ctx, group_id) if transitive else list(directory.direct_members(group_id))
    can_read_users = ctx.has(*USER_ROLES)

    def view(object_id: str) -> dict[str, Any] | None:
        group = directory.group(object_id)
        if group is not None:
            if cast == "microsoft.graph.user":
                return None
            return {"@odata.type": GROUP_TYPE, **project(group, fields)}
        user = directory.user(object_id)
        if user is None or cast == "microsoft.graph.group":
            return None
        if not match(user):
            return None
        if not can_read_users:
            return {"@odata.type": USER_TYPE, "id": user["id"]}
        return {"@odata.type": USER_TYPE, **_user_view(ctx, user, fields)}

    if count_only:
        total = sum(1 for i in ids if view(i) is not None)
        return GraphReply(200, text=str(total))
    start = _offset(ctx)

    def source() -> Iterator[tuple[int, dict[str, Any]]]:
        for index in range(start, len(ids)):
            item = view(ids[index])
            if item is not None:
                yield index, item

    count = sum(1 for i in ids if view(i) is not None) if counting and start == 0 else None
    context = "directoryObjects" if cast is None else ("users" if cast.endswith("user") else "groups")
    return page_reply(ctx, source(), top=top, context=context, count=count)


def member_of(ctx: Ctx, key: str, *, transitive: bool, cast: str | None) -> GraphReply:
    """``/users/{id}/memberOf`` and ``/transitiveMemberOf`` (groups only: the emulator has no roles/AUs)."""
    ctx.require(*USER_ROLES, *GROUP_ROLES)
    directory = ctx.tenant.directory
    user = directory.user(key)
    if user is None:
        raise not_found(key)
    if cast not in (None, "microsoft.graph.group"):
        raise unsupported(f"The OData cast '{cast}' is not supported on this collection.")
    _check_advanced(ctx, cast is not None, "An OData cast on a membership collection")
    counting = _count_check(ctx)
    top = parse_top(ctx.req.params, default=100, maximum=999)
    fields = parse_select(ctx.req.params, known=GROUP_PROPS, type_name="microsoft.graph.group")
    ids = (
        directory.transitive_member_of(user["id"])
        if transitive
        else list(directory.parent_groups(user["id"]))
    )
    can_read_groups = ctx.has(*GROUP_ROLES)
    start = _offset(ctx)

    def view(group_id: str) -> dict[str, Any]:
        group = directory.group(group_id) or {"id": group_id}
        if not can_read_groups:
            return {"@odata.type": GROUP_TYPE, "id": group_id}
        return {"@odata.type": GROUP_TYPE, **project(group, fields)}

    def source() -> Iterator[tuple[int, dict[str, Any]]]:
        for index in range(start, len(ids)):
            yield index, view(ids[index])

    return page_reply(
        ctx,
        source(),
        top=top,
        context="directoryObjects",
        count=len(ids) if counting and start == 0 else None,
    )


def get_by_ids(ctx: Ctx) -> GraphReply:
    """``POST /directoryObjects/getByIds`` (≤1000 ids; unknown ids are left out)."""
    body = ctx.req.body
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
        raise bad_request("The request body must be an object with an 'ids' array.")
    ids = body["ids"]
    if len(ids) > 1000:
        raise GraphFailure(
            400, "Request_BadRequest", "The number of ids in the request exceeds the limit of 1000."
        )
    types = [str(t).lower() for t in body.get("types") or []]
    for kind in types:
        if kind not in (
            "user",
            "group",
            "device",
            "serviceprincipal",
            "application",
            "directoryrole",
            "orgcontact",
        ):
            raise bad_request(f"Invalid type '{kind}' in 'types'.")
    can_users = ctx.has(*USER_ROLES)
    can_groups = ctx.has(*GROUP_ROLES)
    if not can_users and not can_groups:
        ctx.require(*USER_ROLES)
    directory = ctx.tenant.directory
    fields = parse_select(
        ctx.req.params, known=USER_PROPS | GROUP_PROPS, type_name="microsoft.graph.directoryObject"
    )
    out: list[dict[str, Any]] = []
    for object_id in ids:
        obj = directory.object(str(object_id))
        if obj is None:
            continue
        kind = "user" if obj["@odata.type"] == USER_TYPE else "group"
        if types and kind not in types:
            continue
        if (kind == "user" and not can_users) or (kind == "group" and not can_groups):
            out.append({"@odata.type": obj["@odata.type"], "id": obj["id"]})
            continue
        view = project(obj, fields)
        view["@odata.type"] = obj["@odata.type"]
        out.append(view)
    return GraphReply(
        200,
        {"@odata.context": f"{ctx.req.base_url}/{ctx.req.version}/$metadata#directoryObjects", "value": out},
    )


def organization(ctx: Ctx) -> GraphReply:
    """``GET /organization``: the tenant's id, name, verified domain and licence plans."""
    ctx.require(*ORG_ROLES)
    tenant = ctx.tenant
    plans = (
        [
            {
                "servicePlanId": "41781fb2-bc02-4b7c-bd55-b576c07bb09d",
                "service": "AADPremiumService",
                "capabilityStatus": "Enabled",
                "assignedDateTime": "2024-01-01T00:00:00Z",
            }
        ]
        if tenant.premium
        else []
    )
    org = {
        "id": tenant.id,
        "displayName": tenant.display_name,
        "tenantType": "AAD",
        "verifiedDomains": [
            {
                "name": tenant.domain,
                "type": "Managed",
                "isDefault": True,
                "isInitial": True,
                "capabilities": "Email, OfficeCommunicationsOnline",
            }
        ],
        "assignedPlans": plans,
        "countryLetterCode": "US",
    }
    fields = parse_select(ctx.req.params, known=frozenset(org), type_name="microsoft.graph.organization")
    return GraphReply(
        200,
        {
            "@odata.context": f"{ctx.req.base_url}/{ctx.req.version}/$metadata#organization",
            "value": [project(org, fields)],
        },
    )
