"""MFA-009 — Email OTP is off for members.

- PASS: the Email configuration ``state`` is ``disabled``; or it is ``enabled`` with an empty
  ``includeTargets`` (then only guests — B2B users — can use email one-time passcodes).
- FAIL: ``enabled`` with include targets (members can use email OTP), or a state value mfaguard does
  not know.
- ERROR: the Email configuration is missing, its ``state`` is absent, or it is enabled and its
  ``includeTargets`` are absent.
- NOT_APPLICABLE: never.
"""

from __future__ import annotations

from mfaguard.models import EMAIL, METHOD_STATES, ODATA_TYPES, TenantSnapshot, is_known
from mfaguard.report import Severity, Status
from mfaguard.settings import AuditSettings

from ._helpers import missing_configuration, target_list, unknown_value
from .base import POLICY_PATH, Control, Remediation, Result, cis, cisa, portal


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    config = snapshot.policy.configuration(EMAIL)
    if config is None:
        return missing_configuration(EMAIL, "whether email OTP is off for members")
    evidence: dict[str, object] = {"state": config.state}
    if config.state is None:
        return Result(
            Status.ERROR,
            "The Email configuration has no state in the snapshot; re-export the policy.",
            resource=config.id,
            evidence=evidence,
        )
    if config.disabled:
        return Result(
            Status.PASS, "Email OTP is disabled (state 'disabled').", resource=config.id, evidence=evidence
        )
    if not is_known(config.state, METHOD_STATES):
        return Result(
            Status.FAIL,
            unknown_value("Email state", config.state) + ".",
            resource=config.id,
            evidence=evidence,
        )
    targets = config.include_targets
    if targets is None:
        return Result(
            Status.ERROR,
            "Email OTP is enabled but its includeTargets are missing from the snapshot, so whether "
            "members can use it cannot be judged; re-export the policy.",
            resource=config.id,
            evidence=evidence,
        )
    evidence["include_targets"] = [t.id for t in targets]
    if not targets:
        return Result(
            Status.PASS,
            "Email OTP is enabled with no include targets: only guests can use it.",
            resource=config.id,
            evidence=evidence,
        )
    return Result(
        Status.FAIL,
        f"Email OTP is enabled for members: {target_list(snapshot, targets)}.",
        resource=config.id,
        evidence=evidence,
    )


CONTROL = Control(
    id="MFA-009",
    title="Email OTP is off for members",
    severity=Severity.MEDIUM,
    rationale=(
        "An email one-time passcode is only as strong as the mailbox, which is often protected by the "
        "same password the attacker already has. For members it is a weak second factor; for guests "
        "(B2B) with no other method it can stay."
    ),
    remediation=Remediation(
        portal=portal(
            "Policies",
            "Email OTP",
            "Enable and Target: Enable = Off (or On with no groups included, for guests only)",
        ),
        method="PATCH",
        path=f"{POLICY_PATH}/authenticationMethodConfigurations/{EMAIL}",
        body={"@odata.type": ODATA_TYPES[EMAIL.lower()], "state": "disabled"},
        note='for guests only send "state": "enabled" with "includeTargets": [] instead',
    ),
    references=(cisa("MS.AAD.3.5v2"), cis("5.2.3.7")),
    statuses=frozenset({Status.PASS, Status.FAIL, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
