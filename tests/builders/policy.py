"""Authentication Methods Policies for tests: the frozen model built by hand (no parser, no Graph),
the raw bodies Graph returns (beta shapes, graph.md §1-§2), and the policy fixture files."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mfaguard.model.policy import (
    APP_INFORMATION,
    LOCATION_INFORMATION,
    NUMBER_MATCHING,
    ZERO_GUID,
    AuthenticationMethodsPolicy,
    AuthenticatorConfiguration,
    FeatureSetting,
    FeatureTarget,
    MethodConfiguration,
    MethodTarget,
    VoiceConfiguration,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
"""``tests/fixtures/policies``: one raw policy body (or snapshot) per control case."""

BREAK_GLASS = "b7ea4c1a-55e5-4000-8000-00000000b001"
"""The break-glass group the compliant fixture excludes (and the coverage tenant names)."""
CONTRACTORS = "c0000000-0000-4000-8000-0000000000c1"


def fixture_body(name: str = "compliant") -> dict[str, Any]:
    """A fresh copy of ``tests/fixtures/policies/<name>.json``."""
    body: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return body


# ---- the frozen model -----------------------------------------------------------------------------


def target(target_id: str, mode: str | None = None, target_type: str = "group") -> MethodTarget:
    return MethodTarget(id=target_id, target_type=target_type, authentication_mode=mode)


def targets(ids: Iterable[str | MethodTarget]) -> tuple[MethodTarget, ...]:
    return tuple(t if isinstance(t, MethodTarget) else target(t) for t in ids)


def method(
    config_id: str,
    state: str = "enabled",
    include: Iterable[str | MethodTarget] = ("all_users",),
    exclude: Iterable[str] = (),
) -> MethodConfiguration:
    return MethodConfiguration(
        id=config_id,
        odata_type=None,
        state=state,
        include_targets=targets(include),
        exclude_targets=targets(exclude),
    )


def voice(
    state: str = "enabled", include: Iterable[str] = ("all_users",), office: bool = False
) -> VoiceConfiguration:
    return VoiceConfiguration(
        id="Voice",
        odata_type=None,
        state=state,
        include_targets=targets(include),
        exclude_targets=(),
        is_office_phone_allowed=office,
    )


def feature(state: str = "enabled", include: str = "all_users", exclude: str = ZERO_GUID) -> FeatureSetting:
    return FeatureSetting(
        state=state,
        include_target=FeatureTarget(id=include, target_type="group"),
        exclude_target=FeatureTarget(id=exclude, target_type="group"),
    )


def authenticator(
    state: str = "enabled",
    include: Iterable[str | MethodTarget] = (target("all_users", "any"),),
    exclude: Iterable[str] = (),
    *,
    app: FeatureSetting | None = None,
    location: FeatureSetting | None = None,
    number_matching: FeatureSetting | None = None,
    software_oath: bool = False,
) -> AuthenticatorConfiguration:
    features = {}
    for name, setting in (
        (APP_INFORMATION, app),
        (LOCATION_INFORMATION, location),
        (NUMBER_MATCHING, number_matching),
    ):
        if setting is not None:
            features[name] = setting
    return AuthenticatorConfiguration(
        id="MicrosoftAuthenticator",
        odata_type=None,
        state=state,
        include_targets=targets(include),
        exclude_targets=targets(exclude),
        is_software_oath_enabled=software_oath,
        feature_settings=features,
    )


def hardened_authenticator(**kwargs: object) -> AuthenticatorConfiguration:
    """Authenticator for all users with app-name and location context on for everyone."""
    return authenticator(app=feature(), location=feature(), **kwargs)  # type: ignore[arg-type]


def policy(*configs: MethodConfiguration) -> AuthenticationMethodsPolicy:
    return AuthenticationMethodsPolicy(
        id="authenticationMethodsPolicy",
        policy_version="1.5",
        policy_migration_state="migrationComplete",
        registration_campaign=None,
        report_suspicious_activity=None,
        system_credential_preferences=None,
        configurations=tuple(configs),
    )


# ---- raw Graph bodies -----------------------------------------------------------------------------

GROUP_H = "11111111-2222-3333-4444-555555555555"
PILOT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
ZERO = ZERO_GUID
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


def coverage_policy_body() -> dict[str, Any]:
    """The compliant policy with SMS on and Authenticator also excluding a nested contractors group."""
    body = copy.deepcopy(fixture_body("compliant"))
    for config in body["authenticationMethodConfigurations"]:
        if config["id"] == "Sms":
            config["state"] = "enabled"
        if config["id"] == "MicrosoftAuthenticator":
            config["excludeTargets"].append({"id": CONTRACTORS, "targetType": "group"})
    return body
