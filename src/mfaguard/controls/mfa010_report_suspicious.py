"""MFA-010 — Users can report suspicious MFA prompts.

- PASS: ``reportSuspiciousActivitySettings`` ``state`` is ``enabled`` and ``includeTarget`` is
  ``all_users``.
- FAIL: ``default`` (= disabled; also when the object is absent from a beta snapshot), ``disabled``,
  enabled for a group only, or a state value mfaguard does not know.
- ERROR: the object is absent from a v1.0 snapshot (a beta-only field); it is ``enabled`` without an
  ``includeTarget``; or it is present without a ``state``.
- NOT_APPLICABLE: never.
"""

from __future__ import annotations

from mfaguard.model.policy import TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._helpers import READ_BETA, all_users_state
from .base import POLICY_PATH, Control, Remediation, Result, eidsca, portal, zta

_NAME = "reportSuspiciousActivitySettings"


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    rsa = snapshot.policy.report_suspicious_activity
    if rsa is None and not snapshot.is_beta:
        return Result(
            Status.ERROR,
            f"{_NAME} is absent from this v1.0 snapshot (a beta-only field), so it cannot be judged; "
            f"{READ_BETA}.",
            resource=_NAME,
        )
    return all_users_state(
        snapshot,
        field=_NAME if rsa is not None else f"{_NAME} (absent, treated as default)",
        state="default" if rsa is None else rsa.state,
        include=None if rsa is None else rsa.include_target,
        resource=_NAME,
        effect="users can report a push they did not expect, which raises their user risk to high",
        default_means="Microsoft keeps disabled",
    )


CONTROL = Control(
    id="MFA-010",
    title="Users can report suspicious MFA prompts",
    severity=Severity.MEDIUM,
    rationale=(
        "When a user reports a push they did not cause, Entra ID Protection marks them high risk, so "
        "risk-based Conditional Access can block the attacker and the SOC gets a signal. Without it, "
        "the only outcome of an MFA-fatigue attempt is a denied prompt nobody hears about. Microsoft "
        "managed ('default') means disabled."
    ),
    remediation=Remediation(
        portal=portal(
            "Settings",
            "Report suspicious activity: State = Enabled, Target = All users",
        ),
        method="PATCH",
        path=POLICY_PATH,
        body={
            _NAME: {
                "state": "enabled",
                "includeTarget": {"targetType": "group", "id": "all_users"},
                "voiceReportingCode": 0,
            }
        },
        note="beta endpoint; keep your voiceReportingCode if you set a custom one",
    ),
    references=(eidsca("AG02"), eidsca("AG03"), zta("21841")),
    statuses=frozenset({Status.PASS, Status.FAIL, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
