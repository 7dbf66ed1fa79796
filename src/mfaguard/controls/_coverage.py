"""What MFA-016..018 share: the coverage report of a snapshot, computed once per snapshot.

The report is a pure function of (policy, directory, number-matching mode); MFA-016 and MFA-017 both
need it, and at 100,000 users evaluating it twice would double the audit's cost, so the last one is
kept (by identity — the inputs are immutable).
"""

from __future__ import annotations

from mfaguard.coverage.evaluate import CoverageReport, UserCoverage, evaluate_coverage
from mfaguard.model.policy import TenantSnapshot
from mfaguard.model.report import Status
from mfaguard.model.settings import AuditSettings

from .base import Result

__all__ = ["COVERAGE_CONTROL_IDS", "NO_DIRECTORY", "coverage_report", "name_users", "user_evidence"]

COVERAGE_CONTROL_IDS = frozenset({"MFA-016", "MFA-017", "MFA-018"})
"""The controls that judge who is protected (they need the snapshot's directory data)."""

_LAST: list[tuple[object, object, str, CoverageReport]] = []

NO_DIRECTORY = (
    "No directory data was read (users, groups, registration report), so who is protected cannot be "
    "judged: audit live without --no-directory, run mfaguard coverage, or audit a snapshot exported "
    "with --with-directory."
)


def coverage_report(snapshot: TenantSnapshot, settings: AuditSettings) -> CoverageReport | Result:
    """The coverage report, or the NOT_APPLICABLE / ERROR result that says why there is none."""
    directory = snapshot.directory
    if directory is None:
        return Result(Status.NOT_APPLICABLE, NO_DIRECTORY)
    if directory.registration is None:
        problem = directory.problem("registration")
        why = f": {problem.reason}" if problem else ""
        hint = f" ({problem.hint})" if problem and problem.hint else ""
        return Result(
            Status.ERROR,
            f"The registration report could not be read{why}, so which methods people can use is "
            f"unknown{hint}.",
            evidence={"unavailable": [p.to_json() for p in directory.problems]},
        )
    mode = settings.number_matching
    for policy, direc, cached_mode, report in _LAST:
        if policy is snapshot.policy and direc is directory and cached_mode == mode:
            return report
    report = evaluate_coverage(snapshot.policy, directory, tenant=snapshot.tenant, number_matching_mode=mode)
    _LAST[:] = [(snapshot.policy, directory, mode, report)]
    return report


def name_users(users: tuple[UserCoverage, ...] | list[UserCoverage], limit: int = 10) -> str:
    """``a@x (phone_only), b@x (none)`` and ``… and N more`` past ``limit``."""
    shown = ", ".join(f"{u.user_principal_name} ({u.level.value})" for u in users[:limit])
    if len(users) > limit:
        shown += f" and {len(users) - limit} more"
    return shown


def user_evidence(
    users: tuple[UserCoverage, ...] | list[UserCoverage], limit: int = 100
) -> list[dict[str, object]]:
    """Machine-readable list for the finding (capped: the full list is `mfaguard coverage`'s job)."""
    return [
        {
            "id": u.id,
            "userPrincipalName": u.user_principal_name,
            "isAdmin": u.is_admin,
            "level": u.level.value,
        }
        for u in users[:limit]
    ]
