"""Frozen directory data that coverage judges: users, groups with nested membership, registrations.

Built by :mod:`mfaguard.read.directory` from Graph (or from a snapshot file by
:mod:`mfaguard.read.directory_json`) and never mutated. Ids are kept lower-case and interned so the
same id string is shared by the user map, every group's member set and the registration map: at
100,000 users that sharing is most of the memory budget.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Level(StrEnum):
    """Protection levels of DESIGN §9, strongest first."""

    PHISHING_RESISTANT = "phishing_resistant"
    PUSH_WITH_CONTEXT = "push_with_context"
    PUSH = "push"
    OTP = "otp"
    PHONE_ONLY = "phone_only"
    NONE = "none"

    @property
    def rank(self) -> int:
        """Higher is stronger (none=0 … phishing_resistant=5)."""
        return _LEVEL_RANK[self]

    def at_least(self, other: Level) -> bool:
        return self.rank >= other.rank


LEVELS: tuple[Level, ...] = tuple(Level)
"""All levels, strongest first (the order of every report)."""

_LEVEL_RANK = {level: len(LEVELS) - 1 - index for index, level in enumerate(LEVELS)}


def norm_id(value: str) -> str:
    """The canonical (lower-case, interned) form of a directory object id."""
    return sys.intern(value.lower())


_METHOD_SETS: dict[frozenset[str], frozenset[str]] = {}


def intern_methods(methods: Iterable[str]) -> frozenset[str]:
    """One shared frozenset per distinct ``methodsRegistered`` combination (there are few)."""
    key = frozenset(sys.intern(m) for m in methods)
    return _METHOD_SETS.setdefault(key, key)


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    """A user object (``/users`` with ``$select=id,userPrincipalName,displayName,accountEnabled,userType``)."""

    id: str
    user_principal_name: str
    display_name: str | None = None
    account_enabled: bool | None = True
    """None when Graph did not say; treated as enabled (the listing asks for enabled users)."""
    user_type: str | None = "Member"
    """``Member`` or ``Guest`` as ``/users`` spells it (the report spells it ``member``/``guest``)."""

    @property
    def is_guest(self) -> bool:
        return (self.user_type or "").lower() == "guest"

    @property
    def is_enabled(self) -> bool:
        return self.account_enabled is not False

    def label(self) -> str:
        return self.user_principal_name or self.id


@dataclass(frozen=True, slots=True)
class RegistrationDetail:
    """One row of ``/reports/authenticationMethods/userRegistrationDetails``."""

    id: str
    user_principal_name: str | None = None
    is_admin: bool | None = None
    methods_registered: frozenset[str] = frozenset()
    is_mfa_registered: bool | None = None
    user_type: str | None = None
    default_mfa_method: str | None = None
    system_preferred_methods: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Group:
    """A group with its *direct* members; nesting is resolved by :mod:`mfaguard.coverage.resolve`.

    When only a flat transitive listing was available, ``member_users`` holds it and
    ``member_groups`` is empty: membership is still right, the reason chain is just shorter.
    """

    id: str
    display_name: str | None = None
    member_users: frozenset[str] = frozenset()
    member_groups: frozenset[str] = frozenset()
    exists: bool = True
    """False when Graph answered 404 (a deleted group the policy still names)."""

    def label(self) -> str:
        if self.display_name:
            return f"'{self.display_name}' ({self.id})"
        return self.id


class ProblemKind(StrEnum):
    """Why part of the directory could not be read."""

    LICENSE = "license"
    PERMISSION = "permission"
    THROTTLED = "throttled"
    NOT_FOUND = "not_found"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """Something that could not be read, and why (shown by every output, never hidden)."""

    what: str
    """``users``, ``registration``, ``group:<id>``, or a part of the policy read (``groups``)."""
    kind: ProblemKind
    reason: str
    hint: str | None = None

    @property
    def refused(self) -> bool:
        """The tenant lacks a licence or the app a permission: a fact about the tenant the affected
        controls judge (ERROR naming what to grant), not a read that failed."""
        return self.kind in (ProblemKind.LICENSE, ProblemKind.PERMISSION)

    def sentence(self) -> str:
        """``could not read <what>: <reason>`` — the one line every command warns with."""
        return f"could not read {self.what}: {self.reason}"

    def to_json(self) -> dict[str, str | None]:
        return {"what": self.what, "kind": self.kind.value, "reason": self.reason, "hint": self.hint}


@dataclass(frozen=True, slots=True)
class Directory:
    """What coverage knows about a tenant's people. Mappings are keyed by :func:`norm_id` ids."""

    users: Mapping[str, DirectoryUser] | None
    """Enabled users (and any disabled ones the source included); None when ``/users`` was unreadable."""
    groups: Mapping[str, Group]
    """Every group the policy names plus every group nested in them."""
    registration: Mapping[str, RegistrationDetail] | None
    """None when the registration report was unreadable (licence, permission): levels unknown."""
    problems: tuple[ReadProblem, ...] = ()
    requests: Mapping[str, int] = field(default_factory=dict, compare=False)
    """Diagnostics from collection (requests per kind); not part of the data."""

    @property
    def complete(self) -> bool:
        """True when users and the registration report were both read."""
        return self.users is not None and self.registration is not None

    def problem(self, what: str) -> ReadProblem | None:
        for problem in self.problems:
            if problem.what == what:
                return problem
        return None

    def find_user(self, key: str) -> DirectoryUser | None:
        """A user by object id or UPN (case-insensitive); falls back to registration rows."""
        wanted = key.strip().lower()
        users = self.users or {}
        if wanted in users:
            return users[wanted]
        for user in users.values():
            if user.user_principal_name.lower() == wanted:
                return user
        for row in (self.registration or {}).values():
            if row.id == wanted or (row.user_principal_name or "").lower() == wanted:
                return DirectoryUser(
                    id=row.id,
                    user_principal_name=row.user_principal_name or row.id,
                    user_type="Guest" if (row.user_type or "").lower() == "guest" else "Member",
                    account_enabled=None,
                )
        return None
