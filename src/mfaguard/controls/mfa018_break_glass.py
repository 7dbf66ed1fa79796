"""MFA-018 — Every break-glass group is small and holds only administrators.

Break-glass groups are the ``break_glass_groups`` setting (the groups MFA-014 lets the policy
exclude). Whoever is in them escapes the MFA hardening, so they must hold the emergency-access
accounts and nobody else. Members are counted transitively (nested groups resolved).

- PASS: the group has at most ``break_glass_max_members`` users (default 4) and every one of them
  is an administrator according to the registration report.
- WARN: the group does not exist (deleted?): fix the setting.
- FAIL: more members than allowed, or ordinary users in it (not marked ``isAdmin``, guests
  included): one finding per group, naming them.
- ERROR: the group's members were not read, or the registration report was not read so whether
  the members are administrators is unknown (a size FAIL is still reported).
- NOT_APPLICABLE: no break-glass groups are configured, or the snapshot has no directory data.
"""

from __future__ import annotations

from mfaguard.coverage.resolve import Membership, group_label
from mfaguard.model.directory import Directory
from mfaguard.model.policy import TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._coverage import NO_DIRECTORY
from .base import Control, Remediation, Result, cis, cisa


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> list[Result]:
    groups = settings.break_glass_groups
    if not groups:
        return [Result(Status.NOT_APPLICABLE, "No break-glass groups are configured (break_glass_groups).")]
    directory = snapshot.directory
    if directory is None:
        return [Result(Status.NOT_APPLICABLE, NO_DIRECTORY)]
    membership = Membership(directory.groups)
    return [
        _judge(directory, membership, group_id.lower(), settings.break_glass_max_members)
        for group_id in groups
    ]


def _judge(directory: Directory, membership: Membership, group_id: str, limit: int) -> Result:
    group = directory.groups.get(group_id)
    label = group_label(directory.groups, group_id)
    if group is None:
        problem = directory.problem(f"group:{group_id}")
        why = problem.reason if problem else "it was not read"
        return Result(
            Status.ERROR,
            f"The members of break-glass group {label} are unknown ({why}).",
            resource=group_id,
        )
    if not group.exists:
        return Result(
            Status.WARN,
            f"Break-glass group {group_id} does not exist (deleted or unknown); fix break_glass_groups.",
            resource=group_id,
        )
    members = membership.members(group_id)
    unread = sorted(membership.unread_groups(group_id))
    users = directory.users or {}
    names = sorted(users[m].user_principal_name if m in users else m for m in members)
    evidence: dict[str, object] = {"members": names, "limit": limit}
    problems: list[str] = []
    if len(members) > limit:
        problems.append(f"has {len(members)} members, more than the {limit} allowed")
    registration = directory.registration
    if registration is None:
        if problems:
            return Result(
                Status.FAIL, f"Break-glass group {label} {problems[0]}.", resource=group_id, evidence=evidence
            )
        return Result(
            Status.ERROR,
            f"Whether the {len(members)} members of break-glass group {label} are administrators is unknown: "
            "the registration report could not be read.",
            resource=group_id,
            evidence=evidence,
        )
    ordinary = []
    for member in sorted(members):
        user = users.get(member)
        row = registration.get(member)
        guest = user is not None and user.is_guest
        if guest or row is None or not row.is_admin:
            if user is not None and not user.is_enabled:
                continue  # a disabled account cannot sign in; not an ordinary user slipping past MFA
            ordinary.append(user.user_principal_name if user is not None else member)
    if ordinary:
        shown = ", ".join(ordinary[:10]) + (f" and {len(ordinary) - 10} more" if len(ordinary) > 10 else "")
        problems.append(f"holds {len(ordinary)} ordinary (non-admin) users: {shown}")
        evidence["ordinary"] = ordinary
    if unread:
        evidence["unread_nested_groups"] = unread
    if problems:
        return Result(
            Status.FAIL,
            f"Break-glass group {label} " + "; ".join(problems) + ".",
            resource=group_id,
            evidence=evidence,
        )
    if unread:
        return Result(
            Status.ERROR,
            f"Break-glass group {label} nests groups whose members were not read: {', '.join(unread)}.",
            resource=group_id,
            evidence=evidence,
        )
    return Result(
        Status.PASS,
        f"Break-glass group {label} holds {len(members)} administrator account(s) (limit {limit}).",
        resource=group_id,
        evidence=evidence,
    )


CONTROL = Control(
    id="MFA-018",
    title="Every break-glass group is small and holds only administrators",
    severity=Severity.HIGH,
    rationale=(
        "Break-glass groups are excluded from the MFA hardening on purpose. Every ordinary user who "
        "lands in one — directly or through a nested group — silently loses number matching and "
        "sign-in context; a large group is an exclusion in disguise."
    ),
    remediation=Remediation(
        portal=(
            "Microsoft Entra admin center",
            "Entra ID",
            "Groups",
            "<break-glass group>",
            "Members: keep only the emergency-access accounts; remove nested groups",
        ),
        method="DELETE",
        path="/groups/<break-glass group id>/members/<user id>/$ref",
        body={},
        note="keep two emergency-access accounts, monitored, with phishing-resistant credentials",
    ),
    references=(cis("1.1.2"), cisa("MS.AAD.7.1v1")),
    statuses=frozenset({Status.PASS, Status.WARN, Status.FAIL, Status.NOT_APPLICABLE, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
