"""Is MFA required for each user, and how strong? The per-user Conditional Access engine (DESIGN §10).

Pure: the CA data (:class:`~mfaguard.model.conditional_access.ConditionalAccessData`), a
:class:`~mfaguard.model.directory.Directory` and ``now`` in; one :class:`RequirementOutcome` per
enabled user out. No I/O, no clock.

The unit of evaluation is the attacker's sign-in (password known, unmanaged unregistered device, no
risk signal, any resource) in each *cell* (:mod:`mfaguard.coverage.ca_cells`). Each policy is
compiled once into bit masks over the cells; a user's outcome is the OR of the masks of the policies
that take them in (:mod:`mfaguard.coverage.ca_applicability`), read as:

- blocked cells: some policy blocks, or MFA is required on a legacy client (it cannot do MFA);
- open cells: the rest. Any open cell unknown → ``unknown``; none open → ``blocked``; every open cell
  phishing-resistant → ``phishing_resistant``; every open cell MFA → ``mfa``; some → ``conditional``
  (reasons name the open cells that need nothing); none → ``not_required`` (reasons say why);
- ``strict``: every open cell has a policy requiring MFA with no alternative.

Speed: users with the same :class:`~mfaguard.coverage.ca_applicability.Profile` share one outcome,
and profiles that admit the same policies share one cell combination, so 100,000 users over ~40
policies cost one pass over the users plus a few hundred small evaluations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from mfaguard.coverage.ca_applicability import Applicability, Applies, Profile, Targets
from mfaguard.coverage.ca_cells import CLIENT_APPS, PLATFORMS, CellGrid, PolicyCells, compile_policy
from mfaguard.coverage.resolve import Membership
from mfaguard.model.conditional_access import (
    SECURITY_DEFAULTS_ROLES,
    ConditionalAccessData,
    ConditionalAccessPolicy,
)
from mfaguard.model.directory import Directory, DirectoryUser, Level, ProblemKind, ReadProblem

__all__ = [
    "CANNOT_SIGN_IN",
    "PER_USER_MFA_NOTE",
    "REQUIREMENTS",
    "CellOutcome",
    "Mode",
    "Requirement",
    "RequirementEngine",
    "RequirementOutcome",
    "RequirementReport",
    "UserRequirement",
    "ca_blockers",
    "effective_protection",
    "evaluate_requirements",
    "p1_missing",
]


class Requirement(StrEnum):
    """What a user's sign-in requires of the attacker (DESIGN §10), in report order."""

    UNKNOWN = "unknown"
    BLOCKED = "blocked"
    PHISHING_RESISTANT = "phishing_resistant"
    MFA = "mfa"
    CONDITIONAL = "conditional"
    NOT_REQUIRED = "not_required"


REQUIREMENTS: tuple[Requirement, ...] = tuple(Requirement)

PROTECTED = frozenset({Requirement.BLOCKED, Requirement.PHISHING_RESISTANT, Requirement.MFA})
"""Outcomes that leave the password alone useless (MFA-025 PASS)."""

CANNOT_SIGN_IN = "cannot_sign_in"
"""Effective protection when phishing-resistant MFA is required and the user has no usable method."""

PER_USER_MFA_NOTE = (
    "per-user MFA (the legacy per-user state) is not read: it costs one request per user; "
    "Conditional Access and security defaults are what mfaguard evaluates"
)


class Mode(StrEnum):
    """What decides the tenant's outcomes."""

    CONDITIONAL_ACCESS = "conditional_access"
    SECURITY_DEFAULTS = "security_defaults"
    NO_P1 = "no_p1"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class RequirementOutcome:
    """One user's requirement (shared by every user with the same profile)."""

    requirement: Requirement
    strict: bool
    reasons: tuple[str, ...]
    policies: tuple[str, ...]
    """The enforced policies that applied to the user (display names)."""
    shadow_requirement: Requirement
    """The requirement if every report-only policy were on."""

    def to_json(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement.value,
            "strict": self.strict,
            "requirement_reasons": list(self.reasons),
            "policies": list(self.policies),
            "shadow_requirement": self.shadow_requirement.value,
        }


@dataclass(frozen=True, slots=True)
class UserRequirement:
    """A user and their outcome."""

    id: str
    user_principal_name: str
    guest_type: str | None
    outcome: RequirementOutcome

    @property
    def requirement(self) -> Requirement:
        return self.outcome.requirement

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"id": self.id, "userPrincipalName": self.user_principal_name}
        if self.guest_type is not None:
            document["guest_type"] = self.guest_type
        document.update(self.outcome.to_json())
        return document


@dataclass(frozen=True, slots=True)
class RequirementReport:
    """Every enabled user's requirement: members, and guests (any guest type) apart."""

    mode: Mode
    members: tuple[UserRequirement, ...]
    guests: tuple[UserRequirement, ...]
    problems: tuple[ReadProblem, ...]
    notes: tuple[str, ...]
    evaluated_at: datetime
    security_defaults_conflict: bool = False
    """Security defaults on *and* enabled CA policies (Graph can show both; MFA-025 warns)."""

    def counts(self) -> dict[str, int]:
        """``requirements``: outcome → count over enabled members, every key present."""
        counts = {r.value: 0 for r in REQUIREMENTS}
        for user in self.members:
            counts[user.outcome.requirement.value] += 1
        return counts

    def by_id(self) -> dict[str, UserRequirement]:
        return {u.id: u for u in (*self.members, *self.guests)}

    def to_json(self) -> dict[str, Any]:
        """What ``coverage --format json`` adds beside ``levels`` (members' entries get
        :meth:`RequirementOutcome.to_json` merged in by the caller)."""
        return {
            "requirements": self.counts(),
            "guest_users": [g.to_json() for g in self.guests],
            "requirement_mode": self.mode.value,
            "requirement_notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class CellOutcome:
    """A set of applicable policies combined over the cells."""

    requirement: Requirement
    strict: bool
    open: int
    nothing: int
    """Open cells that require nothing."""
    reasons: tuple[str, ...] = ()
    """For ``conditional``: the open cells that require nothing, by cause."""
    unknown: tuple[int, ...] = ()
    """For ``unknown``: the policies (indices) that make open cells unknown."""


Active = frozenset[tuple[int, bool]]
"""Policies (index, uncertain) that take a user in and do something for the attacker."""


def ca_blockers(ca: ConditionalAccessData) -> tuple[ReadProblem, ...]:
    """The read problems that make the CA policies unknown (empty when they are known, or when the
    only problem is the licence error). A permission (or any other) error wins over a licence one."""
    problem = ca.policies.problem
    if problem is None:
        return ()
    others = (ca.authentication_strengths.problem, ca.named_locations.problem)
    blockers = tuple(p for p in others if p is not None and p.kind is not ProblemKind.LICENSE)
    if problem.kind is not ProblemKind.LICENSE or blockers:
        return (problem, *blockers)
    return ()


def p1_missing(ca: ConditionalAccessData) -> bool:
    """No Entra ID P1: Graph's licence error on the policies, or ``subscribedSkus`` without AAD_PREMIUM."""
    return not ca_blockers(ca) and (ca.policies.is_licence_error or ca.licences.p1 is False)


def _mode(ca: ConditionalAccessData) -> tuple[Mode, tuple[ReadProblem, ...]]:
    """What decides the outcomes, and the problems that made it ``unknown``."""
    blockers = ca_blockers(ca)
    if blockers:
        return Mode.UNKNOWN, blockers
    missing = p1_missing(ca)
    if missing or not any(p.is_enabled for p in ca.policy_list()):
        sd = ca.security_defaults
        if sd.problem is not None:
            return Mode.UNKNOWN, (sd.problem,)
        if sd.value is not None and sd.value.is_enabled:
            return Mode.SECURITY_DEFAULTS, ()
        return (Mode.NO_P1 if missing else Mode.CONDITIONAL_ACCESS), ()
    return Mode.CONDITIONAL_ACCESS, ()


def _unreadable_token(problem: ReadProblem) -> str:
    return f"unreadable:{problem.what} ({problem.kind.value}: {problem.reason})"


class RequirementEngine:
    """CA data and a directory compiled once; outcomes per profile, cached."""

    def __init__(self, ca: ConditionalAccessData, directory: Directory, *, now: datetime) -> None:
        self.ca = ca
        self.directory = directory
        self.now = now
        self.membership = Membership(directory.groups)
        self.policies: tuple[ConditionalAccessPolicy, ...] = ca.policy_list()
        self.mode, self.mode_problems = _mode(ca)
        self.blockers = ca_blockers(ca)
        """Problems that make the policies unknown (MFA-019..025 ERROR)."""
        self.p1_missing = p1_missing(ca)
        locations = ca.named_locations.value
        self.grid = CellGrid(locations or ())
        self.location_map = {loc.id.lower(): loc for loc in locations} if locations is not None else None
        self.resolve = ca.strength if ca.authentication_strengths.readable else None
        self.compiled: tuple[PolicyCells, ...] = tuple(self.compile(p) for p in self.policies)
        self.enforced = tuple(i for i, p in enumerate(self.policies) if p.is_enabled)
        self.report_only = tuple(i for i, p in enumerate(self.policies) if p.is_report_only)
        self.targets = Targets(
            self.policies,
            self.membership,
            ca.role_assignments.value,
            users=directory.users,
            extra_roles=SECURITY_DEFAULTS_ROLES,
        )
        sd = ca.security_defaults.value
        self.security_defaults_on = sd is not None and sd.is_enabled is True
        self._combined: dict[Active, CellOutcome] = {}
        self._outcomes: dict[Profile, RequirementOutcome] = {}

    def compile(self, policy: ConditionalAccessPolicy, *, judge_apps: bool = True) -> PolicyCells:
        """One policy's masks over this tenant's cells."""
        return compile_policy(
            policy, self.grid, locations=self.location_map, resolve=self.resolve, judge_apps=judge_apps
        )

    @property
    def conflict(self) -> bool:
        """Security defaults on beside enabled CA policies."""
        return self.security_defaults_on and bool(self.enforced) and self.mode is Mode.CONDITIONAL_ACCESS

    def applicability(self, index: int, profile: Profile) -> Applicability:
        return self.targets.applicability(self.policies[index], profile)

    # -- outcomes ---------------------------------------------------------------------------------

    def outcome(self, profile: Profile) -> RequirementOutcome:
        """The outcome of every user with ``profile`` (cached)."""
        cached = self._outcomes.get(profile)
        if cached is None:
            cached = self._outcomes[profile] = self._evaluate(profile)
        return cached

    def outcome_for(self, user: DirectoryUser) -> RequirementOutcome:
        return self.outcome(self.targets.profile(user))

    def _evaluate(self, profile: Profile) -> RequirementOutcome:
        if self.mode is Mode.UNKNOWN:
            reasons = tuple(_unreadable_token(p) for p in self.mode_problems)
            return RequirementOutcome(Requirement.UNKNOWN, False, reasons, (), Requirement.UNKNOWN)
        if self.mode is Mode.NO_P1:
            none = Requirement.NOT_REQUIRED
            return RequirementOutcome(none, False, ("no_p1",), (), none)
        if self.mode is Mode.SECURITY_DEFAULTS:
            return self._security_defaults(profile)
        return self.ca_outcome(profile, self.enforced, self.report_only)

    def _security_defaults(self, profile: Profile) -> RequirementOutcome:
        holder = any(role in SECURITY_DEFAULTS_ROLES for role, _ in profile.roles)
        reasons: tuple[str, ...] = ("security_defaults",)
        if holder:
            requirement, strict = Requirement.MFA, True
        else:
            # Microsoft prompts other users only "when necessary": not a requirement mfaguard can count.
            requirement, strict = Requirement.CONDITIONAL, False
            problem = self.ca.role_assignments.problem
            if problem is not None:
                reasons = (*reasons, _unreadable_token(problem))
        shadow = requirement
        if self.report_only:
            shadow = self.ca_outcome(profile, (), self.report_only).shadow_requirement
        return RequirementOutcome(requirement, strict, reasons, (), shadow)

    def active(self, profile: Profile, indices: Iterable[int]) -> tuple[Active, dict[int, Applicability]]:
        """The policies among ``indices`` that take ``profile`` in (and their applicability)."""
        found: list[tuple[int, bool]] = []
        judged: dict[int, Applicability] = {}
        for index in indices:
            judged[index] = applicability = self.applicability(index, profile)
            compiled = self.compiled[index]
            if applicability.state in (Applies.YES, Applies.UNKNOWN) and (
                compiled.applies or compiled.unread
            ):
                found.append((index, applicability.state is Applies.UNKNOWN))
        return frozenset(found), judged

    def ca_outcome(
        self, profile: Profile, enforced: Iterable[int], report_only: Iterable[int] = ()
    ) -> RequirementOutcome:
        """The CA outcome of ``profile`` with ``enforced`` policies on (and ``report_only`` in shadow)."""
        enforced = tuple(enforced)
        active, judged = self.active(profile, enforced)
        shadow_active = self.active(profile, report_only)[0]
        cell = self.combine(active)
        shadow = self.combine(active | shadow_active).requirement if shadow_active else cell.requirement
        requirement = cell.requirement
        if requirement is Requirement.UNKNOWN:
            reasons = self._unknown_reasons(cell, judged)
        elif requirement is Requirement.NOT_REQUIRED:
            reasons = self._not_required_reasons(enforced, judged, cell, shadow)
        else:
            reasons = list(cell.reasons)
        if requirement not in (Requirement.UNKNOWN, Requirement.NOT_REQUIRED):
            for index, uncertain in sorted(active):
                compiled = self.compiled[index]
                if not uncertain and compiled.trusted_exempt and compiled.effect_mask:
                    reasons.append(f"trusted_location_exempt:{compiled.policy.name}")
        policies = tuple(self.policies[i].name for i, uncertain in sorted(active) if not uncertain)
        return RequirementOutcome(requirement, cell.strict, tuple(reasons), policies, shadow)

    def _unknown_reasons(self, cell: CellOutcome, judged: Mapping[int, Applicability]) -> list[str]:
        reasons = []
        for index in cell.unknown:
            name = self.policies[index].name
            applicability = judged.get(index)
            if applicability is not None and applicability.state is Applies.UNKNOWN:
                reasons.append(f"unknown:{name} ({applicability.why})")
            else:
                reasons.append(f"unreadable:{name} ({self.compiled[index].unread_reason()})")
        return reasons

    def _not_required_reasons(
        self,
        enforced: tuple[int, ...],
        judged: Mapping[int, Applicability],
        cell: CellOutcome,
        shadow: Requirement,
    ) -> list[str]:
        reasons: list[str] = []
        for index in enforced:
            compiled = self.compiled[index]
            applicability = judged[index]
            gate = compiled.gate
            if gate is not None:
                # risk_only / device_filter name a policy that takes the user in but not the attacker;
                # a policy on other resources, flows or disabled does not count at all.
                if gate.token is not None and applicability.state is Applies.YES:
                    reasons.append(gate.token)
                continue
            if not (compiled.effect_mask or compiled.or_met):
                continue
            name = compiled.policy.name
            if applicability.state is Applies.EXCLUDED:
                reasons.append(f"excluded:{name} via {applicability.via}")
            elif applicability.state is Applies.YES and compiled.or_met & cell.open:
                reasons.append(f"or_alternative:{name}")
        if not reasons:
            reasons.append("report_only_only" if shadow is not Requirement.NOT_REQUIRED else "no_policy")
        return reasons

    # -- cells ------------------------------------------------------------------------------------

    def combine(self, active: Active) -> CellOutcome:
        """All policies in ``active`` over the cells (cached: few distinct sets exist)."""
        cached = self._combined.get(active)
        if cached is None:
            cached = self._combined[active] = self._combine(active)
        return cached

    def _combine(self, active: Active) -> CellOutcome:
        grid = self.grid
        block = require = require_pr = strict = unread = 0
        for index, uncertain in active:
            compiled = self.compiled[index]
            if uncertain:
                unread |= compiled.effect_mask
                continue
            block |= compiled.block
            require |= compiled.require
            require_pr |= compiled.require_pr
            strict |= compiled.strict
            unread |= compiled.unread
        # Legacy protocols cannot do MFA: requiring it there blocks them.
        blocked = block | (require & grid.legacy)
        open_ = grid.all & ~blocked
        is_strict = strict & open_ == open_
        unknown = unread & open_
        if unknown:
            culprits = tuple(
                sorted(
                    index
                    for index, uncertain in active
                    if (self.compiled[index].effect_mask if uncertain else self.compiled[index].unread)
                    & unknown
                )
            )
            return CellOutcome(Requirement.UNKNOWN, False, open_, 0, unknown=culprits)
        if not open_:
            return CellOutcome(Requirement.BLOCKED, True, 0, 0)
        nothing = open_ & ~require
        if require_pr & open_ == open_:
            return CellOutcome(Requirement.PHISHING_RESISTANT, is_strict, open_, 0)
        if not nothing:
            return CellOutcome(Requirement.MFA, is_strict, open_, 0)
        if nothing != open_:
            reasons = self._conditional_reasons(active, open_, nothing)
            return CellOutcome(Requirement.CONDITIONAL, False, open_, nothing, reasons)
        return CellOutcome(Requirement.NOT_REQUIRED, False, open_, nothing)

    def _conditional_reasons(self, active: Active, open_: int, nothing: int) -> tuple[str, ...]:
        """Name the open cells that require nothing: by the axis a policy leaves out, or the OR."""
        grid = self.grid
        certain = [self.compiled[i] for i, uncertain in sorted(active) if not uncertain]
        alternatives: list[str] = []
        remaining = nothing
        for compiled in certain:
            cells = compiled.or_met & nothing
            if not cells:
                continue
            platforms = [p for p in PLATFORMS if cells & grid.by_platform[p]]
            token = f"or_alternative:{compiled.policy.name}"
            if len(platforms) < len(PLATFORMS):
                token += " on " + "/".join(platforms)
            alternatives.append(token)
            remaining &= ~cells
        requiring = [c for c in certain if c.require & open_]
        clients: set[str] = set()
        platforms_left: set[str] = set()
        networks: set[str] = set()
        leftovers: list[str] = []
        for index, cell in enumerate(grid.cells):
            bit = 1 << index
            if not remaining & bit:
                continue
            explained = False
            for compiled in requiring:
                if compiled.client_fail & bit:
                    clients.add(cell.client_app)
                elif compiled.platform_fail & bit:
                    platforms_left.add(cell.platform)
                elif compiled.network_fail & bit:
                    networks.add(cell.network_name)
                else:
                    continue
                explained = True
            if not explained:
                leftovers.append(cell.label())
        return (
            *(f"client_app:{c}" for c in CLIENT_APPS if c in clients),
            *(f"platform:{p}" for p in PLATFORMS if p in platforms_left),
            *(f"location:{name}" for _, name in grid.networks if name in networks),
            *alternatives,
            *(f"cell:{label}" for label in leftovers),
        )

    # -- the directory ----------------------------------------------------------------------------

    def evaluate(self) -> RequirementReport:
        """Every enabled user's outcome (members, and guests of any guest type apart)."""
        members: list[UserRequirement] = []
        guests: list[UserRequirement] = []
        users = self.directory.users
        population = [u for u in users.values() if u.is_enabled] if users is not None else []
        outcome = self.outcome
        # Profiles come shared (one object per distinct profile): look outcomes up by identity.
        seen: dict[int, RequirementOutcome] = {}
        for user, profile in self.targets.profiles(population):
            found = seen.get(id(profile))
            if found is None:
                found = seen[id(profile)] = outcome(profile)
            record = UserRequirement(user.id, user.user_principal_name, profile.guest_type, found)
            (guests if profile.guest_type is not None else members).append(record)
        notes = [PER_USER_MFA_NOTE]
        if users is None:
            notes.append("the user list could not be read, so no user was evaluated")
        return RequirementReport(
            mode=self.mode,
            members=tuple(members),
            guests=tuple(guests),
            problems=(*self.ca.problems, *self.directory.problems),
            notes=tuple(notes),
            evaluated_at=self.now,
            security_defaults_conflict=self.conflict,
        )


def evaluate_requirements(
    ca: ConditionalAccessData, directory: Directory, *, now: datetime
) -> RequirementReport:
    """Every enabled user's requirement (DESIGN §10)."""
    return RequirementEngine(ca, directory, now=now).evaluate()


def effective_protection(requirement: Requirement, level: Level | None) -> str:
    """The §9 level when MFA is required (``cannot_sign_in`` when phishing-resistant is required and
    no phishing-resistant method is usable; ``unknown`` when the level is not known); else the
    requirement itself."""
    if requirement not in (Requirement.MFA, Requirement.PHISHING_RESISTANT):
        return requirement.value
    if level is None:
        return Requirement.UNKNOWN.value
    if requirement is Requirement.PHISHING_RESISTANT and level is not Level.PHISHING_RESISTANT:
        return CANNOT_SIGN_IN
    return level.value
