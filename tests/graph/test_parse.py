from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfaguard.audit.engine import audit
from mfaguard.graph.parse import PolicyShapeError, detect_api_version, parse_policy
from mfaguard.model.policy import (
    APP_INFORMATION,
    COMPANION_APP,
    NUMBER_MATCHING,
    ApiVersion,
    AuthenticatorConfiguration,
    MethodConfiguration,
    TenantInfo,
    TenantSnapshot,
    VoiceConfiguration,
)
from mfaguard.model.settings import AuditSettings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "policies"


def body() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "compliant.json").read_text())
    return data


def config(data: dict[str, Any], config_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        c for c in data["authenticationMethodConfigurations"] if c["id"] == config_id
    )
    return found


def test_parses_a_beta_body_completely() -> None:
    policy = parse_policy(body())
    assert policy.id == "authenticationMethodsPolicy"
    assert policy.policy_migration_state == "migrationComplete"
    assert policy.policy_version == "1.5"
    auth = policy.authenticator
    assert isinstance(auth, AuthenticatorConfiguration)
    assert auth.state == "enabled"
    assert auth.is_software_oath_enabled is False
    assert auth.include_targets is not None and auth.include_targets[0].is_all_users
    assert auth.include_targets[0].authentication_mode == "any"
    nm = auth.feature(NUMBER_MATCHING)
    assert nm is not None and nm.state == "enabled" and nm.excluded_group is None
    app = auth.feature(APP_INFORMATION)
    assert app is not None and app.excluded_group == "b7ea4c1a-55e5-4000-8000-00000000b001"
    assert isinstance(policy.configuration("voice"), VoiceConfiguration)
    sms = policy.configuration("SMS")
    assert sms is not None and sms.include_targets is not None
    assert sms.include_targets[0].is_usable_for_sign_in is True
    assert policy.registration_campaign is not None and policy.registration_campaign.state == "enabled"
    assert policy.report_suspicious_activity is not None
    assert policy.report_suspicious_activity.include_target is not None
    assert policy.system_credential_preferences is not None
    assert policy.system_credential_preferences.exclude_targets == ()


def test_detects_api_version_from_odata_context() -> None:
    assert detect_api_version(body()) is ApiVersion.BETA
    assert detect_api_version({}) is ApiVersion.BETA
    v1 = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#authenticationMethodsPolicy"}
    assert detect_api_version(v1) is ApiVersion.V1


def test_unknown_method_types_and_properties_are_kept() -> None:
    data = body()
    data["authenticationMethodConfigurations"].append(
        {
            "@odata.type": "#microsoft.graph.futureThingAuthenticationMethodConfiguration",
            "id": "FutureThing",
            "state": "enabled",
            "brandNewSetting": {"x": 1},
        }
    )
    data["someNewPolicyProperty"] = [1, 2]
    config(data, "MicrosoftAuthenticator")["featureSettings"]["newFeatureState"] = {"state": "enabled"}
    policy = parse_policy(data)
    future = policy.configuration("futurething")
    assert type(future) is MethodConfiguration
    assert future.raw["brandNewSetting"] == {"x": 1}
    assert future.include_targets is None
    assert policy.raw["someNewPolicyProperty"] == [1, 2]


def test_unknown_enum_values_are_kept_raw() -> None:
    data = body()
    config(data, "MicrosoftAuthenticator")["featureSettings"][COMPANION_APP]["state"] = "unknownFutureValue"
    data["policyMigrationState"] = "somethingNew"
    policy = parse_policy(data)
    assert policy.policy_migration_state == "somethingNew"
    assert policy.authenticator is not None
    feature = policy.authenticator.feature(COMPANION_APP)
    assert feature is not None and feature.state == "unknownFutureValue"


def test_mixed_case_ids_and_missing_ids_are_resolved() -> None:
    data = body()
    config(data, "MicrosoftAuthenticator")["id"] = "microsoftAUTHENTICATOR"
    del config(data, "Voice")["id"]
    policy = parse_policy(data)
    assert isinstance(policy.configuration("MicrosoftAuthenticator"), AuthenticatorConfiguration)
    assert isinstance(policy.configuration("Voice"), VoiceConfiguration)


def test_null_and_absent_are_none() -> None:
    data = body()
    auth = config(data, "MicrosoftAuthenticator")
    auth["featureSettings"][COMPANION_APP] = None
    del auth["isSoftwareOathEnabled"]
    data["registrationEnforcement"] = None
    del data["systemCredentialPreferences"]
    policy = parse_policy(data)
    assert policy.authenticator is not None
    assert policy.authenticator.feature(COMPANION_APP) is None
    assert policy.authenticator.is_software_oath_enabled is None
    assert policy.registration_campaign is None
    assert policy.system_credential_preferences is None


def _set(data: dict[str, Any], path: list[str | int], value: Any) -> None:
    target: Any = data
    for key in path[:-1]:
        target = (
            target[key] if not isinstance(key, str) or not key.startswith("cfg:") else config(target, key[4:])
        )
    target[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "expected_path", "expected_problem"),
    [
        (["policyMigrationState"], 2, "policyMigrationState", "expected a string, got the number 2"),
        (
            ["authenticationMethodConfigurations"],
            {"a": 1},
            "authenticationMethodConfigurations",
            "expected an array, got an object",
        ),
        (
            ["authenticationMethodConfigurations", 0],
            "MicrosoftAuthenticator",
            "authenticationMethodConfigurations[0]",
            "expected an object",
        ),
        (
            ["cfg:MicrosoftAuthenticator", "isSoftwareOathEnabled"],
            "false",
            "authenticationMethodConfigurations[MicrosoftAuthenticator].isSoftwareOathEnabled",
            'expected true or false, got the string "false"',
        ),
        (
            ["cfg:Sms", "includeTargets"],
            {"id": "all_users"},
            "authenticationMethodConfigurations[Sms].includeTargets",
            "expected an array",
        ),
        (
            ["cfg:Sms", "state"],
            True,
            "authenticationMethodConfigurations[Sms].state",
            "expected a string, got true",
        ),
        (
            ["reportSuspiciousActivitySettings", "includeTarget"],
            "all_users",
            "reportSuspiciousActivitySettings.includeTarget",
            "expected an object",
        ),
        (
            ["registrationEnforcement", "authenticationMethodsRegistrationCampaign", "snoozeDurationInDays"],
            True,
            "registrationEnforcement.authenticationMethodsRegistrationCampaign.snoozeDurationInDays",
            "expected an integer, got true",
        ),
        (
            ["cfg:MicrosoftAuthenticator", "featureSettings", NUMBER_MATCHING],
            "enabled",
            f"authenticationMethodConfigurations[MicrosoftAuthenticator].featureSettings.{NUMBER_MATCHING}",
            "expected an object",
        ),
    ],
)
def test_wrong_json_type_names_the_field(
    path: list[str | int], value: Any, expected_path: str, expected_problem: str
) -> None:
    data = copy.deepcopy(body())
    _set(data, path, value)
    with pytest.raises(PolicyShapeError) as info:
        parse_policy(data)
    assert info.value.path == expected_path
    assert expected_problem in info.value.problem


def test_target_without_id_is_an_input_error() -> None:
    data = body()
    config(data, "Sms")["includeTargets"] = [{"targetType": "group"}]
    with pytest.raises(PolicyShapeError, match=r"includeTargets\[0\]\.id"):
        parse_policy(data)


def test_body_that_is_not_an_object() -> None:
    with pytest.raises(PolicyShapeError):
        parse_policy([1, 2])


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
_ALL_PATHS = _paths(body())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(_ALL_PATHS), value=_JSON)
def test_any_value_anywhere_parses_or_names_the_field_and_never_crashes_the_audit(
    path: tuple[Any, ...], value: Any
) -> None:
    data = body()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        policy = parse_policy(data)
    except PolicyShapeError as exc:
        assert exc.path and exc.problem
        return
    snapshot = TenantSnapshot(
        tenant=TenantInfo(id=None), api_version=ApiVersion.BETA, captured_at=None, policy=policy
    )
    report = audit(snapshot, settings=AuditSettings(), now=datetime(2026, 11, 28, tzinfo=UTC))
    # A control that crashed would say "bug in mfaguard"; garbled input must never get that far.
    assert not [f for f in report.findings if "bug in mfaguard" in f.detail]
