"""Transitive group membership and policy-target resolution, with the chain that explains it.

Membership of a group is resolved once (breadth-first over nested groups) into a map
``user id -> path``, where the path is the chain of groups from the named group down to the group
the user is a direct member of. Breadth-first means the path is a shortest one, and every user
reached through the same nested group shares one path tuple, so the maps stay small.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from mfaguard.model.directory import Group, norm_id
from mfaguard.model.policy import ALL_USERS, ZERO_GUID

Path = tuple[str, ...]
"""Group ids from the policy-named group down to the user's direct group; ``(ALL_USERS,)`` for all."""

ALL_USERS_PATH: Path = (ALL_USERS,)


class Membership:
    """Transitive membership of the groups in one :class:`~mfaguard.model.directory.Directory`.

    Resolution is lazy per group and cached, so the cost is paid once per named group no matter
    how many users are evaluated.
    """

    def __init__(self, groups: Mapping[str, Group]) -> None:
        self._groups = groups
        self._paths: dict[str, dict[str, Path]] = {}
        self._unread: dict[str, frozenset[str]] = {}

    @property
    def groups(self) -> Mapping[str, Group]:
        return self._groups

    def members(self, group_id: str) -> Mapping[str, Path]:
        """Every user transitively in ``group_id`` with the path that makes them a member."""
        key = norm_id(group_id)
        cached = self._paths.get(key)
        if cached is None:
            cached, unread = self._resolve(key)
            self._paths[key] = cached
            self._unread[key] = unread
        return cached

    def unread_groups(self, group_id: str) -> frozenset[str]:
        """Groups in the nesting tree of ``group_id`` whose members were not read (incomplete data)."""
        self.members(group_id)
        return self._unread[norm_id(group_id)]

    def path(self, target_id: str, user_id: str) -> Path | None:
        """Why ``user_id`` is in ``target_id`` (``all_users`` admits everyone), or None if not."""
        if target_id.lower() == ALL_USERS:
            return ALL_USERS_PATH
        if target_id == ZERO_GUID:
            return None
        return self.members(target_id).get(user_id)

    def _resolve(self, root: str) -> tuple[dict[str, Path], frozenset[str]]:
        result: dict[str, Path] = {}
        unread: set[str] = set()
        seen = {root}
        queue: deque[tuple[str, Path]] = deque([(root, (root,))])
        while queue:
            group_id, path = queue.popleft()
            group = self._groups.get(group_id)
            if group is None:
                unread.add(group_id)
                continue
            for user_id in group.member_users:
                # setdefault keeps the first (shortest) path found.
                result.setdefault(user_id, path)
            for child in sorted(group.member_groups):  # sorted: same input, same chain
                if child not in seen:
                    seen.add(child)
                    queue.append((child, (*path, child)))
        return result, frozenset(unread)


def group_label(groups: Mapping[str, Group], group_id: str) -> str:
    """``'Name' (id)`` when the name is known, else the id."""
    group = groups.get(group_id)
    return group.label() if group is not None else group_id


def describe_path(groups: Mapping[str, Group], path: Path) -> str:
    """``group 'X' (id) ← nested in 'Y' ← nested in 'Z'`` (or ``all_users``)."""
    if path == ALL_USERS_PATH:
        return "all_users"
    head = f"group {group_label(groups, path[0])}"
    nested = [_short_label(groups, g) for g in path[1:]]
    return " ← nested in ".join([head, *nested])


def _short_label(groups: Mapping[str, Group], group_id: str) -> str:
    group = groups.get(group_id)
    if group is not None and group.display_name:
        return f"'{group.display_name}'"
    return group_id
