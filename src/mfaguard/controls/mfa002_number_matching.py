"""MFA-002 — Number matching is in effect for Authenticator push.

Microsoft enforces number matching for every Authenticator push since 2023-05-08 and ignores the
policy value; the setting ``number_matching`` says which world the tenant is in.

Service-enforced mode (``number_matching: service_enforced``, the default):

- PASS: ``featureSettings.numberMatchingRequiredState`` is anything but an explicit ``disabled``:
  ``enabled``, ``default``, absent (beta or v1.0), or a present object without a state.
- WARN: ``state`` is ``disabled`` (a stale value the service ignores; worth cleaning up), or a state
  value mfaguard does not know (the service enforces it anyway; the value is named).

Configurable mode (``number_matching: configurable``, the pre-2023 world):

- PASS: ``state`` is ``enabled`` and ``includeTarget`` is ``all_users``.
- FAIL: anything else: ``default``, ``disabled``, absent (in a beta snapshot absent means
  ``default``; a v1.0 snapshot does not carry the field, so its value is unproven), enabled for a
  group only, or an unknown value.
- ERROR: ``state`` is ``enabled`` but ``includeTarget`` is absent, or the object has no state.

Both modes:

- NOT_APPLICABLE: Microsoft Authenticator is disabled.
- ERROR: the MicrosoftAuthenticator configuration is missing.
"""

from __future__ import annotations

from mfaguard.model.policy import (
    AUTHENTICATOR,
    NUMBER_MATCHING,
    AuthenticatorConfiguration,
    TenantSnapshot,
)
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings, NumberMatchingMode

from ._helpers import READ_BETA, all_users_state, authenticator_gate, is_known_advanced
from .base import POLICY_PATH, Control, Remediation, Result, authenticator_feature_body, eidsca, mitre, portal

_NAME = f"featureSettings.{NUMBER_MATCHING}"


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    gate = authenticator_gate(snapshot, "MFA-002")
    if isinstance(gate, Result):
        return gate
    if settings.number_matching is NumberMatchingMode.CONFIGURABLE:
        return _configurable(snapshot, gate)
    return _service_enforced(gate)


def _service_enforced(config: AuthenticatorConfiguration) -> Result:
    feature = config.feature(NUMBER_MATCHING)
    state = feature.state if feature is not None else None
    evidence = {"state": state, "mode": NumberMatchingMode.SERVICE_ENFORCED.value}
    enforced = "Microsoft enforces number matching for every Authenticator push since 2023-05-08"
    if state == "disabled":
        return Result(
            Status.WARN,
            f"{_NAME} is 'disabled', a stale value the service ignores ({enforced}); it is worth "
            "cleaning up so reports and other tools do not misread it.",
            resource=config.id,
            evidence=evidence,
        )
    if state is not None and not is_known_advanced(state):
        return Result(
            Status.WARN,
            f"{_NAME} is '{state}', a value mfaguard does not know; {enforced}, but the value is worth a look.",
            resource=config.id,
            evidence=evidence,
        )
    seen = f"'{state}'" if state is not None else "absent"
    return Result(
        Status.PASS,
        f"{_NAME} is {seen} and {enforced}.",
        resource=config.id,
        evidence=evidence,
    )


def _configurable(snapshot: TenantSnapshot, config: AuthenticatorConfiguration) -> Result:
    feature = config.feature(NUMBER_MATCHING)
    if feature is None:
        if snapshot.is_beta:
            state: str | None = "default"
        else:
            return Result(
                Status.FAIL,
                f"{_NAME} is absent from this v1.0 snapshot, so number matching is not shown to be "
                f"enabled for all_users (required in configurable mode); {READ_BETA}.",
                resource=config.id,
                evidence={"state": None, "mode": NumberMatchingMode.CONFIGURABLE.value},
            )
        include = None
    else:
        state, include = feature.state, feature.include_target
    result = all_users_state(
        snapshot,
        field=_NAME,
        state=state,
        include=include,
        resource=config.id,
        effect="users must type the number shown at sign-in, so a blind approval does not work",
        default_means="in this configurable tenant means number matching is off",
    )
    return Result(
        result.status,
        result.detail,
        resource=result.resource,
        evidence={**result.evidence, "mode": NumberMatchingMode.CONFIGURABLE.value},
    )


CONTROL = Control(
    id="MFA-002",
    title="Number matching is in effect for Authenticator push",
    severity=Severity.HIGH,
    rationale=(
        "Number matching makes the user type the number shown on the sign-in screen, so a push sent by "
        "an attacker cannot be approved by reflex: it is the main defence against MFA fatigue "
        "(MITRE ATT&CK T1621). Microsoft enforces it since 2023-05-08; mfaguard checks the policy does "
        "not claim otherwise and, for tenants where it is still configurable, that it covers everyone."
    ),
    remediation=Remediation(
        portal=portal(
            "Policies",
            "Microsoft Authenticator",
            "Configure",
            "Require number matching for push notifications: Status = Enabled, Target = All users",
        ),
        method="PATCH",
        path=f"{POLICY_PATH}/authenticationMethodConfigurations/{AUTHENTICATOR}",
        body=authenticator_feature_body(NUMBER_MATCHING, "enabled"),
        note=(
            "only in tenants where number matching is still configurable; since 2023-05-08 Graph rejects "
            f"any PATCH containing {NUMBER_MATCHING} (leave it out of read-modify-write bodies); "
            "featureSettings is replaced as a whole"
        ),
    ),
    references=(eidsca("AM03"), eidsca("AM04"), mitre("T1621")),
    statuses=frozenset({Status.PASS, Status.WARN, Status.FAIL, Status.NOT_APPLICABLE, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
