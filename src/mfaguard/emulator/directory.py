"""Directory data of a tenant: users, groups (nested), and authentication-method registration details.

Two implementations share one interface: :class:`ListDirectory` holds what a scenario file lists;
:class:`GeneratedDirectory` computes a large deterministic directory (the ``big`` scenario:
100,000 users, 2,000 nested groups) object by object from indexes, so nothing big is stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

USER_TYPE = "#microsoft.graph.user"
GROUP_TYPE = "#microsoft.graph.group"

USER_DEFAULT_PROPS = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)
"""What ``GET /users`` returns without ``$select`` (Graph's default user property set)."""

USER_PROPS = frozenset(
    {
        *USER_DEFAULT_PROPS,
        "accountEnabled",
        "userType",
        "createdDateTime",
        "department",
        "companyName",
        "onPremisesSyncEnabled",
        "otherMails",
        "usageLocation",
        "creationType",
        "externalUserState",
    }
)
GROUP_PROPS = frozenset(
    {
        "id",
        "displayName",
        "description",
        "mail",
        "mailEnabled",
        "mailNickname",
        "securityEnabled",
        "groupTypes",
        "membershipRule",
        "membershipRuleProcessingState",
        "createdDateTime",
        "isAssignableToRole",
        "visibility",
        "onPremisesSyncEnabled",
    }
)

STRONG_METHODS = frozenset(
    {
        "microsoftAuthenticatorPush",
        "microsoftAuthenticatorPasswordless",
        "softwareOneTimePasscode",
        "hardwareOneTimePasscode",
        "mobilePhone",
        "alternateMobilePhone",
        "officePhone",
        "fido2",
        "fido2SecurityKey",
        "passKeyDeviceBound",
        "passKeyDeviceBoundAuthenticator",
        "passKeyDeviceBoundWindowsHello",
        "passKeySynced",
        "windowsHelloForBusiness",
        "macOsSecureEnclaveKey",
    }
)
PASSWORDLESS_METHODS = frozenset(
    {
        "microsoftAuthenticatorPasswordless",
        "fido2",
        "fido2SecurityKey",
        "passKeyDeviceBound",
        "passKeyDeviceBoundAuthenticator",
        "passKeyDeviceBoundWindowsHello",
        "passKeySynced",
        "windowsHelloForBusiness",
        "macOsSecureEnclaveKey",
    }
)
SSPR_METHODS = frozenset(
    {
        "mobilePhone",
        "alternateMobilePhone",
        "officePhone",
        "email",
        "microsoftAuthenticatorPush",
        "softwareOneTimePasscode",
    }
)
_PREFERRED = {
    "microsoftAuthenticatorPush": "push",
    "softwareOneTimePasscode": "oath",
    "mobilePhone": "sms",
    "alternateMobilePhone": "voiceAlternateMobile",
    "officePhone": "voiceOffice",
}
_DEFAULT_MFA = {
    "push": "microsoftAuthenticatorPush",
    "oath": "softwareOneTimePasscode",
    "sms": "mobilePhone",
    "voiceMobile": "mobilePhone",
    "voiceAlternateMobile": "alternateMobilePhone",
    "voiceOffice": "officePhone",
}


def complete_registration(
    user: Mapping[str, Any], partial: Mapping[str, Any], *, updated: str
) -> dict[str, Any]:
    """A full userRegistrationDetails object (beta shape) from a user and the scenario's partial row.

    Flags the scenario leaves out are derived from ``methodsRegistered`` the way the report does.
    """
    methods = list(partial.get("methodsRegistered", []))
    strong = [m for m in methods if m in STRONG_METHODS]
    preferred = partial.get("userPreferredMethodForSecondaryAuthentication")
    if preferred is None:
        preferred = next((_PREFERRED[m] for m in methods if m in _PREFERRED), "none")
    system = partial.get("systemPreferredAuthenticationMethods")
    if system is None:
        system = [preferred] if preferred != "none" else []
    sspr = any(m in SSPR_METHODS for m in methods)
    out: dict[str, Any] = {
        "id": user["id"],
        "userPrincipalName": user.get("userPrincipalName"),
        "userDisplayName": user.get("displayName"),
        "userType": "guest" if str(user.get("userType", "Member")).lower() == "guest" else "member",
        "isAdmin": bool(partial.get("isAdmin", False)),
        "isSsprRegistered": partial.get("isSsprRegistered", sspr),
        "isSsprEnabled": partial.get("isSsprEnabled", sspr),
        "isSsprCapable": partial.get("isSsprCapable", sspr),
        "isMfaRegistered": partial.get("isMfaRegistered", bool(strong)),
        "isMfaCapable": partial.get("isMfaCapable", bool(strong)),
        "isPasswordlessCapable": partial.get(
            "isPasswordlessCapable", any(m in PASSWORDLESS_METHODS for m in methods)
        ),
        "methodsRegistered": methods,
        "isSystemPreferredAuthenticationMethodEnabled": partial.get(
            "isSystemPreferredAuthenticationMethodEnabled", True
        ),
        "systemPreferredAuthenticationMethods": system,
        "userPreferredMethodForSecondaryAuthentication": preferred,
        "defaultMfaMethod": partial.get("defaultMfaMethod", _DEFAULT_MFA.get(preferred, "none")),
        "lastUpdatedDateTime": partial.get("lastUpdatedDateTime", updated),
    }
    return out


class Directory:
    """Interface of a tenant directory (see the module docstring)."""

    def iter_users(self, start: int) -> Iterator[tuple[int, dict[str, Any]]]:
        raise NotImplementedError

    def user_count(self) -> int:
        return sum(1 for _ in self.iter_users(0))

    def user(self, key: str) -> dict[str, Any] | None:
        """A user by object id or userPrincipalName (case-insensitive)."""
        raise NotImplementedError

    def iter_groups(self, start: int) -> Iterator[tuple[int, dict[str, Any]]]:
        raise NotImplementedError

    def group(self, group_id: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def direct_members(self, group_id: str) -> Sequence[str]:
        """Object ids of the group's direct members (users and groups)."""
        raise NotImplementedError

    def iter_registrations(self, start: int) -> Iterator[tuple[int, dict[str, Any]]]:
        """Registration details of every user that has a row (disabled users included; callers filter)."""
        raise NotImplementedError

    def registration(self, user_id: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def object(self, object_id: str) -> dict[str, Any] | None:
        """A user or group (with ``@odata.type``) by id."""
        user = self.user(object_id)
        if user is not None and user.get("id") == object_id:
            return {"@odata.type": USER_TYPE, **user}
        group = self.group(object_id)
        if group is not None:
            return {"@odata.type": GROUP_TYPE, **group}
        return None

    def parent_groups(self, object_id: str) -> Sequence[str]:
        """Ids of the groups that have ``object_id`` as a direct member."""
        raise NotImplementedError

    def transitive_member_of(self, object_id: str) -> list[str]:
        """Every group ``object_id`` belongs to, directly or through nesting, each once."""
        seen: set[str] = set()
        order: list[str] = []
        queue = list(self.parent_groups(object_id))
        while queue:
            current = queue.pop(0)
            if current in seen:
                continue
            seen.add(current)
            order.append(current)
            queue.extend(self.parent_groups(current))
        return order

    def transitive_members(self, group_id: str) -> list[str]:
        """Every nested member id, breadth first, each once (groups included)."""
        seen: set[str] = {group_id}
        order: list[str] = []
        queue = [group_id]
        while queue:
            current = queue.pop(0)
            for member in self.direct_members(current):
                if member in seen:
                    continue
                seen.add(member)
                order.append(member)
                if self.group(member) is not None:
                    queue.append(member)
        return order

    def is_user(self, object_id: str) -> bool:
        user = self.user(object_id)
        return user is not None and user.get("id") == object_id


class ListDirectory(Directory):
    """A directory held in memory, as listed by a scenario file."""

    def __init__(
        self,
        users: Sequence[Mapping[str, Any]],
        groups: Sequence[Mapping[str, Any]],
        registrations: Sequence[Mapping[str, Any]],
        *,
        report_time: str,
    ) -> None:
        self.users: list[dict[str, Any]] = [dict(u) for u in users]
        self._by_id = {u["id"]: u for u in self.users}
        self._by_upn = {str(u.get("userPrincipalName", "")).lower(): u for u in self.users}
        self.groups: list[dict[str, Any]] = []
        self.members: dict[str, list[str]] = {}
        for raw in groups:
            group = {k: v for k, v in raw.items() if k != "members"}
            self.groups.append(group)
            self.members[group["id"]] = list(raw.get("members", []))
        self._groups_by_id = {g["id"]: g for g in self.groups}
        self._parents: dict[str, list[str]] = {}
        for gid, members in self.members.items():
            for member in members:
                self._parents.setdefault(member, []).append(gid)
        self.registrations: list[dict[str, Any]] = []
        for row in registrations:
            user = self._by_id.get(row["id"])
            if user is None:
                raise ValueError(f"registration detail for unknown user id {row['id']}")
            self.registrations.append(complete_registration(user, row, updated=report_time))
        self._reg_by_id = {r["id"]: r for r in self.registrations}

    def iter_users(self, start: int) -> Iterator[tuple[int, dict[str, Any]]]:
        for index in range(start, len(self.users)):
            yield index, self.users[index]

    def user(self, key: str) -> dict[str, Any] | None:
        return self._by_id.get(key) or self._by_upn.get(key.lower())

    def iter_groups(self, start: int) -> Iterator[tuple[int, dict[str, Any]]]:
        for index in range(start, len(self.groups)):
            yield index, self.groups[index]

    def group(self, group_id: str) -> dict[str, Any] | None:
        return self._groups_by_id.get(group_id)

    def direct_members(self, group_id: str) -> Sequence[str]:
        return self.members.get(group_id, ())

    def parent_groups(self, object_id: str) -> Sequence[str]:
        return self._parents.get(object_id, ())

    def iter_registrations(self, start: int) -> Iterator[tuple[int, dict[str, Any]]]:
        for index in range(start, len(self.registrations)):
            yield index, self.registrations[index]

    def registration(self, user_id: str) -> dict[str, Any] | None:
        return self._reg_by_id.get(user_id)


# ------------------------------------------------------------------------------- generated (big)

_USER_SUFFIX = "-4000-8000-0000b1600000"
_GROUP_SUFFIX = "-4000-9000-0000b1600000"
_METHOD_MIX: tuple[tuple[str, ...], ...] = (
    ("microsoftAuthenticatorPush", "softwareOneTimePasscode"),
    ("microsoftAuthenticatorPush",),
    ("mobilePhone",),
    ("microsoftAuthenticatorPush", "mobilePhone"),
    ("fido2", "microsoftAuthenticatorPush"),
    ("windowsHelloForBusiness", "microsoftAuthenticatorPush"),
    ("email",),
    (),
    ("microsoftAuthenticatorPasswordless", "microsoftAuthenticatorPush"),
    ("softwareOneTimePasscode",),
)


def _object_id(index: int, suffix: str) -> str:
    hexed = f"{index:012x}"
    return f"{hexed[:8]}-{hexed[8:12]}{suffix}"


def _index_of(object_id: str, suffix: str, total: int) -> int | None:
    """The index encoded in a generated object id, if it is one and within ``0..total-1``."""
    if len(object_id) != 36 or not object_id.endswith(suffix):
        return None
    try:
        index = int(object_id[:8] + object_id[9:13], 16)
    except ValueError:
        return None
    return index if 0 <= index < total else None


class GeneratedDirectory(Directory):
    """A deterministic synthetic directory computed from indexes (nothing large is stored).

    Users ``0..users-1``: every 40th is a guest, every 50th (offset 7) disabled, the first 25 are
    admins. Groups form a 10-ary tree (group j's parent is (j-1)//10, so it is ~4 levels deep);
    user i is a direct member of group ``i % groups``; group 0 therefore holds everyone transitively.
    """

    def __init__(
        self,
        *,
        users: int,
        groups: int,
        domain: str,
        seed: int,
        report_time: str,
        role_assignable: frozenset[int] = frozenset(),
    ) -> None:
        self.role_assignable = role_assignable
        self.user_total = users
        self.group_total = groups
        self.domain = domain
        self.seed = seed
        self.report_time = report_time
        self._children: dict[int, list[int]] = {}
        for j in range(1, groups):
            self._children.setdefault((j - 1) // 10, []).append(j)
        created = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
        self._created = created

    def _user_at(self, i: int) -> dict[str, Any]:
        guest = i % 40 == 3
        name = f"User {i:06d}"
        upn = f"guest{i:06d}_partner.example#EXT#@{self.domain}" if guest else f"user{i:06d}@{self.domain}"
        return {
            "id": _object_id(i, _USER_SUFFIX),
            "displayName": name,
            "givenName": "User",
            "surname": f"{i:06d}",
            "userPrincipalName": upn,
            "mail": f"guest{i:06d}@partner.example" if guest else upn,
            "jobTitle": "Administrator" if i < 25 else None,
            "businessPhones": [],
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": "en-US",
            "accountEnabled": i % 50 != 7,
            "userType": "Guest" if guest else "Member",
            "department": f"Department {i % 37}",
            "createdDateTime": (self._created + dt.timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def iter_users(self, start: int) -> Iterator[tuple[int, dict[str, Any]]]:
        for i in range(start, self.user_total):
            yield i, self._user_at(i)

    def user_count(self) -> int:
        return self.user_total

    def user(self, key: str) -> dict[str, Any] | None:
        index = _index_of(key, _USER_SUFFIX, self.user_total)
        if index is None:
            lowered = key.lower()
            for prefix in ("user", "guest"):
                if lowered.startswith(prefix) and lowered[len(prefix) : len(prefix) + 6].isdigit():
                    index = int(lowered[len(prefix) : len(prefix) + 6])
                    break
        if index is None or not 0 <= index < self.user_total:
            return None
        user = self._user_at(index)
        if key != user["id"] and key.lower() != user["userPrincipalName"].lower():
            return None
        return user

    def _group_at(self, j: int) -> dict[str, Any]:
        group: dict[str, Any] = {
            "id": _object_id(j, _GROUP_SUFFIX),
            "displayName": "All staff" if j == 0 else f"Team {j:04d}",
            "description": None,
            "mailEnabled": False,
            "mailNickname": f"team{j:04d}",
            "securityEnabled": True,
            "groupTypes": [],
            "createdDateTime": "2021-01-01T00:00:00Z",
        }
        if j in self.role_assignable:
            group["isAssignableToRole"] = True
        return group

    def iter_groups(self, start: int) -> Iterator[tuple[int, dict[str, Any]]]:
        for j in range(start, self.group_total):
            yield j, self._group_at(j)

    def group(self, group_id: str) -> dict[str, Any] | None:
        j = _index_of(group_id, _GROUP_SUFFIX, self.group_total)
        return None if j is None else self._group_at(j)

    def direct_members(self, group_id: str) -> Sequence[str]:
        j = _index_of(group_id, _GROUP_SUFFIX, self.group_total)
        if j is None:
            return ()
        members = [_object_id(c, _GROUP_SUFFIX) for c in self._children.get(j, [])]
        members.extend(_object_id(i, _USER_SUFFIX) for i in range(j, self.user_total, self.group_total))
        return members

    def parent_groups(self, object_id: str) -> Sequence[str]:
        user = _index_of(object_id, _USER_SUFFIX, self.user_total)
        if user is not None:
            return [_object_id(user % self.group_total, _GROUP_SUFFIX)] if self.group_total else []
        group = _index_of(object_id, _GROUP_SUFFIX, self.group_total)
        if group is None or group == 0:
            return []
        return [_object_id((group - 1) // 10, _GROUP_SUFFIX)]

    def _registration_at(self, i: int) -> dict[str, Any]:
        user = self._user_at(i)
        mix = _METHOD_MIX[(i * 7 + self.seed) % len(_METHOD_MIX)]
        return complete_registration(
            user, {"methodsRegistered": list(mix), "isAdmin": i < 25}, updated=self.report_time
        )

    def iter_registrations(self, start: int) -> Iterator[tuple[int, dict[str, Any]]]:
        for i in range(start, self.user_total):
            yield i, self._registration_at(i)

    def registration(self, user_id: str) -> dict[str, Any] | None:
        index = _index_of(user_id, _USER_SUFFIX, self.user_total)
        return None if index is None else self._registration_at(index)

    def user_id(self, i: int) -> str:
        """The object id of generated user ``i``."""
        return _object_id(i, _USER_SUFFIX)

    def group_id(self, j: int) -> str:
        """The object id of generated group ``j`` (scenario policies refer to them by index)."""
        return _object_id(j, _GROUP_SUFFIX)


def stable_uuid(*parts: str) -> str:
    """A deterministic GUID from names (scenarios use it for derived tenants and apps)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "mfaguard-emulator:" + ":".join(parts)))
