"""Shared builder of MFA-003 / MFA-004: a sign-in context feature of Authenticator notifications."""

from __future__ import annotations

from collections.abc import Callable

from mfaguard.model.policy import AUTHENTICATOR, TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._helpers import all_users_state, authenticator_gate
from .base import POLICY_PATH, Control, Reference, Remediation, Result, authenticator_feature_body, portal


def context_evaluator(
    control_id: str, feature: str, effect: str
) -> Callable[[TenantSnapshot, AuditSettings], Result]:
    name = f"featureSettings.{feature}"

    def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
        gate = authenticator_gate(snapshot, control_id)
        if isinstance(gate, Result):
            return gate
        setting = gate.feature(feature)
        if setting is None:  # absent (beta or v1.0, where this field exists too) = default
            state: str | None = "default"
            include = None
        else:
            state, include = setting.state, setting.include_target
        return all_users_state(
            snapshot,
            field=name,
            state=state,
            include=include,
            resource=gate.id,
            effect=effect,
            default_means="is currently disabled",
        )

    return evaluate


def context_control(
    *,
    control_id: str,
    feature: str,
    title: str,
    portal_label: str,
    effect: str,
    rationale: str,
    references: tuple[Reference, ...],
    doc: str,
) -> Control:
    return Control(
        id=control_id,
        title=title,
        severity=Severity.MEDIUM,
        rationale=rationale,
        remediation=Remediation(
            portal=portal(
                "Policies",
                "Microsoft Authenticator",
                "Configure",
                f"{portal_label}: Status = Enabled, Target = All users",
            ),
            method="PATCH",
            path=f"{POLICY_PATH}/authenticationMethodConfigurations/{AUTHENTICATOR}",
            body=authenticator_feature_body(feature, "enabled"),
            note=(
                "featureSettings is replaced as a whole: start from a fresh GET, change this feature, keep "
                "the others, and leave numberMatchingRequiredState out (Graph rejects it)"
            ),
        ),
        references=references,
        statuses=frozenset({Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.ERROR}),
        evaluate=context_evaluator(control_id, feature, effect),
        doc=doc,
    )
