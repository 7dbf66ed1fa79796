"""Raw Graph JSON → the frozen models of :mod:`mfaguard.model.policy`.

Tolerant where Graph evolves, strict where a value cannot be trusted:
- unknown properties and unknown method types are kept (``raw``; unknown types as the base
  :class:`~mfaguard.model.policy.MethodConfiguration`), never fatal;
- enum values are kept as the raw string Graph sent (``unknownFutureValue`` or anything new), so a
  finding can name what it saw;
- a known field with the wrong JSON type (``"state": 5``, ``"includeTargets": {}``) raises
  :class:`PolicyShapeError` naming the field path — judging a garbled value could give a false PASS.

``null`` and absent are the same to the models (``None``); the controls decide what absent means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from mfaguard.errors import InputError
from mfaguard.model.policy import (
    AUTHENTICATOR,
    FEATURE_NAMES,
    ODATA_TYPES,
    VOICE,
    ApiVersion,
    AuthenticationMethodsPolicy,
    AuthenticatorConfiguration,
    FeatureSetting,
    FeatureTarget,
    JsonObject,
    MethodConfiguration,
    MethodTarget,
    RegistrationCampaign,
    ReportSuspiciousActivitySettings,
    SystemCredentialPreferences,
    VoiceConfiguration,
)

__all__ = [
    "PolicyShapeError",
    "describe_json",
    "detect_api_version",
    "join_path",
    "json_field",
    "json_object",
    "parse_policy",
]

T = TypeVar("T")

_JSON_TYPE_NAMES: Mapping[type, str] = {
    str: "a string",
    bool: "true or false",
    int: "an integer",
    float: "a number",
    list: "an array",
    dict: "an object",
}

# Lower-case configuration id by @odata.type, to name configurations that lack an ``id``.
_ID_BY_ODATA_TYPE = {odata.lower(): key for key, odata in ODATA_TYPES.items()}
_CANONICAL_IDS = {AUTHENTICATOR.lower(): AUTHENTICATOR, VOICE.lower(): VOICE}


class PolicyShapeError(InputError):
    """A known field of a Graph body has the wrong JSON type (or a required one is missing).

    ``path`` is the field path (``authenticationMethodConfigurations[Sms].state``) and ``problem``
    the sentence without it, so a loader can re-raise naming its file.
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(
            problem,
            key=path,
            hint="fix the value in the file or re-export the body from Graph Explorer",
        )
        self.path = path
        self.problem = problem


def describe_json(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f'the string "{value}"'
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def json_field(obj: JsonObject, name: str, kind: type[T], path: str) -> T | None:
    """``obj[name]`` when it has JSON type ``kind``; None when absent or null; else PolicyShapeError."""
    value = obj.get(name)
    if value is None:
        return None
    ok = isinstance(value, kind)
    if kind is int and isinstance(value, bool):  # bool is an int in Python, not in JSON
        ok = False
    if not ok:
        raise PolicyShapeError(
            join_path(path, name), f"expected {_JSON_TYPE_NAMES[kind]}, got {describe_json(value)}"
        )
    return value  # type: ignore[return-value]  # narrowed by the isinstance check above


def join_path(path: str, name: str) -> str:
    """``path.name`` (or ``name`` at the top): how every parser names the field it complains about."""
    return f"{path}.{name}" if path else name


def json_object(value: Any, path: str) -> JsonObject:
    """``value`` when it is a JSON object; PolicyShapeError naming ``path`` otherwise."""
    if not isinstance(value, dict):
        raise PolicyShapeError(path, f"expected an object, got {describe_json(value)}")
    return value


def _objects(obj: JsonObject, name: str, path: str) -> list[tuple[str, JsonObject]] | None:
    """An array of objects as (item path, item); None when absent or null."""
    items = json_field(obj, name, list, path)
    if items is None:
        return None
    where = join_path(path, name)
    return [(f"{where}[{i}]", json_object(item, f"{where}[{i}]")) for i, item in enumerate(items)]


def detect_api_version(body: JsonObject) -> ApiVersion:
    """v1.0 when ``@odata.context`` contains ``/v1.0/``; otherwise beta (DESIGN §3)."""
    context = body.get("@odata.context")
    if isinstance(context, str) and "/v1.0/" in context:
        return ApiVersion.V1
    return ApiVersion.BETA


def parse_method_target(obj: JsonObject, path: str) -> MethodTarget:
    """One ``authenticationMethodTarget`` (or a derived / campaign include target)."""
    target_id = json_field(obj, "id", str, path)
    if target_id is None:
        raise PolicyShapeError(
            join_path(path, "id"), "missing: every target needs the id of a group or all_users"
        )
    return MethodTarget(
        id=target_id,
        target_type=json_field(obj, "targetType", str, path),
        authentication_mode=json_field(obj, "authenticationMode", str, path),
        is_registration_required=json_field(obj, "isRegistrationRequired", bool, path),
        is_usable_for_sign_in=json_field(obj, "isUsableForSignIn", bool, path),
        targeted_authentication_method=json_field(obj, "targetedAuthenticationMethod", str, path),
        raw=obj,
    )


def _method_targets(obj: JsonObject, name: str, path: str) -> tuple[MethodTarget, ...] | None:
    items = _objects(obj, name, path)
    if items is None:
        return None
    return tuple(parse_method_target(item, where) for where, item in items)


def parse_feature_target(obj: JsonObject, path: str) -> FeatureTarget:
    """A ``featureTarget`` / ``includeTarget`` / ``excludeTarget`` (id + targetType)."""
    target_id = json_field(obj, "id", str, path)
    if target_id is None:
        raise PolicyShapeError(
            join_path(path, "id"), "missing: every target needs the id of a group or all_users"
        )
    return FeatureTarget(id=target_id, target_type=json_field(obj, "targetType", str, path))


def _feature_target(obj: JsonObject, name: str, path: str) -> FeatureTarget | None:
    value = json_field(obj, name, dict, path)
    return None if value is None else parse_feature_target(value, join_path(path, name))


def _feature_targets(obj: JsonObject, name: str, path: str) -> tuple[FeatureTarget, ...] | None:
    items = _objects(obj, name, path)
    if items is None:
        return None
    return tuple(parse_feature_target(item, where) for where, item in items)


def parse_feature_setting(obj: JsonObject, path: str) -> FeatureSetting:
    """One ``authenticationMethodFeatureConfiguration`` (state + one include + one exclude)."""
    return FeatureSetting(
        state=json_field(obj, "state", str, path),
        include_target=_feature_target(obj, "includeTarget", path),
        exclude_target=_feature_target(obj, "excludeTarget", path),
        raw=obj,
    )


def _feature_settings(obj: JsonObject, path: str) -> Mapping[str, FeatureSetting] | None:
    settings = json_field(obj, "featureSettings", dict, path)
    if settings is None:
        return None
    where = join_path(path, "featureSettings")
    parsed: dict[str, FeatureSetting] = {}
    for name in FEATURE_NAMES:
        value = json_field(settings, name, dict, where)
        if value is not None:  # absent or null: not present (the controls decide what that means)
            parsed[name] = parse_feature_setting(value, join_path(where, name))
    return parsed


def _configuration_id(obj: JsonObject, odata_type: str | None, path: str) -> str:
    config_id = json_field(obj, "id", str, path)
    if config_id is not None:
        return config_id
    # Graph always sends the id; a hand-edited file may not. The @odata.type still names it.
    key = _ID_BY_ODATA_TYPE.get((odata_type or "").lower())
    if key is None:
        raise PolicyShapeError(
            join_path(path, "id"), "missing, and no known @odata.type names the configuration"
        )
    return _CANONICAL_IDS.get(key, key)


def parse_configuration(obj: JsonObject, path: str) -> MethodConfiguration:
    """One ``authenticationMethodConfiguration``; unknown types are kept as the base class."""
    odata_type = json_field(obj, "@odata.type", str, path)
    config_id = _configuration_id(obj, odata_type, path)
    path = f"authenticationMethodConfigurations[{config_id}]"
    common: dict[str, Any] = {
        "id": config_id,
        "odata_type": odata_type,
        "state": json_field(obj, "state", str, path),
        "include_targets": _method_targets(obj, "includeTargets", path),
        "exclude_targets": _method_targets(obj, "excludeTargets", path),
        "raw": obj,
    }
    kind = _kind(config_id, odata_type)
    if kind == AUTHENTICATOR.lower():
        return AuthenticatorConfiguration(
            **common,
            is_software_oath_enabled=json_field(obj, "isSoftwareOathEnabled", bool, path),
            feature_settings=_feature_settings(obj, path),
        )
    if kind == VOICE.lower():
        return VoiceConfiguration(
            **common, is_office_phone_allowed=json_field(obj, "isOfficePhoneAllowed", bool, path)
        )
    return MethodConfiguration(**common)


def _kind(config_id: str, odata_type: str | None) -> str:
    """Lower-case configuration kind: from a known @odata.type, else from the id."""
    by_type = _ID_BY_ODATA_TYPE.get((odata_type or "").lower())
    return by_type if by_type is not None else config_id.lower()


def _campaign(body: JsonObject) -> RegistrationCampaign | None:
    enforcement = json_field(body, "registrationEnforcement", dict, "")
    if enforcement is None:
        return None
    path = "registrationEnforcement"
    campaign = json_field(enforcement, "authenticationMethodsRegistrationCampaign", dict, path)
    if campaign is None:
        return None
    path = join_path(path, "authenticationMethodsRegistrationCampaign")
    return RegistrationCampaign(
        state=json_field(campaign, "state", str, path),
        include_targets=_method_targets(campaign, "includeTargets", path),
        exclude_targets=_method_targets(campaign, "excludeTargets", path),
        snooze_duration_in_days=json_field(campaign, "snoozeDurationInDays", int, path),
        raw=campaign,
    )


def _report_suspicious(body: JsonObject) -> ReportSuspiciousActivitySettings | None:
    path = "reportSuspiciousActivitySettings"
    obj = json_field(body, path, dict, "")
    if obj is None:
        return None
    return ReportSuspiciousActivitySettings(
        state=json_field(obj, "state", str, path),
        include_target=_feature_target(obj, "includeTarget", path),
        voice_reporting_code=json_field(obj, "voiceReportingCode", int, path),
        raw=obj,
    )


def _system_preferred(body: JsonObject) -> SystemCredentialPreferences | None:
    path = "systemCredentialPreferences"
    obj = json_field(body, path, dict, "")
    if obj is None:
        return None
    return SystemCredentialPreferences(
        state=json_field(obj, "state", str, path),
        include_targets=_feature_targets(obj, "includeTargets", path),
        exclude_targets=_feature_targets(obj, "excludeTargets", path),
        raw=obj,
    )


def _configurations(body: JsonObject) -> tuple[MethodConfiguration, ...]:
    items = _objects(body, "authenticationMethodConfigurations", "") or []
    return tuple(parse_configuration(item, where) for where, item in items)


def parse_policy(body: Any, *, api_version: ApiVersion | None = None) -> AuthenticationMethodsPolicy:
    """Parse the body of ``GET /{beta|v1.0}/policies/authenticationMethodsPolicy``.

    ``api_version`` is accepted for symmetry with :func:`detect_api_version`; the parsed models are
    the same for both versions (absent beta-only fields stay ``None``; the controls judge that).
    Raises :class:`PolicyShapeError` when a known field has the wrong JSON type.
    """
    del api_version  # the shape does not depend on it; kept in the signature for callers' clarity
    policy = json_object(body, "(policy body)")
    return AuthenticationMethodsPolicy(
        id=json_field(policy, "id", str, ""),
        policy_version=json_field(policy, "policyVersion", str, ""),
        policy_migration_state=json_field(policy, "policyMigrationState", str, ""),
        registration_campaign=_campaign(policy),
        report_suspicious_activity=_report_suspicious(policy),
        system_credential_preferences=_system_preferred(policy),
        configurations=_configurations(policy),
        last_modified=json_field(policy, "lastModifiedDateTime", str, ""),
        raw=policy,
    )
