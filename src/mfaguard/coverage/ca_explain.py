"""``explain USER`` for Conditional Access: each policy, and whether and how it applies (DESIGN §10).

Per policy one sentence — ``'P' applies: included via all users``, ``excluded from 'P' via group G2 ←
nested in G1`` (the chain read from the user upwards), ``'P' does not apply because …`` — and, when
the policy does not treat every cell alike, what it does per client app, platform and network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mfaguard.coverage.ca_applicability import Applicability, Applies
from mfaguard.coverage.ca_cells import CLIENT_APPS, LEGACY_CLIENT_APPS, OUTSIDE, PLATFORMS, PolicyCells
from mfaguard.coverage.ca_grants import Kind
from mfaguard.coverage.requirement import Mode, RequirementEngine, RequirementOutcome
from mfaguard.model.conditional_access import DISABLED, ConditionalAccessPolicy
from mfaguard.model.directory import DirectoryUser

__all__ = ["PolicyExplanation", "RequirementExplanation", "explain_requirement", "report_only_since"]


@dataclass(frozen=True, slots=True)
class PolicyExplanation:
    """One policy as it stands for one user."""

    id: str
    name: str
    state: str | None
    verdict: str
    """``applies`` | ``excluded`` | ``not included`` | ``does not apply`` | ``unknown`` | ``not counted``."""
    sentence: str
    cells: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "displayName": self.name,
            "state": self.state,
            "verdict": self.verdict,
            "explanation": self.sentence,
            "cells": list(self.cells),
        }


@dataclass(frozen=True, slots=True)
class RequirementExplanation:
    """Everything the engine knows about one user's requirement."""

    user: DirectoryUser
    guest_type: str | None
    mode: Mode
    outcome: RequirementOutcome
    policies: tuple[PolicyExplanation, ...]
    notes: tuple[str, ...]

    def lines(self) -> list[str]:
        """Plain text, one line per fact (what ``explain`` prints)."""
        outcome = self.outcome
        head = f"requirement {outcome.requirement.value}" + (" (strict)" if outcome.strict else "")
        if outcome.reasons:
            head += f": {', '.join(outcome.reasons)}"
        lines = [head, f"if every report-only policy were on: {outcome.shadow_requirement.value}"]
        lines.extend(self.notes)
        for policy in self.policies:
            lines.append(policy.sentence)
            lines.extend(f"  {cell}" for cell in policy.cells)
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "guest_type": self.guest_type,
            "mode": self.mode.value,
            **self.outcome.to_json(),
            "notes": list(self.notes),
            "conditional_access": [p.to_json() for p in self.policies],
        }


def report_only_since(policy: ConditionalAccessPolicy, now: datetime) -> str:
    """``report-only since 2026-06-01 (183 days)`` (the last change, else the creation)."""
    since = policy.since
    if since is None:
        return "report-only"
    days = (now - since).days if since.tzinfo is not None and now.tzinfo is not None else None
    tail = f" ({days} days)" if days is not None and days >= 0 else ""
    return f"report-only since {since.date().isoformat()}{tail}"


def explain_requirement(engine: RequirementEngine, user: DirectoryUser) -> RequirementExplanation:
    """The requirement of ``user`` with one explanation per policy."""
    profile = engine.targets.profile(user)
    outcome = engine.outcome(profile)
    notes = list(_mode_notes(engine))
    if not user.is_enabled:
        notes.append("account disabled: it cannot sign in, so it is not counted")
    explained = tuple(
        _explain(engine, index, engine.applicability(index, profile)) for index in range(len(engine.policies))
    )
    return RequirementExplanation(user, profile.guest_type, engine.mode, outcome, explained, tuple(notes))


def _mode_notes(engine: RequirementEngine) -> list[str]:
    notes: list[str] = []
    if engine.mode is Mode.UNKNOWN:
        notes.extend(
            f"unknown: {p.what} could not be read ({p.kind.value}: {p.reason})" for p in engine.mode_problems
        )
    elif engine.mode is Mode.NO_P1:
        notes.append(
            "Conditional Access cannot apply: the tenant has no Entra ID P1, and security defaults are off"
        )
    elif engine.mode is Mode.SECURITY_DEFAULTS:
        notes.append(
            "security defaults are on and no CA policy is enabled: the 16 admin roles must do MFA on every "
            "sign-in, everyone else only when Microsoft decides it is necessary; legacy authentication is blocked"
        )
    if engine.conflict:
        notes.append(
            "security defaults are on beside enabled CA policies: the CA policies decide (turn defaults off)"
        )
    return notes


def _explain(engine: RequirementEngine, index: int, applicability: Applicability) -> PolicyExplanation:
    policy = engine.policies[index]
    compiled = engine.compiled[index]
    label = policy.label()

    def make(verdict: str, sentence: str, cells: tuple[str, ...] = ()) -> PolicyExplanation:
        if policy.is_report_only:
            sentence += f" [{report_only_since(policy, engine.now)}: counts only for the shadow requirement]"
        return PolicyExplanation(policy.id, policy.name, policy.state, verdict, sentence, cells)

    if policy.state == DISABLED:
        return make("does not apply", f"{label} does not apply because it is disabled")
    if not (policy.is_enabled or policy.is_report_only):
        return make("not counted", f"{label} is not counted: state {policy.state!r} is not known to mfaguard")
    if engine.mode in (Mode.NO_P1, Mode.UNKNOWN):
        why = "the tenant has no Entra ID P1" if engine.mode is Mode.NO_P1 else "the CA data is incomplete"
        return make("not counted", f"{label} is not counted: {why}")
    state = applicability.state
    if state is Applies.EXCLUDED:
        return make("excluded", f"excluded from {label} via {applicability.via}")
    if compiled.gate is not None:
        return make("does not apply", f"{label} does not apply because {compiled.gate.detail}")
    if state is Applies.NO:
        return make("not included", f"{label} does not apply because {applicability.why}")
    cells = tuple(_cells(engine, compiled))
    if state is Applies.UNKNOWN:
        return make("unknown", f"{label} may apply: {applicability.why}", cells)
    if not compiled.applies:
        return make(
            "does not apply",
            f"{label} does not apply because its conditions leave no attacker sign-in",
            cells,
        )
    return make("applies", f"{label} applies: included via {applicability.via}", cells)


def _cells(engine: RequirementEngine, compiled: PolicyCells) -> list[str]:
    grid = engine.grid
    lines: list[str] = []
    clients = [c for c in CLIENT_APPS if compiled.client_fail & grid.by_client[c]]
    if clients and compiled.gate is None:
        lines.append(f"not on client apps {', '.join(clients)} (clientAppTypes)")
    platforms = [p for p in PLATFORMS if compiled.platform_fail & grid.by_platform[p]]
    if platforms:
        lines.append(f"not on platforms {', '.join(platforms)} (platforms)")
    networks = [name for key, name in grid.networks if compiled.network_fail & grid.by_network[key]]
    if networks:
        where = ", ".join("outside named locations" if n == OUTSIDE else f"at {n}" for n in networks)
        lines.append(f"not {where} (locations)")
    if compiled.trusted_exempt:
        lines.append(
            f"trusted locations exempt ({compiled.trusted_exempt}): not attacker sign-ins (trusted_location_exempt)"
        )
    lines.extend(f"unknown: {why}" for why in compiled.unreadable)
    lines.extend(_grant_lines(compiled))
    legacy = grid.legacy & compiled.require & ~compiled.block
    if legacy:
        apps = ", ".join(c for c in CLIENT_APPS if c in LEGACY_CLIENT_APPS and legacy & grid.by_client[c])
        lines.append(f"on {apps}: MFA cannot be done on legacy clients, so those sign-ins are blocked")
    lines.extend(compiled.notes)
    return lines


def _grant_lines(compiled: PolicyCells) -> list[str]:
    if compiled.unreadable or not compiled.effects:
        return []
    by_why: dict[str, list[str]] = {}
    for platform in PLATFORMS:
        effect = compiled.effects[platform]
        why = effect.why + (" (strict)" if effect.kind is Kind.REQUIRE and effect.strict else "")
        by_why.setdefault(why, []).append(platform)
    if len(by_why) == 1:
        return [f"grant: {next(iter(by_why))}"]
    return [f"grant on {', '.join(platforms)}: {why}" for why, platforms in by_why.items()]
