"""Immutable tenant state: the Authentication Methods Policy and what surrounds it.

These frozen dataclasses are what controls, the engine, coverage and the planner read. They are
built from raw Graph JSON by :mod:`mfaguard.graph.parse` and never mutated.

Conventions (DESIGN §3):
- ``None`` means *absent from the response* (or JSON ``null``), never "default".
- Enum-like values are kept as the raw string Graph sent (``"enabled"``, ``"unknownFutureValue"``,
  anything new) so a finding can name what it saw; :func:`is_known` tells whether mfaguard knows it.
- Every object keeps its raw JSON (``raw``) so nothing Graph sent is lost (unknown properties,
  unknown method types) and writers can do read-modify-write from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from mfaguard.model.directory import Directory, ProblemKind, ReadProblem

ALL_USERS = "all_users"
"""Target id meaning every user in the tenant."""

ZERO_GUID = "00000000-0000-0000-0000-000000000000"
"""Feature excludeTarget id meaning "no exclusion"."""

JsonObject = Mapping[str, Any]


class ApiVersion(StrEnum):
    """Which Graph endpoint a snapshot was read from."""

    V1 = "v1.0"
    BETA = "beta"


# Known members of the Graph enums mfaguard reads. Anything else is "unknown" and never satisfies a
# PASS condition (DESIGN §3).
METHOD_STATES = frozenset({"enabled", "disabled"})  # authenticationMethodState
ADVANCED_CONFIG_STATES = frozenset({"default", "enabled", "disabled"})  # advancedConfigState
MIGRATION_STATES = frozenset({"preMigration", "migrationInProgress", "migrationComplete"})
AUTHENTICATOR_MODES = frozenset({"deviceBasedPush", "push", "any"})
TARGET_TYPES = frozenset({"user", "group"})
FEATURE_TARGET_TYPES = frozenset({"group", "administrativeUnit", "role"})


def is_known(value: str | None, known: frozenset[str]) -> bool:
    """True when ``value`` is a member mfaguard understands (``unknownFutureValue`` is not)."""
    return value is not None and value in known


# Canonical configuration ids as Graph returns them; ids are matched case-insensitively.
AUTHENTICATOR = "MicrosoftAuthenticator"
SMS = "Sms"
VOICE = "Voice"
EMAIL = "Email"
FIDO2 = "Fido2"
SOFTWARE_OATH = "SoftwareOath"
HARDWARE_OATH = "HardwareOath"
TEMPORARY_ACCESS_PASS = "TemporaryAccessPass"
X509_CERTIFICATE = "X509Certificate"

ODATA_TYPES: Mapping[str, str] = {
    AUTHENTICATOR.lower(): "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration",
    SMS.lower(): "#microsoft.graph.smsAuthenticationMethodConfiguration",
    VOICE.lower(): "#microsoft.graph.voiceAuthenticationMethodConfiguration",
    EMAIL.lower(): "#microsoft.graph.emailAuthenticationMethodConfiguration",
    FIDO2.lower(): "#microsoft.graph.fido2AuthenticationMethodConfiguration",
    SOFTWARE_OATH.lower(): "#microsoft.graph.softwareOathAuthenticationMethodConfiguration",
    HARDWARE_OATH.lower(): "#microsoft.graph.hardwareOathAuthenticationMethodConfiguration",
    TEMPORARY_ACCESS_PASS.lower(): "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
    X509_CERTIFICATE.lower(): "#microsoft.graph.x509CertificateAuthenticationMethodConfiguration",
    "qrcodepin": "#microsoft.graph.qrCodePinAuthenticationMethodConfiguration",
}
"""``@odata.type`` of each known configuration, keyed by lower-case id."""

# Authenticator feature settings (featureSettings.*). The last two are beta-only in metadata.
NUMBER_MATCHING = "numberMatchingRequiredState"
APP_INFORMATION = "displayAppInformationRequiredState"
LOCATION_INFORMATION = "displayLocationInformationRequiredState"
COMPANION_APP = "companionAppAllowedState"
FEATURE_NAMES = (NUMBER_MATCHING, APP_INFORMATION, LOCATION_INFORMATION, COMPANION_APP)
BETA_ONLY_FEATURES = frozenset({NUMBER_MATCHING, COMPANION_APP})


@dataclass(frozen=True, slots=True)
class MethodTarget:
    """An include or exclude target of a method configuration (``authenticationMethodTarget``)."""

    id: str
    target_type: str | None
    authentication_mode: str | None = None
    """MicrosoftAuthenticator include targets: ``deviceBasedPush`` | ``push`` | ``any``."""
    is_registration_required: bool | None = None
    is_usable_for_sign_in: bool | None = None
    """Sms include targets: SMS sign-in allowed."""
    targeted_authentication_method: str | None = None
    """Registration campaign include targets."""
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_all_users(self) -> bool:
        return self.id.lower() == ALL_USERS


@dataclass(frozen=True, slots=True)
class FeatureTarget:
    """The single include or exclude target of a feature setting (``featureTarget``)."""

    id: str
    target_type: str | None

    @property
    def is_all_users(self) -> bool:
        return self.id.lower() == ALL_USERS

    @property
    def is_no_exclusion(self) -> bool:
        return self.id == ZERO_GUID


@dataclass(frozen=True, slots=True)
class FeatureSetting:
    """One ``authenticationMethodFeatureConfiguration`` (state + one include + one exclude)."""

    state: str | None
    include_target: FeatureTarget | None
    exclude_target: FeatureTarget | None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)

    @property
    def excluded_group(self) -> str | None:
        """The excluded group id, or None when the exclusion is absent or the zero GUID."""
        if self.exclude_target is None or self.exclude_target.is_no_exclusion:
            return None
        return self.exclude_target.id


@dataclass(frozen=True, slots=True)
class MethodConfiguration:
    """Any ``authenticationMethodConfiguration``; unknown types are kept as this base class."""

    id: str
    odata_type: str | None
    state: str | None
    include_targets: tuple[MethodTarget, ...] | None
    exclude_targets: tuple[MethodTarget, ...] | None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        """Lower-case id, for case-insensitive matching."""
        return self.id.lower()

    @property
    def enabled(self) -> bool:
        return self.state == "enabled"

    @property
    def disabled(self) -> bool:
        return self.state == "disabled"


@dataclass(frozen=True, slots=True)
class AuthenticatorConfiguration(MethodConfiguration):
    """``microsoftAuthenticatorAuthenticationMethodConfiguration``."""

    is_software_oath_enabled: bool | None = None
    feature_settings: Mapping[str, FeatureSetting] | None = None
    """Present features by Graph property name; ``None`` when ``featureSettings`` is absent."""

    def feature(self, name: str) -> FeatureSetting | None:
        if self.feature_settings is None:
            return None
        return self.feature_settings.get(name)


@dataclass(frozen=True, slots=True)
class VoiceConfiguration(MethodConfiguration):
    """``voiceAuthenticationMethodConfiguration``."""

    is_office_phone_allowed: bool | None = None


@dataclass(frozen=True, slots=True)
class RegistrationCampaign:
    """``registrationEnforcement.authenticationMethodsRegistrationCampaign``."""

    state: str | None
    include_targets: tuple[MethodTarget, ...] | None
    exclude_targets: tuple[MethodTarget, ...] | None
    snooze_duration_in_days: int | None = None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ReportSuspiciousActivitySettings:
    """``reportSuspiciousActivitySettings`` (beta)."""

    state: str | None
    include_target: FeatureTarget | None
    voice_reporting_code: int | None = None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SystemCredentialPreferences:
    """``systemCredentialPreferences`` (system-preferred MFA, beta)."""

    state: str | None
    include_targets: tuple[FeatureTarget, ...] | None
    exclude_targets: tuple[FeatureTarget, ...] | None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class AuthenticationMethodsPolicy:
    """The ``authenticationMethodsPolicy`` singleton with its configurations inline."""

    id: str | None
    policy_version: str | None
    policy_migration_state: str | None
    registration_campaign: RegistrationCampaign | None
    """None when ``registrationEnforcement`` (or the campaign inside it) is absent or null."""
    report_suspicious_activity: ReportSuspiciousActivitySettings | None
    system_credential_preferences: SystemCredentialPreferences | None
    configurations: tuple[MethodConfiguration, ...]
    last_modified: str | None = None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)

    def configuration(self, config_id: str) -> MethodConfiguration | None:
        """The configuration with this id, matched case-insensitively, or None."""
        key = config_id.lower()
        for config in self.configurations:
            if config.key == key:
                return config
        return None

    @property
    def authenticator(self) -> AuthenticatorConfiguration | None:
        config = self.configuration(AUTHENTICATOR)
        return config if isinstance(config, AuthenticatorConfiguration) else None


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A directory group a policy target names, as resolved at capture time."""

    id: str
    exists: bool
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class TenantInfo:
    """Who the snapshot is of."""

    id: str | None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class TenantSnapshot:
    """Everything mfaguard read from one tenant at one moment. Immutable; judged by pure code."""

    tenant: TenantInfo
    api_version: ApiVersion
    captured_at: datetime | None
    policy: AuthenticationMethodsPolicy
    groups: Mapping[str, GroupInfo] | None = None
    """Group ids named by the policy, resolved against the directory (keys lower-case); None when the
    directory was not read (then MFA-015 is NOT_APPLICABLE)."""
    source: str = "graph"
    """``graph`` (read live), ``snapshot`` (mfaguard snapshot file) or ``graph-explorer`` (raw body)."""
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)
    """Raw bodies by name: ``policy`` (the GET body), ``groups`` ({id: body or null})."""
    read_errors: Mapping[str, str] = field(default_factory=dict)
    """Parts mfaguard tried to read but could not, by part name (``groups``, ...) → reason (e.g. "403
    Authorization_RequestDenied: grant GroupMember.Read.All"). A control that needs a listed part is
    ERROR with that reason — never PASS, never NOT_APPLICABLE — and the run exits 3."""
    directory: Directory | None = field(default=None, compare=False, repr=False)
    """Users, nested group membership and the registration report (coverage, MFA-016..018); None when
    not read (then those controls are NOT_APPLICABLE)."""

    @property
    def is_beta(self) -> bool:
        return self.api_version is ApiVersion.BETA

    @property
    def problems(self) -> tuple[ReadProblem, ...]:
        """Every part of the tenant that could not be read, and why: the parts of the policy read
        (``read_errors``), then those of the directory read. Empty when the read was complete.

        An incomplete read is never "nothing to check": ``export`` exits 3 for any of these, an audit
        for those that are not :attr:`~mfaguard.model.directory.ReadProblem.refused`.
        """
        found = [ReadProblem(part, ProblemKind.ERROR, why) for part, why in self.read_errors.items()]
        if self.directory is not None:
            found += self.directory.problems
        return tuple(found)


RATED_CONFIGURATIONS = frozenset(
    c.lower() for c in (AUTHENTICATOR, SMS, VOICE, FIDO2, SOFTWARE_OATH, HARDWARE_OATH, X509_CERTIFICATE)
)
"""Configurations that can give a protection level (DESIGN §9); the others (email, TAP, ...) never
change anyone's level."""


@dataclass(frozen=True, slots=True)
class TargetPlace:
    """One include or exclude target and where in the policy it sits."""

    place: str
    """``Sms includeTargets``, ``MicrosoftAuthenticator featureSettings.<name>.excludeTarget``, ..."""
    target: MethodTarget | FeatureTarget
    configuration: str | None
    """Lower-case id of the method configuration it belongs to; None for policy-level settings."""


def policy_targets(policy: AuthenticationMethodsPolicy) -> tuple[TargetPlace, ...]:
    """Every include and exclude target the policy names, in document order: each configuration's
    targets and (Authenticator) feature targets, then the registration campaign, system-preferred MFA
    and report-suspicious-activity."""
    found: list[TargetPlace] = []

    def add(place: str, targets: Any, configuration: str | None = None) -> None:
        found.extend(TargetPlace(place, t, configuration) for t in targets or ())

    for config in policy.configurations:
        add(f"{config.id} includeTargets", config.include_targets, config.key)
        add(f"{config.id} excludeTargets", config.exclude_targets, config.key)
        if isinstance(config, AuthenticatorConfiguration):
            for name, feature in (config.feature_settings or {}).items():
                for kind, target in (
                    ("include", feature.include_target),
                    ("exclude", feature.exclude_target),
                ):
                    if target is not None:
                        add(f"{config.id} featureSettings.{name}.{kind}Target", (target,), config.key)
    campaign = policy.registration_campaign
    if campaign is not None:
        add("registration campaign includeTargets", campaign.include_targets)
        add("registration campaign excludeTargets", campaign.exclude_targets)
    prefs = policy.system_credential_preferences
    if prefs is not None:
        add("systemCredentialPreferences.includeTargets", prefs.include_targets)
        add("systemCredentialPreferences.excludeTargets", prefs.exclude_targets)
    rsa = policy.report_suspicious_activity
    if rsa is not None and rsa.include_target is not None:
        add("reportSuspiciousActivitySettings.includeTarget", (rsa.include_target,))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class NamedGroup:
    """A group the policy names: its id as first written, and every place that names it."""

    id: str
    places: tuple[str, ...]


def named_groups(
    policy: AuthenticationMethodsPolicy,
    *,
    configurations: frozenset[str] | None = None,
    any_target_type: bool = False,
) -> dict[str, NamedGroup]:
    """The groups the policy names, by lower-case id, in first-named order — the one answer to "which
    groups does the policy name" (MFA-015, the groups a read resolves, the groups coverage reads).

    ``all_users`` and the zero GUID are never groups. Only targets of type ``group`` (or without a
    type) count, unless ``any_target_type``; ``configurations`` (lower-case ids) keeps only the targets
    of those method configurations and their features.
    """
    places: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for named in policy_targets(policy):
        target = named.target
        if target.is_all_users or target.id == ZERO_GUID or not target.id.strip():
            continue
        if not any_target_type and target.target_type not in (None, "group"):
            # Method targets may name users; feature targets roles or administrative units.
            continue
        if configurations is not None and named.configuration not in configurations:
            continue
        key = target.id.lower()
        first.setdefault(key, target.id)
        places.setdefault(key, []).append(named.place)
    return {key: NamedGroup(first[key], tuple(where)) for key, where in places.items()}


def coverage_group_ids(policy: AuthenticationMethodsPolicy) -> frozenset[str]:
    """The target ids whose members decide anyone's protection level: every target of the methods that
    give a level and of the Authenticator features (email or TAP targets cannot change a level)."""
    import sys

    found = named_groups(policy, configurations=RATED_CONFIGURATIONS, any_target_type=True)
    return frozenset(sys.intern(key) for key in found)
