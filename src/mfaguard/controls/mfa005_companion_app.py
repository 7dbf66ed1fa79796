"""MFA-005 — Authenticator Lite (companion app) is off.

- PASS: ``featureSettings.companionAppAllowedState`` ``state`` is ``disabled``.
- FAIL: ``enabled``; ``default`` (Microsoft managed = enabled since 2023-06-26), also when the
  feature is absent from a beta snapshot; or a state value mfaguard does not know.
- ERROR: the MicrosoftAuthenticator configuration is missing; the feature is absent from a v1.0
  snapshot (it is a beta-only field); or it is present without a ``state``.
- NOT_APPLICABLE: Microsoft Authenticator is disabled.
"""

from __future__ import annotations

from mfaguard.model.policy import AUTHENTICATOR, COMPANION_APP, TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._helpers import READ_BETA, authenticator_gate, unknown_value
from .base import POLICY_PATH, Control, Remediation, Result, authenticator_feature_body, cis, portal

_NAME = f"featureSettings.{COMPANION_APP}"


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    gate = authenticator_gate(snapshot, "MFA-005")
    if isinstance(gate, Result):
        return gate
    feature = gate.feature(COMPANION_APP)
    if feature is None and not snapshot.is_beta:
        return Result(
            Status.ERROR,
            f"{_NAME} is absent from this v1.0 snapshot (a beta-only field), so Authenticator Lite "
            f"cannot be judged; {READ_BETA}.",
            resource=gate.id,
        )
    state = "default" if feature is None else feature.state
    evidence = {"state": state, "absent": feature is None}
    if state is None:
        return Result(
            Status.ERROR,
            f"{_NAME} has no state in the snapshot, so it cannot be judged; re-export the policy.",
            resource=gate.id,
            evidence=evidence,
        )
    if state == "disabled":
        return Result(
            Status.PASS,
            f"{_NAME} is 'disabled': pushes cannot be approved in Outlook mobile (Authenticator Lite).",
            resource=gate.id,
            evidence=evidence,
        )
    if state == "enabled":
        detail = f"{_NAME} is 'enabled': Authenticator Lite in Outlook mobile can approve pushes."
    elif state == "default":
        seen = "absent (treated as 'default')" if feature is None else "'default'"
        detail = (
            f"{_NAME} is {seen}: Microsoft managed, which means enabled since 2023-06-26, so "
            "Authenticator Lite in Outlook mobile can approve pushes."
        )
    else:
        detail = unknown_value(_NAME, state) + "."
    return Result(Status.FAIL, detail, resource=gate.id, evidence=evidence)


CONTROL = Control(
    id="MFA-005",
    title="Authenticator Lite (companion app) is off",
    severity=Severity.LOW,
    rationale=(
        "Authenticator Lite lets users approve pushes inside Outlook mobile. Those pushes never show "
        "the application name or location (sign-in context), so a user under an MFA-fatigue attack "
        "has less to go on. Microsoft turned it on for tenants left at 'Microsoft managed' on "
        "2023-06-26."
    ),
    remediation=Remediation(
        portal=portal(
            "Policies",
            "Microsoft Authenticator",
            "Configure",
            "Microsoft Authenticator on companion applications: Status = Disabled",
        ),
        method="PATCH",
        path=f"{POLICY_PATH}/authenticationMethodConfigurations/{AUTHENTICATOR}",
        body=authenticator_feature_body(COMPANION_APP, "disabled"),
        note=(
            "beta endpoint; featureSettings is replaced as a whole: keep the other features from a fresh "
            "GET and leave numberMatchingRequiredState out"
        ),
    ),
    references=(cis("5.2.3.10"),),
    statuses=frozenset({Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
