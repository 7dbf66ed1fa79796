"""Raw beta policy bodies for planner tests (shapes as Graph returns them, graph.md §1-§2)."""

from __future__ import annotations

from typing import Any

GROUP_H = "11111111-2222-3333-4444-555555555555"
PILOT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
ZERO = "00000000-0000-0000-0000-000000000000"
BASE = "https://graph.microsoft.com/beta/$metadata#"


def _feature(state: str, include: str = "all_users", exclude: str = ZERO) -> dict[str, Any]:
    return {
        "state": state,
        "includeTarget": {"targetType": "group", "id": include},
        "excludeTarget": {"targetType": "group", "id": exclude},
    }


def weak_policy() -> dict[str, Any]:
    """A weak tenant: SMS/voice/email on, context features Microsoft-managed, a push-only group."""
    return {
        "@odata.context": BASE + "policies/authenticationMethodsPolicy",
        "id": "authenticationMethodsPolicy",
        "displayName": "Authentication Methods Policy",
        "description": "The tenant-wide policy",
        "lastModifiedDateTime": "2026-01-01T00:00:00Z",
        "policyVersion": "1.5",
        "policyMigrationState": "preMigration",
        "reconfirmationInDays": 0,
        "registrationEnforcement": {
            "authenticationMethodsRegistrationCampaign": {
                "snoozeDurationInDays": 1,
                "enforceRegistrationAfterAllowedSnoozes": True,
                "state": "default",
                "excludeTargets": [],
                "includeTargets": [
                    {
                        "id": "all_users",
                        "targetType": "group",
                        "targetedAuthenticationMethod": "microsoftAuthenticator",
                    }
                ],
            }
        },
        "systemCredentialPreferences": {
            "state": "default",
            "excludeTargets": [],
            "includeTargets": [{"id": "all_users", "targetType": "group"}],
        },
        "reportSuspiciousActivitySettings": {
            "state": "default",
            "voiceReportingCode": 0,
            "includeTarget": {"id": "all_users", "targetType": "group"},
        },
        "authenticationMethodConfigurations@odata.context": BASE + "policies/x",
        "authenticationMethodConfigurations": [
            {
                "@odata.type": "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration",
                "id": "MicrosoftAuthenticator",
                "state": "enabled",
                "isSoftwareOathEnabled": True,
                "excludeTargets": [],
                "featureSettings": {
                    "numberMatchingRequiredState": _feature("default"),
                    "displayAppInformationRequiredState": _feature("default"),
                    "displayLocationInformationRequiredState": _feature("disabled"),
                    "companionAppAllowedState": _feature("default"),
                },
                "includeTargets@odata.context": BASE + "x",
                "includeTargets": [
                    {
                        "targetType": "group",
                        "id": GROUP_H,
                        "isRegistrationRequired": True,
                        "authenticationMode": "push",
                    }
                ],
            },
            {
                "@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration",
                "id": "Sms",
                "state": "enabled",
                "excludeTargets": [],
                "includeTargets": [
                    {
                        "targetType": "group",
                        "id": "all_users",
                        "isRegistrationRequired": False,
                        "isUsableForSignIn": True,
                    }
                ],
            },
            {
                "@odata.type": "#microsoft.graph.voiceAuthenticationMethodConfiguration",
                "id": "Voice",
                "state": "enabled",
                "isOfficePhoneAllowed": True,
                "excludeTargets": [],
                "includeTargets": [
                    {"targetType": "group", "id": "all_users", "isRegistrationRequired": False}
                ],
            },
            {
                "@odata.type": "#microsoft.graph.emailAuthenticationMethodConfiguration",
                "id": "Email",
                "state": "enabled",
                "allowExternalIdToUseEmailOtp": "default",
                "excludeTargets": [],
                "includeTargets": [
                    {"targetType": "group", "id": "all_users", "isRegistrationRequired": False}
                ],
            },
            {
                "@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
                "id": "Fido2",
                "state": "disabled",
                "excludeTargets": [],
                "includeTargets": [],
            },
        ],
    }


def apply_body(policy: dict[str, Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
    """What Graph does with one PATCH body (via the planner's own model of it)."""
    from mfaguard.enforce.plan import ObjectPlan, Plan, PlanSettings, proposed_policy

    object_id = (
        "authenticationMethodsPolicy"
        if path.endswith("/authenticationMethodsPolicy")
        else path.rsplit("/", 1)[1]
    )
    one = Plan("test", PlanSettings(), (ObjectPlan(object_id, path, (), body, {}),))
    return proposed_policy(policy, one)
