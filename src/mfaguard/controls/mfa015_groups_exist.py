"""MFA-015 — Every group the policy names exists.

Group ids are collected from every include and exclude target of every method configuration, the
Authenticator feature targets, the registration campaign, system-preferred MFA and report-suspicious-
activity (``all_users``, the zero GUID and user / role / administrative-unit targets are not groups).

- PASS: every group id resolves in the directory (or the policy names none).
- FAIL: one finding per group that does not exist (deleted or unknown), naming every place.
- ERROR: a group id the snapshot's directory data does not cover (it was not looked up), or the
  groups could not be read at all (``read_errors["groups"]``, e.g. a missing permission).
- NOT_APPLICABLE: the snapshot has no directory data (for example a Graph Explorer body).
"""

from __future__ import annotations

from mfaguard.model.policy import TenantSnapshot, named_groups
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from .base import POLICY_PATH, Control, Remediation, Result, maester, portal


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> list[Result]:
    read_error = snapshot.read_errors.get("groups")
    if read_error is not None:
        return [
            Result(
                Status.ERROR,
                f"The groups the policy names could not be read, so whether they exist cannot be "
                f"checked: {read_error}",
                evidence={"read_error": read_error},
            )
        ]
    if snapshot.groups is None:
        return [
            Result(
                Status.NOT_APPLICABLE,
                "The snapshot has no directory data, so whether the named groups exist cannot be "
                "checked; run a live audit or export a snapshot with mfaguard to include it.",
            )
        ]
    references = {key: list(group.places) for key, group in named_groups(snapshot.policy).items()}
    results: list[Result] = []
    unresolved: list[str] = []
    for group_id, places in references.items():
        info = snapshot.groups.get(group_id)
        if info is None:
            unresolved.append(group_id)
        elif not info.exists:
            results.append(
                Result(
                    Status.FAIL,
                    f"Group {info.id} does not exist in the directory (deleted or unknown) but is named "
                    f"in {'; '.join(places)}.",
                    resource=group_id,
                    evidence={"group": group_id, "places": places},
                )
            )
    if unresolved:
        results.append(
            Result(
                Status.ERROR,
                f"The snapshot's directory data does not cover {', '.join(unresolved)}, so whether they "
                "exist cannot be checked; re-export the snapshot.",
                evidence={"unresolved": unresolved},
            )
        )
    if not results:
        if len(references) > 1:
            detail = f"All {len(references)} groups the policy names exist."
        elif references:
            detail = "The one group the policy names exists."
        else:
            detail = "The policy names no groups (only all_users)."
        results.append(Result(Status.PASS, detail, evidence={"groups": sorted(references)}))
    return results


CONTROL = Control(
    id="MFA-015",
    title="Every group the policy names exists",
    severity=Severity.MEDIUM,
    rationale=(
        "A target that points at a deleted group silently does nothing: an include covers nobody, an "
        "exclusion meant for break-glass accounts protects nobody, and a group later restored or "
        "re-created with the same id could change who is covered without anyone editing the policy."
    ),
    remediation=Remediation(
        portal=portal(
            "Policies (each method), Settings and Registration campaign",
            "remove or replace targets that show an unknown group",
        ),
        method="PATCH",
        path=f"{POLICY_PATH}/authenticationMethodConfigurations/<method id>",
        body={
            "@odata.type": "<the method's @odata.type>",
            "includeTargets": [{"targetType": "group", "id": "<existing group id>"}],
        },
        note="target collections are replaced as a whole: send the full list without the missing group",
    ),
    references=(maester("MT.1067"),),
    statuses=frozenset({Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
