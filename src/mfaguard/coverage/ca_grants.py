"""What a policy's grant controls ask of the attacker, on one platform (DESIGN §10).

The attacker knows the password and signs in from an unmanaged, unregistered device. Each control
is one of:

- a requirement: builtIn ``mfa`` → MFA; an authentication strength with ``requirementsSatisfied``
  ``mfa`` → phishing-resistant when every allowed combination is one of windowsHelloForBusiness,
  fido2, x509CertificateMultiFactor (judged by id and ``allowedCombinations``, never by name), else
  MFA; any other strength asks nothing;
- met by the attacker: ``termsOfUse`` always, ``approvedApplication`` on android/iOS,
  ``compliantApplication`` on android/iOS/windows;
- never met: ``block``, ``compliantDevice``, ``domainJoinedDevice`` (and the app controls elsewhere);
- silent about sign-in: ``passwordChange``, ``riskRemediation`` (dropped);
- unreadable: ``customAuthenticationFactors``, an unknown control value, a strength that cannot be
  resolved.

``AND``: a never-met control blocks; else an unreadable one makes it unreadable; else the strongest
requirement stands, strict. ``OR``: the attacker takes the easiest — a met alternative means no
requirement (``or_alternative``); else an unreadable alternative makes it unreadable; else the
weakest requirement stands, strict only when no never-met alternative sits beside it; only never-met
controls block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from mfaguard.model.conditional_access import (
    PHISHING_RESISTANT_METHODS,
    AuthenticationStrength,
    GrantControls,
)

__all__ = ["GrantEffect", "Kind", "StrengthLevel", "grant_effect", "strength_level"]


class Kind(Enum):
    """What a grant does to the attacker on one platform."""

    NOTHING = "nothing"
    REQUIRE = "require"
    BLOCK = "block"
    UNREADABLE = "unreadable"


MFA = 1
PHISHING_RESISTANT = 2

APPROVED_APP_PLATFORMS = frozenset({"android", "iOS"})
APP_PROTECTION_PLATFORMS = frozenset({"android", "iOS", "windows"})
_NEVER_MET = frozenset({"block", "compliantDevice", "domainJoinedDevice"})
_SILENT = frozenset({"passwordChange", "riskRemediation"})


@dataclass(frozen=True, slots=True)
class GrantEffect:
    """The grant's effect on the attacker on one platform."""

    kind: Kind
    level: int = 0
    """``MFA`` (1) or ``PHISHING_RESISTANT`` (2) for REQUIRE."""
    strict: bool = False
    alternative: str | None = None
    """The control that let the attacker through an OR (NOTHING from an alternative)."""
    why: str = ""
    """One phrase for explain (``requires MFA``, ``blocked: compliantDevice cannot be met``)."""


@dataclass(frozen=True, slots=True)
class StrengthLevel:
    """A strength resolved: ``level`` 0 (asks nothing), MFA or PHISHING_RESISTANT; or unreadable."""

    level: int
    unreadable: str | None = None


Resolve = Callable[[str], AuthenticationStrength | None]


def strength_level(strength: AuthenticationStrength, resolve: Resolve | None) -> StrengthLevel:
    """Judge a strength by its own fields, completed from the listed strength of the same id."""
    requirements = strength.requirements_satisfied
    combinations = strength.allowed_combinations
    if (requirements is None or combinations is None) and strength.id is not None:
        listed = resolve(strength.id) if resolve is not None else None
        if listed is not None:
            requirements = requirements if requirements is not None else listed.requirements_satisfied
            combinations = combinations if combinations is not None else listed.allowed_combinations
    if requirements is None or combinations is None:
        return StrengthLevel(0, f"authentication strength {strength.label()} could not be resolved")
    if "mfa" not in requirements:
        return StrengthLevel(0)
    for combination in combinations:
        methods = {m.strip() for m in combination.split(",") if m.strip()}
        if len(methods) != 1 or not methods <= PHISHING_RESISTANT_METHODS:
            return StrengthLevel(MFA)
    return StrengthLevel(PHISHING_RESISTANT)


# A control on one platform: ("require", level) | ("met", name) | ("never", name) | ("unreadable", why)
_Control = tuple[str, int, str]


def _classify(grant: GrantControls, platform: str, resolve: Resolve | None) -> list[_Control]:
    controls: list[_Control] = []
    for control in grant.built_in_controls:
        if control == "mfa":
            controls.append(("require", MFA, "mfa"))
        elif control in _NEVER_MET:
            controls.append(("never", 0, control))
        elif control == "approvedApplication":
            kind = "met" if platform in APPROVED_APP_PLATFORMS else "never"
            controls.append((kind, 0, control))
        elif control == "compliantApplication":
            kind = "met" if platform in APP_PROTECTION_PLATFORMS else "never"
            controls.append((kind, 0, control))
        elif control in _SILENT:
            continue
        else:
            controls.append(("unreadable", 0, f"unknown grant control {control!r}"))
    for factor in grant.custom_authentication_factors:
        controls.append(("unreadable", 0, f"custom control {factor!r} (customAuthenticationFactors)"))
    controls.extend(("met", 0, f"terms of use {terms}") for terms in grant.terms_of_use)
    strength = grant.authentication_strength
    if strength is not None:
        judged = strength_level(strength, resolve)
        label = f"authentication strength {strength.label()}"
        if judged.unreadable is not None:
            controls.append(("unreadable", 0, judged.unreadable))
        elif judged.level:
            controls.append(("require", judged.level, label))
        else:
            controls.append(("met", 0, f"{label} (asks no MFA)"))
    return controls


def _level_name(level: int) -> str:
    return "phishing-resistant MFA" if level == PHISHING_RESISTANT else "MFA"


def grant_effect(grant: GrantControls | None, platform: str, resolve: Resolve | None = None) -> GrantEffect:
    """The effect of ``grant`` on the attacker on ``platform`` (a cell's platform)."""
    if grant is None:
        return GrantEffect(Kind.NOTHING, why="no grant controls (session controls only)")
    controls = _classify(grant, platform, resolve)
    if not controls:
        return GrantEffect(Kind.NOTHING, why="no grant control asks anything of a sign-in")
    operator = (grant.operator or "").upper()
    if len(controls) > 1 and operator not in ("AND", "OR"):
        return GrantEffect(Kind.UNREADABLE, why=f"unknown grant operator {grant.operator!r}")
    never = [name for kind, _, name in controls if kind == "never"]
    unreadable = [name for kind, _, name in controls if kind == "unreadable"]
    met = [name for kind, _, name in controls if kind == "met"]
    levels = [level for kind, level, _ in controls if kind == "require"]
    if len(controls) == 1 or operator == "AND":
        if never:
            return GrantEffect(Kind.BLOCK, why=f"blocked: {', '.join(never)} cannot be met")
        if unreadable:
            return GrantEffect(Kind.UNREADABLE, why="; ".join(unreadable))
        if levels:
            level = max(levels)
            return GrantEffect(Kind.REQUIRE, level, strict=True, why=f"requires {_level_name(level)}")
        return GrantEffect(Kind.NOTHING, why=f"met without MFA ({', '.join(met)})")
    # OR: the attacker takes the easiest alternative.
    if met:
        return GrantEffect(Kind.NOTHING, alternative=met[0], why=f"satisfied without MFA by {met[0]}")
    if unreadable:
        return GrantEffect(Kind.UNREADABLE, why="; ".join(unreadable))
    if levels:
        level = min(levels)
        why = f"requires {_level_name(level)}"
        if never:
            why += f" (not strict: the alternative {', '.join(never)} cannot be met)"
        return GrantEffect(Kind.REQUIRE, level, strict=not never, why=why)
    return GrantEffect(Kind.BLOCK, why=f"blocked: {', '.join(never)} cannot be met")
