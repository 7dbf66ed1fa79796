"""MFA-012 — Registration campaign nudges users to Authenticator.

- PASS: ``registrationEnforcement.authenticationMethodsRegistrationCampaign`` ``state`` is
  ``enabled`` and ``includeTargets`` contains ``all_users``.
- WARN: ``default`` (Microsoft managed; also when the campaign is absent), or ``enabled`` without
  ``all_users`` among the include targets.
- FAIL: ``disabled``, or a state value mfaguard does not know.
- ERROR: the campaign is ``enabled`` with its ``includeTargets`` absent, or present without a
  ``state``.
- NOT_APPLICABLE: never.
"""

from __future__ import annotations

from mfaguard.model.policy import TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

from ._helpers import absent_setting, judge_policy_setting
from .base import POLICY_PATH, Control, Remediation, Result, eidsca, portal

_NAME = "registrationEnforcement.authenticationMethodsRegistrationCampaign"
_RESOURCE = "registrationCampaign"


_DEFAULT = "Microsoft managed: it only nudges SMS and voice users"


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    campaign = snapshot.policy.registration_campaign
    if campaign is None:  # absent (beta or v1.0, where registrationEnforcement exists too) = default
        return absent_setting(_NAME, _RESOURCE, _DEFAULT)
    return judge_policy_setting(
        snapshot,
        name=_NAME,
        resource=_RESOURCE,
        state=campaign.state,
        targets=campaign.include_targets,
        default=_DEFAULT,
        disabled="users without Authenticator are never asked to register it",
        partial=Status.WARN,
    )


CONTROL = Control(
    id="MFA-012",
    title="Registration campaign nudges users to Authenticator",
    severity=Severity.LOW,
    rationale=(
        "Turning off SMS and voice only works once users have something better. The registration "
        "campaign asks users without Authenticator to set it up at sign-in, moving the tenant off the "
        "methods MFA-fatigue and SIM-swap attacks exploit."
    ),
    remediation=Remediation(
        portal=portal(
            "Registration campaign",
            "Edit: State = Enabled, Include = All users, Authentication method = Microsoft Authenticator",
        ),
        method="PATCH",
        path=POLICY_PATH,
        body={
            "registrationEnforcement": {
                "authenticationMethodsRegistrationCampaign": {
                    "state": "enabled",
                    "snoozeDurationInDays": 1,
                    "includeTargets": [
                        {
                            "id": "all_users",
                            "targetType": "group",
                            "targetedAuthenticationMethod": "microsoftAuthenticator",
                        }
                    ],
                    "excludeTargets": [],
                }
            }
        },
        note="excludeTargets is replaced as a whole: keep your break-glass group in it",
    ),
    references=(eidsca("AG08"),),
    statuses=frozenset({Status.PASS, Status.WARN, Status.FAIL, Status.ERROR}),
    evaluate=evaluate,
    doc=__doc__ or "",
)
