"""The Authentication Methods Policy: storage, v1.0/beta shapes, and PATCH validation (graph.md §1-§4).

State is stored in the **beta wire shape** (the richest). Reads render it per API version; writes are
validated against the schema of the version and era (``current`` = after the May 2023 number-matching
enforcement; ``legacy-2022`` = before it) and then merged into a new immutable :class:`PolicyState`.

v1.0 vs beta. graph.md §11.1 warns that *v1.0 schema ≠ v1.0 wire*: today's service also returns
``numberMatchingRequiredState``, ``companionAppAllowedState``, ``systemCredentialPreferences``,
``reportSuspiciousActivitySettings`` and the ``HardwareOath`` configuration on v1.0 although v1.0
metadata does not declare them. The emulator follows the **metadata** on v1.0 by default (strict: it
exercises the client's fallback rules of DESIGN §3, where a beta-only field absent from a v1.0 snapshot
cannot be judged). Dropped on v1.0: root ``reportSuspiciousActivitySettings``,
``systemCredentialPreferences``, ``microsoftAuthenticatorPlatformSettings``; the campaign's
``enforceRegistrationAfterAllowedSnoozes``; ``featureSettings.numberMatchingRequiredState`` and
``companionAppAllowedState``; Voice ``callerIdNumber``; the whole
``HardwareOath`` configuration (a beta-only type). A tenant knob (``v1_wire_includes_beta``) switches to
the service's observed wire behaviour instead. On v1.0 PATCH these properties are unknown (400).

PATCH semantics chosen (graph.md §3 rules 1-5, gotchas 4-5):
- per-method PATCH answers 204 with no body; root PATCH answers 200 with the policy;
- ``@odata.type`` is required on per-method PATCH and must equal the configuration's type; on the
  root it is optional but must match when present;
- scalars not in the body keep their values; ``includeTargets``/``excludeTargets`` and every other
  collection are replaced whole; each ``featureSettings`` member is replaced whole (an omitted
  ``includeTarget``/``excludeTarget`` inside it is recalculated to all_users / the zero GUID);
  policy-level complex objects (``registrationEnforcement.authenticationMethodsRegistrationCampaign``,
  ``reportSuspiciousActivitySettings``, ``systemCredentialPreferences``) merge one level, their
  collections replace;
- read-only properties: ``id`` must equal the addressed id (400 otherwise); the root's
  ``displayName``, ``description``, ``lastModifiedDateTime`` and ``policyVersion`` are ignored, as are
  ``@odata.*`` annotations (Graph Explorer round trips carry ``@odata.context`` and
  ``includeTargets@odata.context``, which the docs' own examples send back);
- navigation ``authenticationMethodConfigurations`` in a root PATCH → 400 (PATCH each configuration);
- every group id in a target must exist in the directory (``all_users`` aside; the zero GUID is allowed
  as a feature excludeTarget), else 400;
- in the ``current`` era a ``featureSettings.numberMatchingRequiredState`` in the body → 400 with the
  service's message (graph.md §3 rule 5), even when the value is unchanged.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mfaguard.emulator.errors import bad_request, not_found
from mfaguard.emulator.schema import AnyJson, Bool, Enum, Int, ListOf, Obj, Spec, Str
from mfaguard.emulator.store import ConsistentStore

ALL_USERS = "all_users"
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
NUMBER_MATCHING = "numberMatchingRequiredState"
COMPANION_APP = "companionAppAllowedState"
NUMBER_MATCHING_LOCKED = (
    "Persistance of policy failed with error: Microsoft Authenticator's number matching feature can no "
    "longer be toggled as part of featureSettings."
)

ERA_CURRENT = "current"
ERA_LEGACY_2022 = "legacy-2022"
ERAS = (ERA_CURRENT, ERA_LEGACY_2022)

_ADVANCED = Enum("advancedConfigState", ("default", "enabled", "disabled"))
_METHOD_STATE = Enum("authenticationMethodState", ("enabled", "disabled"))
_TARGET_TYPE = Enum("authenticationMethodTargetType", ("user", "group"))
_FEATURE_TARGET = Obj(
    "featureTarget",
    {
        "id": Str(),
        "targetType": Enum("featureTargetType", ("group", "administrativeUnit", "role")),
    },
    required=frozenset({"id", "targetType"}),
)
_EXCLUDE_TARGET = Obj(
    "excludeTarget", {"id": Str(), "targetType": _TARGET_TYPE}, required=frozenset({"id", "targetType"})
)
_INCLUDE_TARGET = Obj(
    "includeTarget", {"id": Str(), "targetType": _TARGET_TYPE}, required=frozenset({"id", "targetType"})
)


def _target(type_name: str, extra: Mapping[str, Spec], defaults: Mapping[str, Any]) -> Obj:
    props: dict[str, Spec] = {"id": Str(), "targetType": _TARGET_TYPE, "isRegistrationRequired": Bool()}
    props.update(extra)
    return Obj(
        type_name,
        props,
        required=frozenset({"id", "targetType"}),
        defaults={"isRegistrationRequired": False, **defaults},
    )


_BASE_TARGET = _target("authenticationMethodTarget", {}, {})
_AUTHENTICATOR_TARGET = _target(
    "microsoftAuthenticatorAuthenticationMethodTarget",
    {
        "authenticationMode": Enum(
            "microsoftAuthenticatorAuthenticationMode", ("deviceBasedPush", "push", "any")
        )
    },
    {"authenticationMode": "any"},
)
_SMS_TARGET = _target(
    "smsAuthenticationMethodTarget", {"isUsableForSignIn": Bool()}, {"isUsableForSignIn": True}
)
_PASSKEY_TARGET = _target("passkeyAuthenticationMethodTarget", {"allowedPasskeyProfiles": ListOf(Str())}, {})


def _feature() -> Obj:
    return Obj(
        "authenticationMethodFeatureConfiguration",
        {"state": _ADVANCED, "includeTarget": _FEATURE_TARGET, "excludeTarget": _FEATURE_TARGET},
        required=frozenset({"state"}),
        defaults={
            "includeTarget": {"targetType": "group", "id": ALL_USERS},
            "excludeTarget": {"targetType": "group", "id": ZERO_GUID},
        },
    )


@dataclass(frozen=True)
class ConfigType:
    """One configuration type: canonical id, ``@odata.type``, and its writable properties."""

    canonical_id: str
    odata_type: str
    props: Mapping[str, Spec]
    target: Obj
    beta_only_props: frozenset[str] = frozenset()
    beta_only_type: bool = False
    v1_only_props: frozenset[str] = frozenset()

    @property
    def type_name(self) -> str:
        return self.odata_type.removeprefix("#")


def _feature_settings(era: str, version: str) -> Obj:
    members: dict[str, Spec] = {
        "displayAppInformationRequiredState": _feature(),
        "displayLocationInformationRequiredState": _feature(),
    }
    if version == "beta":
        members[NUMBER_MATCHING] = _feature()
        if era == ERA_CURRENT:  # Authenticator Lite arrived in 2023
            members[COMPANION_APP] = _feature()
    return Obj("microsoftAuthenticatorFeatureSettings", members)


CONFIG_TYPES: dict[str, ConfigType] = {
    ct.canonical_id.lower(): ct
    for ct in (
        ConfigType(
            "MicrosoftAuthenticator",
            "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration",
            {"isSoftwareOathEnabled": Bool()},  # featureSettings is era/version dependent, see below
            _AUTHENTICATOR_TARGET,
        ),
        ConfigType("Sms", "#microsoft.graph.smsAuthenticationMethodConfiguration", {}, _SMS_TARGET),
        ConfigType(
            "Voice",
            "#microsoft.graph.voiceAuthenticationMethodConfiguration",
            # isCustomGreetingEnabled appears in a docs sample but in no published schema: refused.
            {"isOfficePhoneAllowed": Bool(), "callerIdNumber": Str()},
            _BASE_TARGET,
            beta_only_props=frozenset({"callerIdNumber"}),
        ),
        ConfigType(
            "Email",
            "#microsoft.graph.emailAuthenticationMethodConfiguration",
            {
                "allowExternalIdToUseEmailOtp": Enum(
                    "externalEmailOtpState", ("default", "enabled", "disabled")
                )
            },
            _BASE_TARGET,
        ),
        ConfigType(
            "Fido2",
            "#microsoft.graph.fido2AuthenticationMethodConfiguration",
            {
                "isAttestationEnforced": Bool(),
                "isSelfServiceRegistrationAllowed": Bool(),
                "keyRestrictions": Obj(
                    "fido2KeyRestrictions",
                    {
                        "aaGuids": ListOf(Str()),
                        "enforcementType": Enum("fido2RestrictionEnforcementType", ("allow", "block")),
                        "isEnforced": Bool(),
                    },
                ),
                "defaultPasskeyProfile": Str(),
            },
            _PASSKEY_TARGET,
        ),
        ConfigType(
            "SoftwareOath", "#microsoft.graph.softwareOathAuthenticationMethodConfiguration", {}, _BASE_TARGET
        ),
        ConfigType(
            "HardwareOath",
            "#microsoft.graph.hardwareOathAuthenticationMethodConfiguration",
            {},
            _BASE_TARGET,
            beta_only_type=True,
        ),
        ConfigType(
            "TemporaryAccessPass",
            "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
            {
                "defaultLength": Int(8, 48),
                "defaultLifetimeInMinutes": Int(10, 43200),
                "isUsableOnce": Bool(),
                "maximumLifetimeInMinutes": Int(10, 43200),
                "minimumLifetimeInMinutes": Int(10, 43200),
            },
            _BASE_TARGET,
        ),
        ConfigType(
            "X509Certificate",
            "#microsoft.graph.x509CertificateAuthenticationMethodConfiguration",
            {
                "authenticationModeConfiguration": AnyJson(),
                "certificateUserBindings": AnyJson(),
                "crlValidationConfiguration": AnyJson(),
                "issuerHintsConfiguration": AnyJson(),
                "certificateAuthorityScopes": AnyJson(),
            },
            _BASE_TARGET,
            # beta's metadata has no crlValidationConfiguration (v1.0 added it).
            v1_only_props=frozenset({"crlValidationConfiguration"}),
        ),
        ConfigType(
            "QRCodePin",
            "#microsoft.graph.qrCodePinAuthenticationMethodConfiguration",
            {"pinLength": Int(4, 8), "standardQRCodeLifetimeInDays": Int(1, 395)},
            _BASE_TARGET,
        ),
    )
}
EXTERNAL_TYPE = ConfigType(
    "",
    "#microsoft.graph.externalAuthenticationMethodConfiguration",
    {
        "appId": Str(),
        "displayName": Str(),
        "openIdConnectSetting": Obj("openIdConnectSetting", {"clientId": Str(), "discoveryUrl": Str()}),
    },
    _BASE_TARGET,
)

ROOT_TYPE = "#microsoft.graph.authenticationMethodsPolicy"
ROOT_READ_ONLY = frozenset({"id", "displayName", "description", "lastModifiedDateTime", "policyVersion"})
ROOT_BETA_ONLY = frozenset(
    {
        "reportSuspiciousActivitySettings",
        "systemCredentialPreferences",
        "microsoftAuthenticatorPlatformSettings",
    }
)
MIGRATION = Enum(
    "authenticationMethodsPolicyMigrationState", ("preMigration", "migrationInProgress", "migrationComplete")
)


def config_type_for(config: Mapping[str, Any]) -> ConfigType:
    """The ConfigType of a stored configuration (external methods are keyed by GUID)."""
    known = CONFIG_TYPES.get(str(config.get("id", "")).lower())
    if known is not None:
        return known
    return EXTERNAL_TYPE


def _config_schema(ct: ConfigType, era: str, version: str) -> Obj:
    props: dict[str, Spec] = {
        "id": Str(),
        "state": _METHOD_STATE,
        "excludeTargets": ListOf(_EXCLUDE_TARGET),
        "includeTargets": ListOf(ct.target),
    }
    props.update(ct.props)
    if ct.canonical_id == "MicrosoftAuthenticator":
        props["featureSettings"] = _feature_settings(era, version)
    for name in ct.beta_only_props if version == "v1.0" else ct.v1_only_props:
        props.pop(name, None)
    return Obj(ct.type_name.removeprefix("microsoft.graph."), props)


def _root_schema(version: str) -> Obj:
    campaign_props: dict[str, Spec] = {
        "snoozeDurationInDays": Int(0, 14),
        "state": _ADVANCED,
        "excludeTargets": ListOf(_EXCLUDE_TARGET),
        "includeTargets": ListOf(
            Obj(
                "authenticationMethodsRegistrationCampaignIncludeTarget",
                {"id": Str(), "targetType": _TARGET_TYPE, "targetedAuthenticationMethod": Str()},
                required=frozenset({"id", "targetType"}),
                defaults={"targetedAuthenticationMethod": "microsoftAuthenticator"},
            )
        ),
    }
    if version == "beta":
        campaign_props["enforceRegistrationAfterAllowedSnoozes"] = Bool()
    props: dict[str, Spec] = {
        "id": Str(),
        "displayName": Str(),
        "description": Str(),
        "lastModifiedDateTime": Str(),
        "policyVersion": Str(),
        "policyMigrationState": MIGRATION,
        "reconfirmationInDays": Int(0, 730),
        "registrationEnforcement": Obj(
            "registrationEnforcement",
            {
                "authenticationMethodsRegistrationCampaign": Obj(
                    "authenticationMethodsRegistrationCampaign", campaign_props
                )
            },
        ),
    }
    if version == "beta":
        props["reportSuspiciousActivitySettings"] = Obj(
            "reportSuspiciousActivitySettings",
            {"includeTarget": _INCLUDE_TARGET, "state": _ADVANCED, "voiceReportingCode": Int(0, 9)},
        )
        props["systemCredentialPreferences"] = Obj(
            "systemCredentialPreferences",
            {
                "includeTargets": ListOf(_INCLUDE_TARGET),
                "excludeTargets": ListOf(_EXCLUDE_TARGET),
                "state": _ADVANCED,
            },
        )
        props["microsoftAuthenticatorPlatformSettings"] = AnyJson()
    return Obj("authenticationMethodsPolicy", props)


# --------------------------------------------------------------------------------------------- state


@dataclass(frozen=True)
class PolicyState:
    """One version of the policy: the root (without configurations) and the configurations in order.

    Treated as immutable: writers build a new state from deep copies.
    """

    root: Mapping[str, Any]
    configs: tuple[Mapping[str, Any], ...]

    def find(self, config_id: str) -> Mapping[str, Any] | None:
        wanted = config_id.lower()
        for config in self.configs:
            if str(config.get("id", "")).lower() == wanted:
                return config
        return None


def state_from_body(body: Mapping[str, Any]) -> PolicyState:
    """A PolicyState from a beta-shaped GET body (scenario files store exactly that)."""
    root = {
        k: copy.deepcopy(v)
        for k, v in body.items()
        if k != "authenticationMethodConfigurations" and "@odata." not in k
    }
    root.setdefault("id", "authenticationMethodsPolicy")
    root.setdefault("displayName", "Authentication Methods Policy")
    root.setdefault(
        "description",
        "The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings",
    )
    root.setdefault("policyVersion", "1.5")
    configs = []
    for raw in body.get("authenticationMethodConfigurations", []):
        config = {k: copy.deepcopy(v) for k, v in raw.items() if "@odata.context" not in k}
        ct = config_type_for(config)
        config.setdefault("@odata.type", ct.odata_type)
        configs.append(config)
    return PolicyState(root, tuple(configs))


class PolicyStore(ConsistentStore[PolicyState]):
    """The tenant's policy with eventual consistency (see :class:`~mfaguard.emulator.store.ConsistentStore`)."""


# -------------------------------------------------------------------------------------------- render


def _strip_v1_config(config: dict[str, Any], ct: ConfigType) -> None:
    for name in ct.beta_only_props:
        config.pop(name, None)
    features = config.get("featureSettings")
    if isinstance(features, dict):
        config["featureSettings"] = {
            k: v for k, v in features.items() if k not in (NUMBER_MATCHING, COMPANION_APP)
        }


# Rendering shares the (immutable) stored values instead of deep-copying them: a reply body is
# serialised at once and never mutated, and this is the hottest path of every benchmark. Only the
# objects that the v1.0 view trims are copied.


def render_config(
    config: Mapping[str, Any], *, base: str, version: str, strict_v1: bool, inline: bool = False
) -> dict[str, Any]:
    """A configuration as GET returns it (``@odata.type`` first, ``includeTargets`` last)."""
    ct = config_type_for(config)
    out: dict[str, Any] = {}
    if not inline:
        out["@odata.context"] = (
            f"{base}/{version}/$metadata#policies/authenticationMethodsPolicy/"
            f"authenticationMethodConfigurations/$entity"
        )
    out["@odata.type"] = config.get("@odata.type", ct.odata_type)
    for key, value in config.items():
        if key not in ("@odata.type", "includeTargets"):
            out[key] = value
    if "includeTargets" in config:
        out["includeTargets@odata.context"] = (
            f"{base}/{version}/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations"
            f"('{config.get('id')}')/{ct.type_name}/includeTargets"
        )
        out["includeTargets"] = config["includeTargets"]
    if version == "v1.0" and strict_v1:
        _strip_v1_config(out, ct)
    elif version == "beta":
        for name in ct.v1_only_props:
            out.pop(name, None)
    return out


def render_policy(state: PolicyState, *, base: str, version: str, strict_v1: bool) -> dict[str, Any]:
    """The root GET body, configurations inline (they are auto-expanded, graph.md §1)."""
    strict = version == "v1.0" and strict_v1
    out: dict[str, Any] = {
        "@odata.context": f"{base}/{version}/$metadata#policies/authenticationMethodsPolicy"
    }
    for key, value in state.root.items():
        if not (strict and key in ROOT_BETA_ONLY):
            out[key] = value
    enforcement = out.get("registrationEnforcement")
    if strict and isinstance(enforcement, dict):
        campaign = enforcement.get("authenticationMethodsRegistrationCampaign")
        if isinstance(campaign, dict):
            trimmed = {k: v for k, v in campaign.items() if k != "enforceRegistrationAfterAllowedSnoozes"}
            out["registrationEnforcement"] = {
                **enforcement,
                "authenticationMethodsRegistrationCampaign": trimmed,
            }
    configs = [
        render_config(c, base=base, version=version, strict_v1=strict_v1, inline=True)
        for c in state.configs
        if not (strict and config_type_for(c).beta_only_type)
    ]
    out["authenticationMethodConfigurations@odata.context"] = (
        f"{base}/{version}/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations"
    )
    out["authenticationMethodConfigurations"] = configs
    return out


def visible_config(state: PolicyState, config_id: str, *, version: str, strict_v1: bool) -> Mapping[str, Any]:
    """The addressed configuration, or 404 like Graph (ids match case-insensitively)."""
    config = state.find(config_id)
    if config is None or (version == "v1.0" and strict_v1 and config_type_for(config).beta_only_type):
        raise not_found(config_id)
    return config


# --------------------------------------------------------------------------------------------- PATCH

GroupExists = Callable[[str], bool]
UserExists = Callable[[str], bool]


def _check_targets(
    targets: list[Mapping[str, Any]],
    where: str,
    *,
    group_exists: GroupExists,
    user_exists: UserExists,
    allow_zero: bool = False,
) -> None:
    for target in targets:
        target_id = str(target.get("id"))
        kind = target.get("targetType")
        if target_id == ALL_USERS or (allow_zero and target_id == ZERO_GUID):
            continue
        if kind == "user":
            if not user_exists(target_id):
                raise bad_request(
                    f"User '{target_id}' referenced in {where} does not exist in the directory."
                )
        elif kind == "group" and not group_exists(target_id):
            raise bad_request(f"Group '{target_id}' referenced in {where} does not exist in the directory.")


def _now_iso(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def patch_config(
    state: PolicyState,
    config_id: str,
    body: Any,
    *,
    version: str,
    era: str,
    strict_v1: bool,
    group_exists: GroupExists,
    user_exists: UserExists,
    now: float,
) -> PolicyState:
    """Validate a per-method PATCH body and return the new state (raises GraphFailure on 400/404)."""
    current = visible_config(state, config_id, version=version, strict_v1=strict_v1)
    body = _require_object(body)
    ct = config_type_for(current)
    odata_type = body.get("@odata.type")
    if odata_type is None:
        raise bad_request(
            # OData's wording for a body of an abstract type without @odata.type; then what to send.
            "Cannot create an abstract class. The '@odata.type' property is required in the request body: "
            f'"@odata.type": "{ct.odata_type}".'
        )
    if str(odata_type).lower() != ct.odata_type.lower():
        raise bad_request(
            f"The type '{str(odata_type).lstrip('#')}' in '@odata.type' does not match the configuration "
            f"'{current.get('id')}', whose type is '{ct.type_name}'."
        )
    if era == ERA_CURRENT:
        features = body.get("featureSettings")
        if isinstance(features, dict) and NUMBER_MATCHING in features and version == "beta":
            raise bad_request(NUMBER_MATCHING_LOCKED)
    clean = _config_schema(ct, era, "v1.0" if version == "v1.0" and strict_v1 else "beta").check(
        body, ct.type_name
    )
    if "id" in clean and str(clean["id"]).lower() != str(current.get("id")).lower():
        raise bad_request(
            f"The id '{clean['id']}' in the body does not match the addressed configuration '{current.get('id')}'."
        )
    clean.pop("id", None)
    for name in ("includeTargets", "excludeTargets"):
        if name in clean:
            _check_targets(clean[name], name, group_exists=group_exists, user_exists=user_exists)
    new = copy.deepcopy(dict(current))
    features = clean.pop("featureSettings", None)
    if features is not None:
        merged = dict(new.get("featureSettings") or {})
        for member, value in features.items():
            _check_targets(
                [value["includeTarget"]],
                f"featureSettings.{member}.includeTarget",
                group_exists=group_exists,
                user_exists=user_exists,
            )
            _check_targets(
                [value["excludeTarget"]],
                f"featureSettings.{member}.excludeTarget",
                group_exists=group_exists,
                user_exists=user_exists,
                allow_zero=True,
            )
            merged[member] = {
                "state": value["state"],
                "includeTarget": value["includeTarget"],
                "excludeTarget": value["excludeTarget"],
            }
        new["featureSettings"] = merged
    new.update(clean)
    configs = tuple(new if c is current or c.get("id") == current.get("id") else c for c in state.configs)
    root = dict(state.root)
    root["lastModifiedDateTime"] = _now_iso(now)
    return PolicyState(root, configs)


def check_size(state: PolicyState, limit: int) -> None:
    """Saving fails when the policy outgrows ~20 KB (graph.md §3 rule 6: many targeted groups)."""
    if limit <= 0:
        return
    size = len(
        json.dumps(
            {**state.root, "authenticationMethodConfigurations": list(state.configs)}, separators=(",", ":")
        )
    )
    if size > limit:
        raise bad_request(
            f"Persistance of policy failed with error: the authentication methods policy would be {size} bytes, "
            f"over the {limit}-byte limit. Consolidate targets into fewer groups."
        )


def patch_root(
    state: PolicyState,
    body: Any,
    *,
    version: str,
    strict_v1: bool,
    group_exists: GroupExists,
    user_exists: UserExists,
    now: float,
) -> PolicyState:
    """Validate a root PATCH body and return the new state (raises GraphFailure on 400)."""
    body = _require_object(body)
    odata_type = body.get("@odata.type")
    if odata_type is not None and str(odata_type).lower() != ROOT_TYPE.lower():
        raise bad_request(
            f"The type '{odata_type}' does not match 'microsoft.graph.authenticationMethodsPolicy'."
        )
    if "authenticationMethodConfigurations" in body:
        raise bad_request(
            "The navigation property 'authenticationMethodConfigurations' cannot be updated through the policy; "
            "PATCH /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id} instead."
        )
    clean = _root_schema("v1.0" if version == "v1.0" and strict_v1 else "beta").check(
        body, "authenticationMethodsPolicy"
    )
    for name in ROOT_READ_ONLY:
        clean.pop(name, None)
    root = copy.deepcopy(dict(state.root))
    migration = clean.get("policyMigrationState")
    if migration is not None:
        before = root.get("policyMigrationState")
        if before == "migrationInProgress" and migration == "preMigration":
            raise bad_request(
                "policyMigrationState cannot move back to 'preMigration' once migration is in progress."
            )
    campaign = clean.get("registrationEnforcement", {}).get("authenticationMethodsRegistrationCampaign")
    if campaign is not None:
        for name in ("includeTargets", "excludeTargets"):
            if name in campaign:
                _check_targets(
                    campaign[name],
                    f"registrationEnforcement.authenticationMethodsRegistrationCampaign.{name}",
                    group_exists=group_exists,
                    user_exists=user_exists,
                )
        enforcement = dict(root.get("registrationEnforcement") or {})
        merged = dict(enforcement.get("authenticationMethodsRegistrationCampaign") or {})
        merged.update(campaign)
        enforcement["authenticationMethodsRegistrationCampaign"] = merged
        root["registrationEnforcement"] = enforcement
    clean.pop("registrationEnforcement", None)
    rsa = clean.pop("reportSuspiciousActivitySettings", None)
    if rsa is not None:
        if "includeTarget" in rsa:
            _check_targets(
                [rsa["includeTarget"]],
                "reportSuspiciousActivitySettings.includeTarget",
                group_exists=group_exists,
                user_exists=user_exists,
            )
        root["reportSuspiciousActivitySettings"] = {
            **(root.get("reportSuspiciousActivitySettings") or {}),
            **rsa,
        }
    scp = clean.pop("systemCredentialPreferences", None)
    if scp is not None:
        for name in ("includeTargets", "excludeTargets"):
            if name in scp:
                _check_targets(
                    scp[name],
                    f"systemCredentialPreferences.{name}",
                    group_exists=group_exists,
                    user_exists=user_exists,
                )
        root["systemCredentialPreferences"] = {**(root.get("systemCredentialPreferences") or {}), **scp}
    root.update(clean)
    root["lastModifiedDateTime"] = _now_iso(now)
    return PolicyState(root, state.configs)
