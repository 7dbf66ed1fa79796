"""Who a Conditional Access policy targets: users, nested groups, active roles, guest types.

Every user is reduced to a :class:`Profile` — how they stand towards each target any policy names
(their path into each named group, their active roles and how they hold them, their guest type,
whether a policy names them directly). Users with the same profile are the same to every policy,
so the engine evaluates each profile once. Profiles are built by inverting the named groups' and
roles' member maps (cost: the sum of those sizes, not users × groups).

Matching is three-valued: a target matches, does not, or *might* (a group whose nested members were
not all read, a role when the role assignments could not be read, a guest condition limited to
enumerated external tenants). Exclusion wins: excluded for sure → excluded; might be excluded or
might be included → unknown (DESIGN §10: never a guess).

Who is who (DESIGN §10): members are ``userType`` Member without ``#EXT#`` in the UPN; Guest with
``#EXT#`` → ``b2bCollaborationGuest``; Guest without → ``internalGuest``; Member with ``#EXT#`` →
``b2bCollaborationMember``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum

from mfaguard.coverage.resolve import Membership, Path
from mfaguard.model.conditional_access import (
    ALL,
    GUEST_TYPES,
    GUESTS_OR_EXTERNAL_USERS,
    NONE,
    ConditionalAccessPolicy,
    GuestsOrExternalUsers,
    RoleAssignment,
    role_name,
)
from mfaguard.model.directory import DirectoryUser, Group, norm_id

__all__ = [
    "NO_PROFILE",
    "Applicability",
    "Applies",
    "Profile",
    "Targets",
    "chain",
    "guest_type",
]

B2B_GUEST = "b2bCollaborationGuest"
INTERNAL_GUEST = "internalGuest"
B2B_MEMBER = "b2bCollaborationMember"


def guest_type(user: DirectoryUser) -> str | None:
    """The CA guest type of a user, or None for a member (DESIGN §10 "who is who")."""
    external = "#ext#" in user.user_principal_name.lower()
    if user.is_guest:
        return B2B_GUEST if external else INTERNAL_GUEST
    return B2B_MEMBER if external else None


RoleVia = Path
"""How a user holds a role: ``()`` directly, else the path into the group the role is assigned to."""


@dataclass(frozen=True, slots=True)
class Profile:
    """How one user stands towards every target the policies name (hashable: the cache key)."""

    guest_type: str | None
    user_ref: str | None
    """The user's id when some policy names them directly, else None."""
    groups: tuple[tuple[int, Path], ...]
    """(index of a named group, the path into it), by index."""
    roles: tuple[tuple[str, RoleVia], ...]
    """(named role id, how it is held), by role id."""
    synthetic: bool = False
    """MFA-019's made-up member: in no group and no role *for certain*, even where reads were incomplete."""


NO_PROFILE = Profile(None, None, (), (), synthetic=True)
"""A member in no group, holding no role, named by no policy (MFA-019's synthetic member)."""


class Applies(Enum):
    """Whether a policy's user condition takes a user in."""

    YES = "applies"
    NO = "not included"
    EXCLUDED = "excluded"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Applicability:
    """Whether a policy's user condition takes a profile in: ``via`` says how, ``why`` why not."""

    state: Applies
    via: str = ""
    why: str = ""


def chain(groups: Mapping[str, Group], path: Path) -> str:
    """``group G3 ← nested in G2 ← nested in G1``: read from the user upwards to the named group."""
    names = [_group_name(groups, g) for g in reversed(path)]
    return "group " + " ← nested in ".join(names)


def _group_name(groups: Mapping[str, Group], group_id: str) -> str:
    group = groups.get(group_id)
    return group.display_name if group is not None and group.display_name else group_id


# One target matched: True (with how), None (might: with why), False.
_Match = tuple[bool | None, str]


class Targets:
    """Every target the policies name, resolved against one directory and its role assignments."""

    def __init__(
        self,
        policies: Iterable[ConditionalAccessPolicy],
        membership: Membership,
        assignments: tuple[RoleAssignment, ...] | None,
        *,
        users: Mapping[str, DirectoryUser] | None = None,
        extra_roles: Iterable[str] = (),
    ) -> None:
        self.membership = membership
        self.groups = membership.groups
        group_ids: set[str] = set()
        role_ids: set[str] = {r.lower() for r in extra_roles}
        refs: set[str] = set()
        for policy in policies:
            conditions = policy.conditions.users
            if conditions is None:
                continue
            group_ids.update(norm_id(g) for g in (*conditions.include_groups, *conditions.exclude_groups))
            role_ids.update(r.lower() for r in (*conditions.include_roles, *conditions.exclude_roles))
            refs.update(
                norm_id(u)
                for u in (*conditions.include_users, *conditions.exclude_users)
                if u.lower() not in _SPECIAL_USERS
            )
        self.group_index = {g: i for i, g in enumerate(sorted(group_ids))}
        self.unread_groups = frozenset(g for g in group_ids if membership.unread_groups(g))
        self.user_refs = frozenset(refs)
        self.roles_readable = assignments is not None
        self.role_holders, self.uncertain_roles = _role_holders(
            role_ids, assignments or (), membership, users
        )

    def profile(self, user: DirectoryUser) -> Profile:
        """One user's profile (the slow path; :meth:`profiles` does many at once)."""
        uid = user.id
        groups = tuple(
            (index, path)
            for group_id, index in sorted(self.group_index.items(), key=lambda item: item[1])
            if (path := self.membership.members(group_id).get(uid)) is not None
        )
        roles = tuple(
            (role, holders[uid]) for role, holders in sorted(self.role_holders.items()) if uid in holders
        )
        return Profile(guest_type(user), uid if uid in self.user_refs else None, groups, roles)

    def profiles(self, users: Iterable[DirectoryUser]) -> Iterator[tuple[DirectoryUser, Profile]]:
        """Each user with their profile, building the memberships once for all of them."""
        in_groups: defaultdict[str, list[tuple[int, Path]]] = defaultdict(list)
        for group_id, index in sorted(self.group_index.items(), key=lambda item: item[1]):
            for uid, path in self.membership.members(group_id).items():
                in_groups[uid].append((index, path))
        in_roles: defaultdict[str, list[tuple[str, RoleVia]]] = defaultdict(list)
        for role, holders in sorted(self.role_holders.items()):
            for uid, via in holders.items():
                in_roles[uid].append((role, via))
        refs = self.user_refs
        empty: tuple[()] = ()
        shared: dict[tuple[object, ...], Profile] = {}
        for user in users:
            uid = user.id
            groups = in_groups.get(uid)
            roles = in_roles.get(uid)
            kind = guest_type(user)
            ref = uid if uid in refs else None
            held = tuple(groups) if groups else empty
            holds = tuple(roles) if roles else empty
            # One object per distinct profile (a plain tuple hashes faster than the dataclass).
            key = (kind, ref, held, holds)
            profile = shared.get(key)
            if profile is None:
                profile = shared[key] = Profile(kind, ref, held, holds)
            yield user, profile

    # -- matching ---------------------------------------------------------------------------------

    def applicability(self, policy: ConditionalAccessPolicy, profile: Profile) -> Applicability:
        """Whether ``policy``'s user condition takes ``profile`` in (exclusion wins)."""
        conditions = policy.conditions.users
        if conditions is None:
            return Applicability(Applies.NO, why="it names no users")
        excluded, ex_how = self._side(
            profile,
            conditions.exclude_users,
            conditions.exclude_groups,
            conditions.exclude_roles,
            conditions.exclude_guests_or_external_users,
            include=False,
        )
        if excluded is True:
            return Applicability(Applies.EXCLUDED, via=ex_how)
        included, in_how = self._side(
            profile,
            conditions.include_users,
            conditions.include_groups,
            conditions.include_roles,
            conditions.include_guests_or_external_users,
            include=True,
        )
        if excluded is None and included is not False:
            return Applicability(Applies.UNKNOWN, why=f"the user might be excluded: {ex_how}")
        if included is True:
            return Applicability(Applies.YES, via=in_how)
        if included is None:
            return Applicability(Applies.UNKNOWN, why=f"the user might be included: {in_how}")
        return Applicability(Applies.NO, why=_not_included(conditions.include_users))

    def _side(
        self,
        profile: Profile,
        users: tuple[str, ...],
        groups: tuple[str, ...],
        roles: tuple[str, ...],
        guests: GuestsOrExternalUsers | None,
        *,
        include: bool,
    ) -> _Match:
        maybe: list[str] = []
        for value in users:
            low = value.lower()
            if low == ALL.lower() and include:
                return True, "all users"
            if low == GUESTS_OR_EXTERNAL_USERS.lower():
                if profile.guest_type is not None:
                    return True, f"guest type {profile.guest_type}"
            elif low != NONE.lower() and profile.user_ref is not None and norm_id(value) == profile.user_ref:
                return True, "user"
        held = dict(profile.groups)
        for group_id in groups:
            key = norm_id(group_id)
            index = self.group_index.get(key)
            path = held.get(index) if index is not None else None
            if path is not None:
                return True, chain(self.groups, path)
            if key in self.unread_groups and not profile.synthetic:
                maybe.append(f"the members of group {_group_name(self.groups, key)} were not all read")
        roles_held = dict(profile.roles)
        for role in roles:
            key = role.lower()
            via = roles_held.get(key)
            if via is not None:
                how = f"role {role_name(key)}"
                return True, how if not via else f"{how} via {chain(self.groups, via)}"
            if profile.synthetic:
                continue
            if not self.roles_readable:
                maybe.append(f"role {role_name(key)}: role assignments could not be read")
            elif key in self.uncertain_roles:
                maybe.append(f"role {role_name(key)}: {self.uncertain_roles[key]}")
        if guests is not None:
            matched, why = _guest_match(guests, profile.guest_type)
            if matched is True:
                return True, why
            if matched is None:
                maybe.append(why)
        if maybe:
            return None, "; ".join(maybe)
        return False, ""


_SPECIAL_USERS = frozenset({ALL.lower(), NONE.lower(), GUESTS_OR_EXTERNAL_USERS.lower()})


def _not_included(include_users: tuple[str, ...]) -> str:
    if any(u.lower() == NONE.lower() for u in include_users):
        return "it includes nobody (None)"
    return "the user is in none of its include targets"


def _guest_match(condition: GuestsOrExternalUsers, user_type: str | None) -> _Match:
    if user_type is None:
        return False, ""
    types = condition.guest_or_external_user_types
    if user_type in types:
        kind = condition.membership_kind
        if kind is None or kind == "all":
            return True, f"guest type {user_type}"
        if kind == "enumerated":
            return None, f"guest type {user_type} of enumerated external tenants (home tenant not read)"
        return None, f"guest type {user_type} with externalTenants.membershipKind {kind!r}"
    unknown = [t for t in types if t not in GUEST_TYPES]
    if unknown:
        return None, f"guest types {', '.join(unknown)} are not known to mfaguard"
    return False, ""


def _role_holders(
    role_ids: set[str],
    assignments: tuple[RoleAssignment, ...],
    membership: Membership,
    users: Mapping[str, DirectoryUser] | None,
) -> tuple[dict[str, dict[str, RoleVia]], dict[str, str]]:
    """For each named role: who holds it actively at ``/`` and how; and roles only partly known."""
    holders: dict[str, dict[str, RoleVia]] = {role: {} for role in role_ids}
    uncertain: dict[str, str] = {}
    groups = membership.groups
    for assignment in assignments:
        role = assignment.role_definition_id.lower()
        if role not in holders or not assignment.at_directory_scope:
            continue
        principal = norm_id(assignment.principal_id)
        kind = (assignment.principal_type or "").lower()
        is_group = kind == "group" or (not kind and principal in groups)
        if is_group:
            for uid, path in membership.members(principal).items():
                holders[role].setdefault(uid, path)
            if membership.unread_groups(principal):
                uncertain[role] = f"the members of group {_group_name(groups, principal)} were not all read"
        elif kind in ("", "user") and (users is None or principal in users or kind == "user"):
            holders[role][principal] = ()
    return holders, uncertain
