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

from mfaguard.model.policy import EMAIL, TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._helpers import enabled_method, target_list
from .base import Control, Result, cis, cisa, disable_method


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    method = enabled_method(
        snapshot,
        EMAIL,
        judged="whether email OTP is off for members",
        when_disabled=(Status.PASS, "Email OTP is disabled (state 'disabled')."),
    )
    if isinstance(method, Result):
        return method
    if not method.targets:
        return Result(
            Status.PASS,
            "Email OTP is enabled with no include targets: only guests can use it.",
            resource=method.config.id,
            evidence=method.evidence,
        )
    return Result(
        Status.FAIL,
        f"Email OTP is enabled for members: {target_list(snapshot, method.targets)}.",
        resource=method.config.id,
        evidence=method.evidence,
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
    remediation=disable_method(
        EMAIL,
        "Email OTP",
        portal_step="Enable and Target: Enable = Off (or On with no groups included, for guests only)",
        note='for guests only send "state": "enabled" with "includeTargets": [] instead',
    ),
    references=(cisa("MS.AAD.3.5v2"), cis("5.2.3.7")),
    statuses=frozenset({Status.PASS, Status.FAIL, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
