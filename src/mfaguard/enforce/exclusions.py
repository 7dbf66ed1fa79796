"""The baseline's ``exclusions: break_glass_only`` (MFA-014): which exclusions stay. Pure.

MFA-014 allows exclusions only of the break-glass groups (``break_glass_groups`` of the settings), in
the places it judges: the Authenticator method's ``excludeTargets``, the ``excludeTarget`` of its
number-matching, app-name and location features, ``systemCredentialPreferences.excludeTargets`` and
the registration campaign's ``excludeTargets``. With the key set, the planner keeps exactly the
break-glass groups there and drops every other group or user; the lock-out guard then judges the
result like any other change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mfaguard.model.policy import ZERO_GUID

BREAK_GLASS_ONLY = "break_glass_only"


def break_glass_ids(groups: Iterable[str]) -> frozenset[str]:
    """The break-glass group ids, lower-case (how they are compared)."""
    return frozenset(g.strip().lower() for g in groups if g and g.strip())


def _kept(target: Mapping[str, Any], keep: frozenset[str]) -> bool:
    kind = target.get("targetType") or "group"
    return kind == "group" and str(target.get("id", "")).lower() in keep


def kept_targets(targets: Any, keep: frozenset[str]) -> list[dict[str, Any]]:
    """An ``excludeTargets`` list with only the break-glass groups left (their entries unchanged)."""
    return [dict(t) for t in targets or () if isinstance(t, Mapping) and _kept(t, keep)]


def kept_exclude(exclude: Any, keep: frozenset[str]) -> dict[str, Any]:
    """A feature's single ``excludeTarget``: kept when it is a break-glass group (or no exclusion),
    otherwise the zero GUID (Graph's "no exclusion")."""
    if isinstance(exclude, Mapping):
        target_id = str(exclude.get("id", "")).lower()
        if target_id == ZERO_GUID or _kept(exclude, keep):
            return dict(exclude)
    return {"targetType": "group", "id": ZERO_GUID}
