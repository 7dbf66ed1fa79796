"""Small hand-built policies and directories for coverage tests (no parser, no Graph)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mfaguard.model.directory import Directory, DirectoryUser, Group, RegistrationDetail, intern_methods
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


def user(
    user_id: str, *, enabled: bool = True, guest: bool = False, name: str | None = None
) -> DirectoryUser:
    return DirectoryUser(
        id=user_id,
        user_principal_name=f"{user_id}@contoso.example",
        display_name=name or user_id.title(),
        account_enabled=enabled,
        user_type="Guest" if guest else "Member",
    )


def reg(user_id: str, *methods: str, admin: bool = False) -> RegistrationDetail:
    return RegistrationDetail(
        id=user_id,
        user_principal_name=f"{user_id}@contoso.example",
        is_admin=admin,
        methods_registered=intern_methods(methods),
        is_mfa_registered=bool(methods),
    )


def group(
    group_id: str, users: Iterable[str] = (), groups: Iterable[str] = (), name: str | None = None
) -> Group:
    return Group(
        id=group_id,
        display_name=name or group_id.upper(),
        member_users=frozenset(users),
        member_groups=frozenset(groups),
    )


def directory(
    users: Iterable[DirectoryUser],
    registrations: Iterable[RegistrationDetail] | None,
    groups: Iterable[Group] = (),
) -> Directory:
    registration: Mapping[str, RegistrationDetail] | None = (
        None if registrations is None else {r.id: r for r in registrations}
    )
    return Directory(
        users={u.id: u for u in users},
        groups={g.id: g for g in groups},
        registration=registration,
    )
