"""Judgement pieces several controls share (DESIGN §3 evaluation rules). Pure functions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from mfaguard.model.policy import (
    ADVANCED_CONFIG_STATES,
    APP_INFORMATION,
    AUTHENTICATOR,
    LOCATION_INFORMATION,
    METHOD_STATES,
    NUMBER_MATCHING,
    ZERO_GUID,
    AuthenticatorConfiguration,
    FeatureTarget,
    MethodConfiguration,
    MethodTarget,
    TenantSnapshot,
    is_known,
)
from mfaguard.model.report import Severity, Status

from .base import Result

READ_BETA = (
    "read the policy from the beta endpoint (GET /beta/policies/authenticationMethodsPolicy), "
    "where this field is returned"
)


def target_name(snapshot: TenantSnapshot, target_id: str) -> str:
    """``all_users``, or the group id with its display name when the snapshot resolved it."""
    if target_id.lower() == "all_users":
        return "all_users"
    if snapshot.groups is not None:
        info = snapshot.groups.get(target_id.lower())
        if info is not None and info.display_name:
            return f"{target_id} ({info.display_name})"
    return target_id


def target_list(snapshot: TenantSnapshot, targets: Iterable[MethodTarget | FeatureTarget]) -> str:
    names = [target_name(snapshot, t.id) for t in targets]
    return ", ".join(names) if names else "nobody"


def has_all_users(targets: Sequence[MethodTarget | FeatureTarget]) -> bool:
    return any(t.is_all_users for t in targets)


def unknown_value(field: str, value: str) -> str:
    return (
        f"{field} is '{value}', a value mfaguard does not know, so the secure condition cannot be "
        "confirmed; check the setting in the portal"
    )


def missing_configuration(config_id: str, controls: str) -> Result:
    return Result(
        Status.ERROR,
        f"The {config_id} method configuration is missing from the snapshot, so {controls} cannot be "
        "judged; export the whole policy (GET /beta/policies/authenticationMethodsPolicy) including "
        "authenticationMethodConfigurations.",
        resource=config_id,
    )


def authenticator_gate(snapshot: TenantSnapshot, name: str) -> AuthenticatorConfiguration | Result:
    """The Authenticator configuration for MFA-002..006, or the ERROR / NOT_APPLICABLE result.

    Applicability comes before data: a disabled Authenticator makes the control NOT_APPLICABLE even
    when the snapshot is v1.0 and lacks the field.
    """
    config = snapshot.policy.configuration(AUTHENTICATOR)
    if not isinstance(config, AuthenticatorConfiguration):
        return missing_configuration(AUTHENTICATOR, name)
    if config.disabled:
        return Result(
            Status.NOT_APPLICABLE,
            f"Microsoft Authenticator is disabled (state 'disabled'), so {name} does not apply.",
            resource=AUTHENTICATOR,
            evidence={"authenticator_state": "disabled"},
        )
    return config


def all_users_state(
    snapshot: TenantSnapshot,
    *,
    field: str,
    state: str | None,
    include: FeatureTarget | None,
    resource: str,
    effect: str,
    default_means: str,
) -> Result:
    """The "state enabled and includeTarget all_users" rule (MFA-003, MFA-004, MFA-010).

    ``state`` None means absent-treated-as-default was already decided by the caller (pass
    ``"default"``); a real None here is an absent ``state`` inside a present object → ERROR.
    """
    evidence = {"state": state, "include_target": include.id if include else None}
    if state is None:
        return Result(
            Status.ERROR,
            f"{field} has no state in the snapshot, so it cannot be judged; re-export the policy.",
            resource=resource,
            evidence=evidence,
        )
    if state == "enabled":
        if include is None:
            return Result(
                Status.ERROR,
                f"{field} is 'enabled' but its includeTarget is missing from the snapshot, so who it "
                "applies to cannot be judged; re-export the policy.",
                resource=resource,
                evidence=evidence,
            )
        if include.is_all_users:
            return Result(
                Status.PASS,
                f"{field} is 'enabled' for all_users: {effect}.",
                resource=resource,
                evidence=evidence,
            )
        return Result(
            Status.FAIL,
            f"{field} is 'enabled' only for {target_name(snapshot, include.id)}, not all_users: everyone "
            f"else gets notifications without it.",
            resource=resource,
            evidence=evidence,
        )
    if state == "default":
        return Result(
            Status.FAIL,
            f"{field} is 'default' (Microsoft managed, which {default_means}); set it to 'enabled' "
            "for all_users.",
            resource=resource,
            evidence=evidence,
        )
    if state == "disabled":
        return Result(
            Status.FAIL,
            f"{field} is 'disabled'; set it to 'enabled' for all_users.",
            resource=resource,
            evidence=evidence,
        )
    return Result(Status.FAIL, unknown_value(field, state) + ".", resource=resource, evidence=evidence)


@dataclass(frozen=True, slots=True)
class EnabledMethod:
    """A method configuration whose state is ``enabled`` and whose include targets are present."""

    config: MethodConfiguration
    targets: tuple[MethodTarget, ...]
    evidence: dict[str, object]


def enabled_method(
    snapshot: TenantSnapshot, config_id: str, *, judged: str, when_disabled: tuple[Status, str]
) -> EnabledMethod | Result:
    """Read a method's state the way MFA-001 and MFA-007..009 need it.

    Returns the verdict for a missing configuration or state (ERROR), ``disabled`` (``when_disabled``),
    an unknown state (FAIL naming it) or absent include targets of an enabled method (ERROR);
    otherwise the enabled method for the caller to judge its targets. ``judged`` names what cannot
    be judged when the configuration is missing.
    """
    config = snapshot.policy.configuration(config_id)
    if config is None:
        return missing_configuration(config_id, judged)
    evidence: dict[str, object] = {"state": config.state}
    if config.state is None:
        return Result(
            Status.ERROR,
            f"The {config_id} configuration has no state in the snapshot; re-export the policy.",
            resource=config.id,
            evidence=evidence,
        )
    if config.disabled:
        return Result(when_disabled[0], when_disabled[1], resource=config.id, evidence=evidence)
    if not is_known(config.state, METHOD_STATES):
        detail = unknown_value(f"{config_id} state", config.state) + "."
        return Result(Status.FAIL, detail, resource=config.id, evidence=evidence)
    targets = config.include_targets
    if targets is None:
        return Result(
            Status.ERROR,
            f"{config_id} is enabled but its includeTargets are missing from the snapshot, so who can "
            "use it cannot be judged; re-export the policy.",
            resource=config.id,
            evidence=evidence,
        )
    evidence["include_targets"] = [t.id for t in targets]
    return EnabledMethod(config, targets, evidence)


def judge_phone_method(
    snapshot: TenantSnapshot, config_id: str, extra: Callable[[MethodConfiguration], str]
) -> Result:
    """MFA-007 / MFA-008: the method must be off; FAIL is high when all_users is targeted, else medium.

    ``extra`` adds a method-specific clause to a FAIL detail (SMS sign-in, office phones).
    """
    method = enabled_method(
        snapshot,
        config_id,
        judged=f"whether {config_id} is off",
        when_disabled=(Status.PASS, f"{config_id} is disabled (state 'disabled')."),
    )
    if isinstance(method, Result):
        return method
    everyone = has_all_users(method.targets)
    scope = "all_users" if everyone else target_list(snapshot, method.targets)
    detail = f"{config_id} is enabled (state 'enabled') for {scope}"
    clause = extra(method.config)
    detail += f"; {clause}." if clause else "."
    return Result(
        Status.FAIL,
        detail,
        resource=method.config.id,
        severity=Severity.HIGH if everyone else Severity.MEDIUM,
        evidence=method.evidence,
    )


def is_known_advanced(state: str) -> bool:
    return is_known(state, ADVANCED_CONFIG_STATES)


def exclusion_places(snapshot: TenantSnapshot) -> list[tuple[str, MethodTarget | FeatureTarget]]:
    """(place, target) for every exclusion MFA-014 judges, in the places present in the snapshot.

    Places: Authenticator excludeTargets and its number-matching / app / location feature
    excludeTarget (only while Authenticator is not disabled), systemCredentialPreferences and the
    registration campaign excludeTargets. Weak methods' and Authenticator Lite's exclusions are not
    judged: excluding people from a weak method is fine.
    """
    policy = snapshot.policy
    places: list[tuple[str, MethodTarget | FeatureTarget]] = []
    auth = policy.authenticator
    if auth is not None and not auth.disabled:
        for target in auth.exclude_targets or ():
            places.append((f"{auth.id} excludeTargets", target))
        for name in (NUMBER_MATCHING, APP_INFORMATION, LOCATION_INFORMATION):
            feature = auth.feature(name)
            if feature is not None and feature.exclude_target is not None:
                places.append((f"{auth.id} featureSettings.{name}.excludeTarget", feature.exclude_target))
    prefs = policy.system_credential_preferences
    if prefs is not None:
        places += [("systemCredentialPreferences.excludeTargets", t) for t in prefs.exclude_targets or ()]
    campaign = policy.registration_campaign
    if campaign is not None:
        places += [("registration campaign excludeTargets", t) for t in campaign.exclude_targets or ()]
    # Only the zero GUID means "no exclusion"; excluding all_users is the widest exclusion there is.
    return [(place, target) for place, target in places if target.id != ZERO_GUID]


PHONE_METHOD_NOTE = (
    "first make sure every affected user has another MFA method registered (mfaguard coverage)"
)
"""The warning that goes with turning SMS or voice off (MFA-007, MFA-008)."""


def absent_setting(name: str, resource: str, default: str) -> Result:
    """A policy-level setting missing from a beta snapshot: Microsoft managed (``default``), so WARN —
    pin it (MFA-011, MFA-012)."""
    return Result(
        Status.WARN,
        f"{name} is absent (treated as 'default', {default}); set it to 'enabled' for all_users.",
        resource=resource,
        evidence={"state": None},
    )


def judge_policy_setting(
    snapshot: TenantSnapshot,
    *,
    name: str,
    resource: str,
    state: str | None,
    targets: Sequence[MethodTarget | FeatureTarget] | None,
    default: str,
    disabled: str,
    partial: Status,
) -> Result:
    """A policy-level setting with a state and include targets (MFA-011, MFA-012).

    ``default`` is WARN with the given explanation; ``disabled`` FAIL; an unknown state FAIL; enabled
    PASS with ``all_users`` among the targets, else ``partial``. A missing state, or the targets of an
    enabled setting, is ERROR. The caller decides what an absent object means.
    """
    evidence: dict[str, object] = {"state": state}
    if state is None:
        return Result(
            Status.ERROR,
            f"{name} has no state in the snapshot, so it cannot be judged; re-export the policy.",
            resource=resource,
            evidence=evidence,
        )
    if state == "default":
        detail = f"{name} is 'default' ({default}); set it to 'enabled' for all_users."
        return Result(Status.WARN, detail, resource=resource, evidence=evidence)
    if state == "disabled":
        return Result(Status.FAIL, f"{name} is 'disabled': {disabled}.", resource=resource, evidence=evidence)
    if state != "enabled":
        return Result(
            Status.FAIL, unknown_value(f"{name} state", state) + ".", resource=resource, evidence=evidence
        )
    if targets is None:
        return Result(
            Status.ERROR,
            f"{name} is 'enabled' but its includeTargets are missing from the snapshot, so who it "
            "applies to cannot be judged; re-export the policy.",
            resource=resource,
            evidence=evidence,
        )
    evidence["include_targets"] = [t.id for t in targets]
    if has_all_users(targets):
        return Result(
            Status.PASS, f"{name} is 'enabled' for all_users.", resource=resource, evidence=evidence
        )
    return Result(
        partial,
        f"{name} is 'enabled' only for {target_list(snapshot, targets)}, not all_users.",
        resource=resource,
        evidence=evidence,
    )
