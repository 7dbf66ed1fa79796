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

from mfaguard.models import TenantSnapshot
from mfaguard.report import Severity, Status
from mfaguard.settings import AuditSettings

from ._helpers import has_all_users, target_list, unknown_value
from .base import POLICY_PATH, Control, Remediation, Result, eidsca, portal

_NAME = "registrationEnforcement.authenticationMethodsRegistrationCampaign"
_RESOURCE = "registrationCampaign"


def evaluate(snapshot: TenantSnapshot, settings: AuditSettings) -> Result:
    campaign = snapshot.policy.registration_campaign
    if campaign is None:
        return Result(
            Status.WARN,
            f"{_NAME} is absent (treated as 'default', Microsoft managed: it only nudges SMS and voice "
            "users); set it to 'enabled' for all_users.",
            resource=_RESOURCE,
            evidence={"state": None},
        )
    evidence: dict[str, object] = {"state": campaign.state}
    if campaign.state is None:
        return Result(
            Status.ERROR,
            f"{_NAME} has no state in the snapshot, so it cannot be judged; re-export the policy.",
            resource=_RESOURCE,
            evidence=evidence,
        )
    if campaign.state == "default":
        return Result(
            Status.WARN,
            f"{_NAME} is 'default' (Microsoft managed: it only nudges SMS and voice users); set it to "
            "'enabled' for all_users.",
            resource=_RESOURCE,
            evidence=evidence,
        )
    if campaign.state == "disabled":
        return Result(
            Status.FAIL,
            f"{_NAME} is 'disabled': users without Authenticator are never asked to register it.",
            resource=_RESOURCE,
            evidence=evidence,
        )
    if campaign.state != "enabled":
        return Result(
            Status.FAIL,
            unknown_value(f"{_NAME} state", campaign.state) + ".",
            resource=_RESOURCE,
            evidence=evidence,
        )
    targets = campaign.include_targets
    if targets is None:
        return Result(
            Status.ERROR,
            f"{_NAME} is 'enabled' but its includeTargets are missing from the snapshot, so who is "
            "nudged cannot be judged; re-export the policy.",
            resource=_RESOURCE,
            evidence=evidence,
        )
    evidence["include_targets"] = [t.id for t in targets]
    if has_all_users(targets):
        return Result(
            Status.PASS, f"{_NAME} is 'enabled' for all_users.", resource=_RESOURCE, evidence=evidence
        )
    return Result(
        Status.WARN,
        f"{_NAME} is 'enabled' only for {target_list(snapshot, targets)}, not all_users.",
        resource=_RESOURCE,
        evidence=evidence,
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
