"""The lock-out guard: would a plan leave users with no usable MFA method? Pure.

Asks the coverage model (:func:`mfaguard.coverage.lockout.users_left_without_method`) about the
policy as it is and as the plan would make it (:func:`mfaguard.enforce.plan.proposed_policy`). When the
directory data cannot answer (no registration report: licence or permission; a group not read) the
verdict says so — ``checked`` False with the reason — and never claims nobody is affected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mfaguard.enforce.plan import Plan, proposed_policy

if TYPE_CHECKING:
    from mfaguard.model.directory import Directory


@dataclass(frozen=True, slots=True)
class LockoutVerdict:
    checked: bool
    users: tuple[tuple[str, str], ...] = ()
    """``(userPrincipalName, reason)`` of every user the plan would leave without a usable method."""
    reason: str | None = None
    """Why the guard could not check (when ``checked`` is False)."""

    @property
    def blocks(self) -> bool:
        return self.checked and bool(self.users)

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "reason": self.reason,
            "users": [{"userPrincipalName": upn, "reason": why} for upn, why in self.users],
        }


def lockout_verdict(
    directory: Directory | None, policy_body: Mapping[str, Any], plan: Plan
) -> LockoutVerdict:
    """Users ``plan`` would lock out of MFA, judged from ``directory`` (None: not read)."""
    if directory is None:
        return LockoutVerdict(False, reason="the directory and registration report were not read")
    if plan.empty:
        return LockoutVerdict(True)
    from mfaguard.coverage.lockout import CoverageUnavailable, users_left_without_method
    from mfaguard.graph.parse import parse_policy

    current = parse_policy(policy_body)
    proposed = parse_policy(proposed_policy(policy_body, plan))
    try:
        affected = users_left_without_method(directory, current, proposed)
    except CoverageUnavailable as exc:
        return LockoutVerdict(False, reason=str(exc))
    users = tuple(sorted((user.user_principal_name, reason) for user, reason in affected))
    return LockoutVerdict(True, users)
