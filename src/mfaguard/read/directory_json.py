"""Directory data in files: the ``directory`` object of an mfaguard snapshot.

Users and registration rows keep Graph's property names (so a reader who knows Graph can read the
file); groups keep their direct members so nesting chains survive the round trip::

    "directory": {
      "users": [{"id", "userPrincipalName", "displayName", "accountEnabled", "userType"}] | null,
      "groups": [{"id", "displayName", "exists", "members": {"users": [ids], "groups": [ids]}}],
      "registration": [{"id", "userPrincipalName", "userType", "isAdmin", "isMfaRegistered",
                        "methodsRegistered", "defaultMfaMethod", "systemPreferredAuthenticationMethods"}] | null,
      "unavailable": [{"what", "kind", "reason", "hint"}]
    }

``null`` users or registration means "could not be read" (the reason is in ``unavailable``), never
"empty".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from mfaguard.errors import InputError
from mfaguard.model.directory import (
    Directory,
    DirectoryUser,
    Group,
    ProblemKind,
    ReadProblem,
    RegistrationDetail,
    intern_methods,
    norm_id,
)


def directory_to_json(directory: Directory) -> dict[str, Any]:
    """The ``directory`` object (see the module docstring)."""
    return {
        "users": None
        if directory.users is None
        else [
            {
                "id": u.id,
                "userPrincipalName": u.user_principal_name,
                "displayName": u.display_name,
                "accountEnabled": u.account_enabled,
                "userType": u.user_type,
            }
            for u in directory.users.values()
        ],
        "groups": [
            {
                "id": g.id,
                "displayName": g.display_name,
                "exists": g.exists,
                "members": {"users": sorted(g.member_users), "groups": sorted(g.member_groups)},
            }
            for g in directory.groups.values()
        ],
        "registration": None
        if directory.registration is None
        else [registration_to_json(r) for r in directory.registration.values()],
        "unavailable": [p.to_json() for p in directory.problems],
    }


def registration_to_json(row: RegistrationDetail) -> dict[str, Any]:
    return {
        "id": row.id,
        "userPrincipalName": row.user_principal_name,
        "userType": row.user_type,
        "isAdmin": row.is_admin,
        "isMfaRegistered": row.is_mfa_registered,
        "methodsRegistered": sorted(row.methods_registered),
        "defaultMfaMethod": row.default_mfa_method,
        "systemPreferredAuthenticationMethods": list(row.system_preferred_methods),
    }


def user_from_graph(body: Mapping[str, Any]) -> DirectoryUser | None:
    """A ``/users`` item → DirectoryUser (None when it has no id: not a user we can name)."""
    user_id = body.get("id")
    if not isinstance(user_id, str) or not user_id:
        return None
    upn = body.get("userPrincipalName")
    name = body.get("displayName")
    enabled = body.get("accountEnabled")
    user_type = body.get("userType")
    return DirectoryUser(
        id=norm_id(user_id),
        user_principal_name=upn if isinstance(upn, str) and upn else user_id,
        display_name=name if isinstance(name, str) else None,
        account_enabled=enabled if isinstance(enabled, bool) else None,
        user_type=user_type if isinstance(user_type, str) else None,
    )


def registration_from_graph(body: Mapping[str, Any]) -> RegistrationDetail | None:
    """A ``userRegistrationDetails`` item → RegistrationDetail (unknown method strings kept)."""
    user_id = body.get("id")
    if not isinstance(user_id, str) or not user_id:
        return None
    methods = body.get("methodsRegistered")
    preferred = body.get("systemPreferredAuthenticationMethods")
    return RegistrationDetail(
        id=norm_id(user_id),
        user_principal_name=_str(body.get("userPrincipalName")),
        is_admin=_bool(body.get("isAdmin")),
        methods_registered=intern_methods(m for m in (methods or ()) if isinstance(m, str)),
        is_mfa_registered=_bool(body.get("isMfaRegistered")),
        user_type=_str(body.get("userType")),
        default_mfa_method=_str(body.get("defaultMfaMethod")),
        system_preferred_methods=tuple(p for p in (preferred or ()) if isinstance(p, str)),
    )


def directory_from_json(document: Any, *, where: str = "directory") -> Directory:
    """Parse the ``directory`` object; InputError naming the key for anything malformed."""
    if not isinstance(document, dict):
        raise InputError(f"expected an object, got {type(document).__name__}", key=where)
    users = _rows(document.get("users"), user_from_graph, f"{where}.users")
    groups: dict[str, Group] = {}
    for index, body in enumerate(_list(document.get("groups") or [], f"{where}.groups")):
        key = f"{where}.groups[{index}]"
        obj = _obj(body, key)
        group_id = obj.get("id")
        if not isinstance(group_id, str) or not group_id:
            raise InputError("has no id", key=key)
        members = _obj(obj.get("members") or {}, f"{key}.members")
        groups[norm_id(group_id)] = Group(
            id=norm_id(group_id),
            display_name=_str(obj.get("displayName")),
            member_users=frozenset(norm_id(m) for m in _ids(members.get("users"), f"{key}.members.users")),
            member_groups=frozenset(norm_id(m) for m in _ids(members.get("groups"), f"{key}.members.groups")),
            exists=obj.get("exists") is not False,
        )
    registration = _rows(document.get("registration"), registration_from_graph, f"{where}.registration")
    problems = []
    for index, body in enumerate(_list(document.get("unavailable") or [], f"{where}.unavailable")):
        obj = _obj(body, f"{where}.unavailable[{index}]")
        try:
            kind = ProblemKind(obj.get("kind") or "error")
        except ValueError:
            kind = ProblemKind.ERROR
        problems.append(
            ReadProblem(
                what=str(obj.get("what") or "?"),
                kind=kind,
                reason=str(obj.get("reason") or ""),
                hint=_str(obj.get("hint")),
            )
        )
    return Directory(users=users, groups=groups, registration=registration, problems=tuple(problems))


R = TypeVar("R", DirectoryUser, RegistrationDetail)


def _rows(value: Any, parse: Callable[[Mapping[str, Any]], R | None], key: str) -> dict[str, R] | None:
    """A list of Graph-shaped rows → {id: record}; None stays None (not read)."""
    if value is None:
        return None
    rows: dict[str, R] = {}
    for index, body in enumerate(_list(value, key)):
        row = parse(_obj(body, f"{key}[{index}]"))
        if row is None:
            raise InputError("has no id", key=f"{key}[{index}]")
        rows[row.id] = row
    return rows


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"expected a list, got {type(value).__name__}", key=key)
    return value


def _obj(value: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"expected an object, got {type(value).__name__}", key=key)
    return value


def _ids(value: Any, key: str) -> list[str]:
    items = _list(value if value is not None else [], key)
    if not all(isinstance(i, str) for i in items):
        raise InputError("expected a list of id strings", key=key)
    return items
