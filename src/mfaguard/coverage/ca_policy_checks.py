"""MFA-020..MFA-024: the policy-pattern Conditional Access controls (DESIGN §10 table).

Each judges the enabled policies themselves (the attacker's cells where it matters), not users:
- MFA-020: every privileged role (settings ``privileged_roles``, default the 14 of reference §2) is
  included — by role or All users, never excluded — by a *counted* policy whose grant requires a
  phishing-resistant strength of the attacker on every platform;
- MFA-021: a block policy for All users on All resources whose client apps cover
  exchangeActiveSync and other and that blocks every legacy attacker cell; or security defaults on;
- MFA-022: a counted All-users policy with signInRiskLevels high that blocks (PASS) or requires MFA
  (PASS with sign-in frequency every time, else WARN);
- MFA-023: a counted All-users policy with userRiskLevels high that blocks or requires MFA and a
  password change (``passwordChange``, or its successor ``riskRemediation``);
- MFA-024: an All-users policy on ``urn:user:registersecurityinfo`` that blocks the attacker or asks
  phishing-resistant MFA in every cell (a compliant/joined device, a phishing-resistant strength,
  a block outside trusted locations) — PASS; only MFA — WARN.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mfaguard.coverage.ca_grants import PHISHING_RESISTANT, Kind
from mfaguard.coverage.ca_judge_base import (
    CaContext,
    Grade,
    Judgement,
    fail,
    grant_effects,
    includes_all,
    judge_graded,
    narrowing,
    no_p1_fail,
    preflight,
    problems_text,
    since,
    would_pass,
)
from mfaguard.coverage.requirement import RequirementEngine
from mfaguard.model.conditional_access import REGISTER_SECURITY_INFO, ConditionalAccessPolicy, role_name
from mfaguard.model.report import Status

__all__ = ["judge_mfa020", "judge_mfa021", "judge_mfa022", "judge_mfa023", "judge_mfa024"]


# -- MFA-020 ---------------------------------------------------------------------------------------


def _phishing_resistant_grant(engine: RequirementEngine, policy: ConditionalAccessPolicy) -> bool:
    grant = policy.grant_controls
    if grant is None or grant.authentication_strength is None:
        return False
    return all(
        e == Kind.BLOCK or e == (Kind.REQUIRE, PHISHING_RESISTANT) for e in grant_effects(engine, policy)
    ) and any(e == (Kind.REQUIRE, PHISHING_RESISTANT) for e in grant_effects(engine, policy))


def _roles_covered(
    policies: Iterable[ConditionalAccessPolicy], roles: Iterable[str]
) -> tuple[list[str], list[str]]:
    covered: list[str] = []
    missing: list[str] = []
    chosen = list(policies)
    for role in roles:
        key = role.lower()
        hit = False
        for policy in chosen:
            users = policy.conditions.users
            assert users is not None  # includes_all / includeRoles checked by the caller
            if key in {r.lower() for r in users.exclude_roles}:
                continue
            if users.includes_all or key in {r.lower() for r in users.include_roles}:
                hit = True
        (covered if hit else missing).append(role)
    return covered, missing


def judge_mfa020(context: CaContext) -> Judgement:
    """Privileged roles need phishing-resistant MFA."""
    pre = preflight(context, needs_defaults=False)
    if isinstance(pre, Judgement):
        return pre
    engine = pre
    if engine.p1_missing:
        return no_p1_fail("No Conditional Access policy can require phishing-resistant MFA of admins")
    problem = engine.ca.role_assignments.problem
    if problem is not None:
        return Judgement(
            Status.ERROR,
            f"{problems_text([problem])}; who holds the privileged roles cannot be judged.",
            {"unavailable": [problem.to_json()]},
        )
    roles = context.settings.privileged_roles

    def qualifies(policy: ConditionalAccessPolicy) -> bool:
        return (
            policy.conditions.users is not None
            and not narrowing(policy, allow_risk=False)
            and _phishing_resistant_grant(engine, policy)
        )

    chosen = [p for p in engine.policies if p.is_enabled and qualifies(p)]
    missing = _roles_covered(chosen, roles)[1]
    evidence: dict[str, Any] = {
        "policies": [p.name for p in chosen],
        "missing_roles": [role_name(r) for r in missing],
    }
    if not missing:
        names = ", ".join(p.label() for p in chosen)
        return Judgement(
            Status.PASS,
            f"All {len(roles)} privileged roles must use phishing-resistant MFA ({names}).",
            evidence,
        )
    would = [
        since(p, engine.now)
        for p in engine.policies
        if p.is_report_only and qualifies(p) and not _roles_covered([*chosen, p], roles)[1]
    ]
    if not chosen:
        detail = "No enabled policy requires a phishing-resistant strength of the privileged roles on all resources."
    else:
        detail = f"Privileged roles left out: {', '.join(role_name(r) for r in missing)}."
    return fail(detail, would, evidence)


# -- MFA-021 ---------------------------------------------------------------------------------------


def _blocks_legacy(engine: RequirementEngine, policy: ConditionalAccessPolicy) -> bool:
    grant = policy.grant_controls
    if grant is None or "block" not in grant.built_in_controls or not includes_all(policy):
        return False
    types = set(policy.conditions.client_app_types)
    if "all" not in types and not {"exchangeActiveSync", "other"} <= types:
        return False
    compiled = engine.compile(policy)
    return compiled.gate is None and not (engine.grid.legacy & ~compiled.block)


def judge_mfa021(context: CaContext) -> Judgement:
    """Legacy authentication is blocked."""
    pre = preflight(context, needs_defaults=False)
    if isinstance(pre, Judgement):
        return pre
    engine = pre
    if engine.security_defaults_on:
        return Judgement(Status.PASS, "Security defaults are on: they block legacy authentication.", {})
    if engine.p1_missing:
        return no_p1_fail("Legacy authentication is not blocked (security defaults are off)")
    blocking = [p for p in engine.policies if p.is_enabled and _blocks_legacy(engine, p)]
    if blocking:
        names = ", ".join(p.label() for p in blocking)
        return Judgement(
            Status.PASS,
            f"Legacy authentication is blocked for all users ({names}).",
            {"policies": [p.name for p in blocking]},
        )
    if engine.ca.security_defaults.problem is not None:
        problem = engine.ca.security_defaults.problem
        return Judgement(
            Status.ERROR,
            f"No CA policy blocks legacy authentication and {problems_text([problem])}.",
            {"unavailable": [problem.to_json()]},
        )
    would = would_pass(engine, lambda p: _blocks_legacy(engine, p))
    return fail(
        "No enabled policy blocks exchangeActiveSync and other clients for all users on all resources, "
        "and security defaults are off.",
        would,
        {},
    )


# -- MFA-022 / MFA-023 -----------------------------------------------------------------------------


def _grade_risk(engine: RequirementEngine, policy: ConditionalAccessPolicy, *, kind: str) -> Grade | None:
    """PASS/WARN/ERROR for one candidate risk policy, or None when it does not qualify."""
    conditions = policy.conditions
    levels = conditions.sign_in_risk_levels if kind == "sign-in" else conditions.user_risk_levels
    if "high" not in levels or not includes_all(policy) or narrowing(policy, allow_risk=True):
        return None
    effects = grant_effects(engine, policy)
    if any(e is Kind.UNREADABLE for e in effects):
        return Status.ERROR, f"{policy.label()} has a grant mfaguard cannot read"
    if all(e is Kind.BLOCK for e in effects):
        return Status.PASS, f"{policy.label()} blocks them"
    requires = all(isinstance(e, tuple) for e in effects)
    if kind == "user":
        grant = policy.grant_controls
        changes = grant is not None and bool(
            {"passwordChange", "riskRemediation"} & set(grant.built_in_controls)
        )
        return (
            (Status.PASS, f"{policy.label()} requires MFA and a password change")
            if requires and changes
            else None
        )
    if not requires:
        return None
    session = policy.session_controls
    frequency = session.sign_in_frequency if session is not None else None
    if frequency is not None and frequency.every_time:
        return Status.PASS, f"{policy.label()} requires MFA with sign-in frequency every time"
    return Status.WARN, f"{policy.label()} requires MFA but not with sign-in frequency every time"


def judge_mfa022(context: CaContext) -> Judgement:
    """High-risk sign-ins are blocked (or must do MFA every time)."""
    return judge_graded(
        context,
        lambda engine, policy: _grade_risk(engine, policy, kind="sign-in"),
        subject="High-risk sign-ins",
        without_p1="High-risk sign-ins are not handled (it also needs Entra ID P2)",
        missing="No enabled policy for all users on all resources with signInRiskLevels high blocks them "
        "or requires MFA (risk conditions need Entra ID P2).",
    )


def judge_mfa023(context: CaContext) -> Judgement:
    """High-risk users are blocked or must change their password."""
    return judge_graded(
        context,
        lambda engine, policy: _grade_risk(engine, policy, kind="user"),
        subject="High-risk users",
        without_p1="High-risk users are not handled (it also needs Entra ID P2)",
        missing="No enabled policy for all users on all resources with userRiskLevels high blocks them "
        "or requires a password change (risk conditions need Entra ID P2).",
    )


# -- MFA-024 ---------------------------------------------------------------------------------------


def _grade_registration(engine: RequirementEngine, policy: ConditionalAccessPolicy) -> Grade | None:
    apps = policy.conditions.applications
    if apps is None or REGISTER_SECURITY_INFO not in apps.include_user_actions or not includes_all(policy):
        return None
    compiled = engine.compile(policy, judge_apps=False)
    if compiled.gate is not None:
        return None
    every = engine.grid.all
    if compiled.unread & every:
        return Status.ERROR, f"{policy.label()}: {compiled.unread_reason()}"
    if (compiled.block | compiled.require_pr) & every == every:
        return Status.PASS, f"{policy.label()} requires a managed device or phishing-resistant MFA, or blocks"
    if (compiled.block | compiled.require) & every == every:
        return (
            Status.WARN,
            f"{policy.label()} requires only MFA, which an attacker who won a fatigue prompt has done",
        )
    return None


def judge_mfa024(context: CaContext) -> Judgement:
    """Registering security information is protected."""
    return judge_graded(
        context,
        _grade_registration,
        subject="Security info registration",
        without_p1="Registering security information is not protected",
        missing=f"No enabled policy on the user action {REGISTER_SECURITY_INFO} for all users requires a "
        "compliant or joined device or phishing-resistant MFA: after a fatigue win the attacker registers "
        "their own method.",
    )
