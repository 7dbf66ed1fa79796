"""MFA-011 — System-preferred MFA is on for all users.

- PASS: ``systemCredentialPreferences`` ``state`` is ``enabled`` and ``includeTargets`` contains
  ``all_users``.
- WARN: ``default`` (Microsoft managed, currently on; pin it so a change of default does not turn it
  off), also when the object is absent from a beta snapshot.
- FAIL: ``disabled``; ``enabled`` without ``all_users`` among the include targets; or a state value
  mfaguard does not know.
- ERROR: the object is absent from a v1.0 snapshot (a beta-only field); it is ``enabled`` with its
  ``includeTargets`` absent; or it is present without a ``state``.
- NOT_APPLICABLE: never.
"""

from __future__ import annotations

from mfaguard.model.policy import TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._helpers import READ_BETA, absent_setting, judge_policy_setting
from .base import POLICY_PATH, Control, Remediation, Result, cis, portal

_NAME = "systemCredentialPreferences"


_DEFAULT = "Microsoft managed: currently on, but pin it so a change of Microsoft's default cannot turn it off"


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    prefs = snapshot.policy.system_credential_preferences
    if prefs is None:
        if not snapshot.is_beta:
            return Result(
                Status.ERROR,
                f"{_NAME} is absent from this v1.0 snapshot (a beta-only field), so system-preferred MFA "
                f"cannot be judged; {READ_BETA}.",
                resource=_NAME,
            )
        return absent_setting(_NAME, _NAME, _DEFAULT)
    return judge_policy_setting(
        snapshot,
        name=_NAME,
        resource=_NAME,
        state=prefs.state,
        targets=prefs.include_targets,
        default=_DEFAULT,
        disabled="users are prompted for the method they chose, even SMS or voice",
        partial=Status.FAIL,
    )


CONTROL = Control(
    id="MFA-011",
    title="System-preferred MFA is on for all users",
    severity=Severity.MEDIUM,
    rationale=(
        "System-preferred MFA prompts each user for the strongest method they registered (passkey, "
        "then Authenticator push, ...) instead of the one they picked, often SMS. Microsoft manages it "
        "as on today; pinning it to 'enabled' keeps it on if that default changes."
    ),
    remediation=Remediation(
        portal=portal(
            "Settings",
            "System-preferred multifactor authentication: State = Enabled, Include = All users",
        ),
        method="PATCH",
        path=POLICY_PATH,
        body={
            _NAME: {
                "state": "enabled",
                "includeTargets": [{"targetType": "group", "id": "all_users"}],
                "excludeTargets": [],
            }
        },
        note="excludeTargets is replaced as a whole: keep your break-glass group in it",
    ),
    references=(cis("5.2.3.6"),),
    statuses=frozenset({Status.PASS, Status.WARN, Status.FAIL, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
