"""The lock-out guard's question: which users would a planned policy change leave with no usable method?

Pure: the directory, the policy as it is and the policy as the plan would make it. Used by
``apply`` (safe change) to refuse a change that locks people out (DESIGN §5).
"""

from __future__ import annotations

from mfaguard.coverage.evaluate import PolicyView
from mfaguard.coverage.resolve import Membership
from mfaguard.errors import MfaguardError
from mfaguard.model.directory import Directory, DirectoryUser, Level
from mfaguard.model.policy import AuthenticationMethodsPolicy, coverage_group_ids


class CoverageUnavailable(MfaguardError):
    """The directory data cannot answer the question (report unreadable, group not read)."""


def users_left_without_method(
    directory: Directory,
    current_policy: AuthenticationMethodsPolicy,
    proposed_policy: AuthenticationMethodsPolicy,
) -> list[tuple[DirectoryUser, str]]:
    """Enabled users (members and guests) who can use an MFA method now and could not after the change.

    Each comes with a reason naming what they registered and why none of it stays usable. Users
    absent from the registration report have no known method either way and are not listed.

    Raises :class:`CoverageUnavailable` when the answer cannot be trusted: the registration report
    was not read, or the proposed policy names a group whose members were not read (collect it
    first, e.g. a new pilot group).
    """
    if directory.registration is None:
        problem = directory.problem("registration")
        raise CoverageUnavailable(
            "cannot tell who a change would lock out: the registration report was not read"
            + (f" ({problem.reason})" if problem else ""),
            hint=problem.hint if problem else "collect the directory with the registration report first",
        )
    missing = sorted(g for g in coverage_group_ids(proposed_policy) if g not in directory.groups)
    if missing:
        raise CoverageUnavailable(
            f"cannot tell who a change would lock out: the members of group(s) {', '.join(missing)} were not read",
            hint="collect the directory for the proposed policy's groups (coverage.collect.collect_directory)",
        )
    membership = Membership(directory.groups)
    # Lock-out is about which methods stay usable; number matching does not change that.
    before = PolicyView(current_policy, membership)
    after = PolicyView(proposed_policy, membership)
    users = directory.users
    if users is None:
        population = [
            DirectoryUser(id=row.id, user_principal_name=row.user_principal_name or row.id)
            for row in directory.registration.values()
        ]
    else:
        population = [u for u in users.values() if u.is_enabled]
    affected: list[tuple[DirectoryUser, str]] = []
    for user in population:
        row = directory.registration.get(user.id)
        if row is None:
            continue
        now = before.outcome(user.id, row.methods_registered)
        if now.level is Level.NONE:
            continue
        later = after.outcome(user.id, row.methods_registered)
        if later.level is not Level.NONE:
            continue
        registered = ", ".join(sorted(row.methods_registered)) or "nothing"
        lost = "; ".join(r for r in later.reasons[1:] if ": not usable — " in r)
        affected.append(
            (
                user,
                f"registered {registered}; today {now.level.value}, after the change nothing usable"
                + (f" ({lost})" if lost else ""),
            )
        )
    affected.sort(key=lambda pair: pair[0].user_principal_name.lower())
    return affected
