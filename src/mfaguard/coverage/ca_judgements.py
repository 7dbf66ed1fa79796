"""Pure judgements of the Conditional Access controls MFA-019..MFA-025 (DESIGN §10).

Each ``judge_mfa0NN(context)`` returns a :class:`Judgement` (status, detail sentences, evidence); the
control modules wrap it into a :class:`~mfaguard.controls.base.Result`. Build one
:class:`CaContext` per snapshot (:func:`ca_context`) so the policies are compiled once for all seven.

Shared rules:
- no CA data (an older snapshot) → NOT_APPLICABLE with the reason;
- policies unreadable (permission, or any error other than the licence error; a permission error
  wins over a licence one) → ERROR naming it;
- no Entra ID P1 (the licence error, or ``subscribedSkus`` without AAD_PREMIUM): security defaults
  off → MFA-019..024 FAIL with "Conditional Access needs Entra ID P1", MFA-025 FAIL; on → MFA-019
  WARN, MFA-021 PASS, MFA-020/022/023/024 FAIL, MFA-025 WARN;
- a policy is *counted* (MFA-020/022/023) only when enabled on All resources with no platform,
  location, client-app, device-filter or authentication-flow narrowing (risk levels allowed for
  022/023 only);
- report-only policies that would pass are named in the FAIL detail ("… is report-only since …").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from mfaguard.coverage.ca_applicability import NO_PROFILE, Applies
from mfaguard.coverage.ca_judge_base import (
    NO_CA_DATA,
    P1_HINT,
    CaContext,
    CaSettings,
    Judgement,
    ca_context,
    exclusions,
    fail,
    includes_all,
    no_p1_fail,
    preflight,
    since,
)
from mfaguard.coverage.ca_policy_checks import (
    judge_mfa020,
    judge_mfa021,
    judge_mfa022,
    judge_mfa023,
    judge_mfa024,
)
from mfaguard.coverage.requirement import PROTECTED, Mode, Requirement, UserRequirement
from mfaguard.coverage.resolve import Membership
from mfaguard.model.conditional_access import ConditionalAccessData
from mfaguard.model.directory import Directory
from mfaguard.model.report import Status

__all__ = [
    "CA_CONTROL_IDS",
    "JUDGES",
    "NO_CA_DATA",
    "P1_HINT",
    "CaContext",
    "CaSettings",
    "Judgement",
    "ca_context",
    "judge_all",
    "judge_mfa019",
    "judge_mfa020",
    "judge_mfa021",
    "judge_mfa022",
    "judge_mfa023",
    "judge_mfa024",
    "judge_mfa025",
]

CA_CONTROL_IDS = ("MFA-019", "MFA-020", "MFA-021", "MFA-022", "MFA-023", "MFA-024", "MFA-025")

NAMED = 10
"""How many users a detail names before saying "and N more"."""


# -- MFA-019 ---------------------------------------------------------------------------------------


def judge_mfa019(context: CaContext) -> Judgement:
    """A CA policy requires MFA for all users on all resources (the synthetic member)."""
    pre = preflight(context, needs_defaults=True)
    if isinstance(pre, Judgement):
        return pre
    engine = pre
    if engine.mode is Mode.SECURITY_DEFAULTS:
        licence = f" (no Entra ID P1: {P1_HINT})" if engine.p1_missing else ""
        return Judgement(
            Status.WARN,
            f"Security defaults are on and no Conditional Access policy is enabled{licence}: admins must "
            "do MFA, other users are prompted only when Microsoft decides it is necessary.",
            {"security_defaults": True},
        )
    if engine.p1_missing:
        return no_p1_fail("No Conditional Access applies and security defaults are off")
    everyone = tuple(i for i in engine.enforced if includes_all(engine.policies[i]))
    rehearsal = tuple(i for i in engine.report_only if includes_all(engine.policies[i]))
    active, _ = engine.active(NO_PROFILE, everyone)
    cell = engine.combine(active)
    outcome = engine.ca_outcome(NO_PROFILE, everyone)
    those = [
        i
        for i, uncertain in sorted(active)
        if not uncertain and (engine.compiled[i].require | engine.compiled[i].block)
    ]
    evidence: dict[str, Any] = {
        "requirement": outcome.requirement.value,
        "strict": outcome.strict,
        "reasons": list(outcome.reasons),
        "policies": [engine.policies[i].name for i in those],
    }
    requirement = outcome.requirement
    if requirement is Requirement.UNKNOWN:
        return Judgement(
            Status.ERROR,
            f"Whether all users must do MFA is unknown: {', '.join(outcome.reasons)}.",
            evidence,
        )
    if requirement in (Requirement.MFA, Requirement.PHISHING_RESISTANT):
        concerns: list[str] = []
        if not outcome.strict:
            concerns.append("an alternative control stands beside MFA (not strict)")
        for index in those:
            policy = engine.policies[index]
            excluded = exclusions(engine, policy, context.settings)
            if excluded:
                concerns.append(f"{policy.label()} excludes {', '.join(excluded)}")
            exempt = engine.compiled[index].trusted_exempt
            if exempt:
                concerns.append(f"{policy.label()} exempts trusted locations ({exempt})")
        names = ", ".join(engine.policies[i].label() for i in those)
        if concerns:
            evidence["concerns"] = concerns
            return Judgement(
                Status.WARN, f"All users must do MFA ({names}), but {'; '.join(concerns)}.", evidence
            )
        return Judgement(
            Status.PASS, f"All users must do {requirement.value} on every sign-in ({names}).", evidence
        )
    open_nothing = cell.nothing or cell.open
    would = [
        since(engine.policies[j], engine.now)
        for j in rehearsal
        if engine.applicability(j, NO_PROFILE).state is Applies.YES
        and (engine.compiled[j].require | engine.compiled[j].block) & open_nothing
    ]
    if not everyone and not engine.enforced:
        detail = (
            "No enabled Conditional Access policy requires MFA for all users, and security defaults are off."
        )
    elif requirement is Requirement.BLOCKED:
        detail = "The policies for all users block every sign-in, so none requires MFA."
    else:
        detail = (
            "No enabled policy for all users requires MFA on every sign-in: a member in no group and no "
            f"role is {requirement.value} ({', '.join(outcome.reasons)})."
        )
    return fail(detail, would, evidence)


# -- MFA-025 ---------------------------------------------------------------------------------------


def _reason_key(reason: str) -> str:
    return reason.split(" via ", 1)[0]


def _by_reason(users: list[UserRequirement]) -> str:
    counts = Counter(_reason_key(r) for u in users for r in u.outcome.reasons)
    return ", ".join(f"{reason} {count}" for reason, count in counts.most_common())


def _names(users: list[UserRequirement]) -> str:
    shown = ", ".join(u.user_principal_name for u in users[:NAMED])
    return shown + (f" and {len(users) - NAMED} more" if len(users) > NAMED else "")


def judge_mfa025(context: CaContext) -> Judgement:
    """Nobody can sign in with the password alone (every enabled member outside break-glass groups)."""
    pre = preflight(context, needs_defaults=True)
    if isinstance(pre, Judgement):
        return pre
    directory = context.directory
    if directory is None:
        return Judgement(
            Status.NOT_APPLICABLE,
            "The snapshot has no directory data, so who can sign in with the password alone cannot be judged.",
        )
    if directory.users is None:
        problem = directory.problem("users")
        why = f": {problem.reason}" if problem is not None else ""
        return Judgement(Status.ERROR, f"The user list could not be read{why}.")
    report = context.requirement_report()
    membership = Membership(directory.groups)
    glass = {uid for g in context.settings.break_glass_groups for uid in membership.members(g)}
    members = [m for m in report.members if m.id not in glass]
    by: dict[Requirement, list[UserRequirement]] = {r: [] for r in Requirement}
    for member in members:
        by[member.requirement].append(member)
    evidence: dict[str, Any] = {
        "requirements": {r.value: len(v) for r, v in by.items()},
        "members": len(members),
    }
    unknown = by[Requirement.UNKNOWN]
    if unknown:
        return Judgement(
            Status.ERROR,
            f"The requirement of {len(unknown)} members is unknown ({_by_reason(unknown)}): {_names(unknown)}.",
            evidence,
        )
    exposed = by[Requirement.NOT_REQUIRED]
    if exposed:
        detail = (
            f"{len(exposed)} of {len(members)} enabled members can sign in with the password alone "
            f"({_by_reason(exposed)}): {_names(exposed)}."
        )
        rescued = sum(1 for m in exposed if m.outcome.shadow_requirement in PROTECTED)
        rehearsals = [since(pre.policies[i], pre.now) for i in pre.report_only] if rescued else []
        return fail(
            detail, rehearsals, evidence, lead=f"{rescued} of them would have to do MFA if these were on"
        )
    partial = by[Requirement.CONDITIONAL]
    concerns = []
    if partial:
        concerns.append(
            f"{len(partial)} members need MFA only in some sign-ins ({_by_reason(partial)}): {_names(partial)}"
        )
    if report.security_defaults_conflict:
        concerns.append(
            "security defaults are on beside enabled Conditional Access policies (turn defaults off)"
        )
    if concerns:
        return Judgement(Status.WARN, "; ".join(concerns) + ".", evidence)
    return Judgement(
        Status.PASS,
        f"All {len(members)} enabled members outside break-glass groups must do MFA or are blocked.",
        evidence,
    )


JUDGES: Mapping[str, Callable[[CaContext], Judgement]] = {
    "MFA-019": judge_mfa019,
    "MFA-020": judge_mfa020,
    "MFA-021": judge_mfa021,
    "MFA-022": judge_mfa022,
    "MFA-023": judge_mfa023,
    "MFA-024": judge_mfa024,
    "MFA-025": judge_mfa025,
}


def judge_all(
    ca: ConditionalAccessData | None,
    directory: Directory | None,
    settings: CaSettings,
    now: datetime,
) -> dict[str, Judgement]:
    """Every CA control's judgement from one compiled context."""
    context = ca_context(ca, directory, settings, now)
    return {control: judge(context) for control, judge in JUDGES.items()}
