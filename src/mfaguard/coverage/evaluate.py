"""Effective policy per user: which methods they can actually use, their level, and why (DESIGN §9).

Pure: a policy, a :class:`~mfaguard.model.directory.Directory` and the number-matching mode in,
levels and reason chains out. No I/O, no clock.

Speed: the policy names few groups, and a user's outcome depends only on *how* they are in each of
those groups (the path, or not at all) and on their set of registered methods. Both are shared by
many users, so each distinct (membership, methods) combination is evaluated once and cached;
the per-user cost is a handful of dict lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mfaguard.coverage.resolve import ALL_USERS_PATH, Membership, Path, describe_path, group_label
from mfaguard.model.directory import (
    LEVELS,
    Directory,
    DirectoryUser,
    Level,
    ReadProblem,
    RegistrationDetail,
    norm_id,
)
from mfaguard.model.policy import (
    ALL_USERS,
    APP_INFORMATION,
    AUTHENTICATOR,
    FIDO2,
    HARDWARE_OATH,
    LOCATION_INFORMATION,
    NUMBER_MATCHING,
    SMS,
    SOFTWARE_OATH,
    VOICE,
    X509_CERTIFICATE,
    ZERO_GUID,
    AuthenticationMethodsPolicy,
    AuthenticatorConfiguration,
    FeatureSetting,
    MethodConfiguration,
    MethodTarget,
    TenantInfo,
)
from mfaguard.model.settings import NumberMatchingMode

COVERAGE_SCHEMA_VERSION = "1.0"

NOT_IN_REPORT = (
    "not in the registration report: no registered method is known, so nothing counts "
    "(the report omits disabled users and can lag new registrations by a few hours)"
)


# methodsRegistered strings that never give a level (DESIGN §9), with why.
_NO_LEVEL = {
    "email": "email gives no protection level",
    "temporaryaccesspass": "a Temporary Access Pass gives no protection level",
    "securityquestion": "security questions are for password reset only",
}

# Authenticator modes that make each registration usable.
_PUSH_MODES = frozenset({"push", "any"})
_PASSWORDLESS_MODES = frozenset({"deviceBasedPush", "any"})


@dataclass(frozen=True, slots=True)
class Access:
    """Whether one policy entry lets a user use it, and why."""

    usable: bool
    reason: str
    modes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Outcome:
    """The level of one (membership, methods) combination with its reasons, strongest first."""

    level: Level
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UserCoverage:
    """One user's effective protection."""

    id: str
    user_principal_name: str
    display_name: str | None
    is_admin: bool
    is_guest: bool
    level: Level
    reasons: tuple[str, ...]
    in_report: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "userPrincipalName": self.user_principal_name,
            "isAdmin": self.is_admin,
            "level": self.level.value,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """Levels of every enabled member (guests counted apart), with what could not be read."""

    tenant: TenantInfo
    users: tuple[UserCoverage, ...]
    """Enabled members, weakest level first, then by UPN."""
    guests: tuple[UserCoverage, ...]
    disabled: int
    problems: tuple[ReadProblem, ...]
    levels_known: bool
    """False when the registration report (or every user list) was unreadable: no level is known."""
    number_matching_mode: NumberMatchingMode = NumberMatchingMode.SERVICE_ENFORCED

    def level_counts(self, *, admins_only: bool = False) -> dict[str, int]:
        """Count per level over enabled members; all six keys always present."""
        counts = {level.value: 0 for level in LEVELS}
        for user in self.users:
            if not admins_only or user.is_admin:
                counts[user.level.value] += 1
        return counts

    def below(self, threshold: Level) -> tuple[UserCoverage, ...]:
        """Members whose level is strictly below ``threshold``."""
        return tuple(u for u in self.users if u.level.rank < threshold.rank)

    @property
    def admins(self) -> tuple[UserCoverage, ...]:
        return tuple(u for u in self.users if u.is_admin)

    def to_json(self, *, below: Level | None = None) -> dict[str, Any]:
        """The document of DESIGN §9 (plus ``unavailable``: what could not be read and why)."""
        users = self.users if below is None else self.below(below)
        return {
            "schema_version": COVERAGE_SCHEMA_VERSION,
            "tenant": {"id": self.tenant.id, "name": self.tenant.name},
            "levels": self.level_counts(),
            "admins": self.level_counts(admins_only=True),
            "guests": len(self.guests),
            "users": [u.to_json() for u in users],
            "unavailable": [p.to_json() for p in self.problems],
        }


class PolicyView:
    """A policy compiled against one directory's membership, ready to judge many users fast."""

    def __init__(
        self,
        policy: AuthenticationMethodsPolicy,
        membership: Membership,
        *,
        number_matching_mode: NumberMatchingMode = NumberMatchingMode.SERVICE_ENFORCED,
    ) -> None:
        self.policy = policy
        self.membership = membership
        self.number_matching_mode = number_matching_mode
        self._authenticator = policy.configuration(AUTHENTICATOR)
        self._configs = {
            key: policy.configuration(key)
            for key in (SMS, VOICE, FIDO2, SOFTWARE_OATH, HARDWARE_OATH, X509_CERTIFICATE)
        }
        group_ids: set[str] = set()
        user_ids: set[str] = set()
        for target_id, target_type in self._all_targets():
            if not target_id or target_id.lower() == ALL_USERS or target_id == ZERO_GUID:
                continue
            if (target_type or "group").lower() == "user":
                user_ids.add(norm_id(target_id))
            else:
                group_ids.add(norm_id(target_id))
        self.groups: tuple[str, ...] = tuple(sorted(group_ids))
        self._user_targets = frozenset(user_ids)
        self._group_members = [membership.members(g) for g in self.groups]
        self._cache: dict[tuple[Any, ...], Outcome] = {}

    def _all_targets(self) -> Iterator[tuple[str, str | None]]:
        for config in (self._authenticator, *self._configs.values()):
            if config is None:
                continue
            for target in (*(config.include_targets or ()), *(config.exclude_targets or ())):
                yield target.id, target.target_type
        if isinstance(self._authenticator, AuthenticatorConfiguration):
            for setting in (self._authenticator.feature_settings or {}).values():
                for feature_target in (setting.include_target, setting.exclude_target):
                    if feature_target is not None:
                        yield feature_target.id, feature_target.target_type

    def membership_key(self, user_id: str) -> tuple[Any, ...]:
        """How the user sits in every group the policy names (paths), plus any user target hit."""
        paths = tuple(members.get(user_id) for members in self._group_members)
        if user_id in self._user_targets:
            return (*paths, user_id)
        return (*paths, None)

    def outcome(self, user_id: str, methods: frozenset[str] | None) -> Outcome:
        """Level and reasons for a user with these registered methods (None = not in the report)."""
        if methods is None:
            return Outcome(Level.NONE, (f"level none: {NOT_IN_REPORT}",))
        key = (self.membership_key(user_id), methods)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._evaluate(key[0], methods)
            self._cache[key] = cached
        return cached

    # -- evaluation of one combination -------------------------------------------------------

    def _evaluate(self, membership_key: tuple[Any, ...], methods: frozenset[str]) -> Outcome:
        paths = dict(zip(self.groups, membership_key[:-1], strict=True))
        user_target = membership_key[-1]

        def path_of(target_id: str, target_type: str | None) -> Path | None:
            if target_id.lower() == ALL_USERS:
                return ALL_USERS_PATH
            if target_id == ZERO_GUID:
                return None
            if (target_type or "group").lower() == "user":
                return (target_id,) if user_target == norm_id(target_id) else None
            return paths.get(norm_id(target_id))

        judge = _Judge(self, path_of)
        return judge.run(methods)


class _Judge:
    """Works out one combination; separate so the reasons read top to bottom like the rules."""

    def __init__(self, view: PolicyView, path_of: Callable[[str, str | None], Path | None]) -> None:
        self.view = view
        self.path_of = path_of
        self.groups = view.membership.groups

    def describe(self, path: Path, target_type: str | None = None) -> str:
        if (target_type or "group").lower() == "user" and path != ALL_USERS_PATH:
            return f"user target {path[0]}"
        return describe_path(self.groups, path)

    def access(self, config: MethodConfiguration | None, name: str) -> Access:
        if config is None:
            return Access(False, f"the policy has no {name} configuration")
        if config.state != "enabled":
            return Access(False, f"{config.id} is {config.state or 'without a state'}")
        for target in config.exclude_targets or ():
            path = self.path_of(target.id, target.target_type)
            if path is not None:
                return Access(
                    False, f"excluded from {config.id} by {self.describe(path, target.target_type)}"
                )
        admitted: list[tuple[MethodTarget, Path]] = []
        for target in config.include_targets or ():
            path = self.path_of(target.id, target.target_type)
            if path is not None:
                admitted.append((target, path))
        if not admitted:
            if not config.include_targets:
                return Access(False, f"{config.id} is enabled but targets nobody (no include targets)")
            named = ", ".join(group_label(self.groups, norm_id(t.id)) for t in config.include_targets)
            return Access(False, f"not in any include target of {config.id} ({named})")
        # A target without authenticationMode: Graph's default is `any`.
        modes = frozenset(t.authentication_mode or "any" for t, _ in admitted)
        via = "; ".join(
            self.describe(path, target.target_type)
            + (
                f" (mode {target.authentication_mode or 'any'})"
                if config.key == AUTHENTICATOR.lower()
                else ""
            )
            for target, path in admitted
        )
        return Access(True, f"included in {config.id} by {via}", modes)

    def feature(self, setting: FeatureSetting | None, label: str) -> Access:
        if setting is None:
            return Access(False, f"{label}: does not apply — not set (Microsoft managed, counts as off)")
        if setting.state != "enabled":
            state = setting.state or "absent"
            why = " (Microsoft managed, counts as off)" if state == "default" else ""
            return Access(False, f"{label}: does not apply — state {state}{why}")
        include = setting.include_target
        if include is None:
            return Access(False, f"{label}: does not apply — enabled but with no include target")
        included = self.path_of(include.id, include.target_type)
        if included is None:
            return Access(
                False,
                f"{label}: does not apply — not in its include target {group_label(self.groups, norm_id(include.id))}",
            )
        exclude = setting.exclude_target
        if exclude is not None and not exclude.is_no_exclusion:
            excluded = self.path_of(exclude.id, exclude.target_type)
            if excluded is not None:
                return Access(
                    False, f"{label}: does not apply — excluded from {label} by {self.describe(excluded)}"
                )
        return Access(True, f"{label}: applies — enabled, included by {self.describe(included)}")

    def run(self, methods: frozenset[str]) -> Outcome:
        view = self.view
        authenticator = view._authenticator
        auth = self.access(authenticator, AUTHENTICATOR)
        configs = view._configs
        cache: dict[str, Access] = {}

        def of(key: str) -> Access:
            if key not in cache:
                cache[key] = self.access(configs[key], key)
            return cache[key]

        strong: list[str] = []
        push: list[str] = []
        otp: list[str] = []
        phone: list[str] = []
        lines: list[str] = []

        def record(method: str, access: Access, bucket: list[str]) -> None:
            if access.usable:
                bucket.append(method)
                lines.append(f"{method}: usable — {access.reason}")
            else:
                lines.append(f"{method}: not usable — {access.reason}")

        for method in sorted(methods, key=str.lower):
            low = method.lower()
            if low.startswith(("fido2", "passkey")):
                record(method, of(FIDO2), strong)
            elif low == "windowshelloforbusiness":
                strong.append(method)
                lines.append(f"{method}: usable — Windows Hello for Business has no policy entry")
            elif "certificate" in low:
                record(method, of(X509_CERTIFICATE), strong)
            elif low in ("microsoftauthenticatorpush", "microsoftauthenticatorpasswordless"):
                wanted = _PUSH_MODES if low == "microsoftauthenticatorpush" else _PASSWORDLESS_MODES
                if auth.usable and not (auth.modes & wanted):
                    modes = ", ".join(sorted(auth.modes))
                    record(method, Access(False, f"{auth.reason}, but mode {modes} does not allow it"), push)
                else:
                    record(method, auth, push)
            elif low == "softwareonetimepasscode":
                record(method, self._software_otp(of(SOFTWARE_OATH), auth, authenticator), otp)
            elif low == "hardwareonetimepasscode":
                record(method, of(HARDWARE_OATH), otp)
            elif low == "mobilephone":
                record(method, _either(of(SMS), of(VOICE)), phone)
            elif low == "alternatemobilephone":
                record(method, of(VOICE), phone)
            elif low == "officephone":
                record(method, self._office_phone(of(VOICE)), phone)
            elif low in _NO_LEVEL:
                lines.append(f"{method}: {_NO_LEVEL[low]}")
            else:
                lines.append(f"{method}: not a method mfaguard rates, ignored")

        if not methods:
            lines.append("no methods registered")

        context: list[str] = []
        missing: list[str] = []
        if push:
            checks = (
                ("number matching", self._number_matching(authenticator)),
                (
                    "app-name context",
                    self.feature(_feature(authenticator, APP_INFORMATION), "app-name context"),
                ),
                (
                    "location context",
                    self.feature(_feature(authenticator, LOCATION_INFORMATION), "location context"),
                ),
            )
            context = [access.reason for _, access in checks]
            missing = [name for name, access in checks if not access.usable]

        if strong:
            level, why = Level.PHISHING_RESISTANT, f"usable phishing-resistant method ({', '.join(strong)})"
        elif push and not missing:
            level = Level.PUSH_WITH_CONTEXT
            why = "usable Authenticator push with number matching, app-name and location context"
        elif push:
            level, why = Level.PUSH, f"usable Authenticator push without {' and '.join(missing)}"
        elif otp:
            level, why = Level.OTP, f"usable one-time passcode ({', '.join(otp)})"
        elif phone:
            level, why = Level.PHONE_ONLY, f"only SMS/voice usable ({', '.join(phone)})"
        else:
            level, why = Level.NONE, _why_none(methods, lines)
        return Outcome(level, (f"level {level.value}: {why}", *lines, *context))

    def _number_matching(self, authenticator: MethodConfiguration | None) -> Access:
        if self.view.number_matching_mode is not NumberMatchingMode.CONFIGURABLE:
            return Access(
                True, "number matching: in effect (service-enforced for every push since 2023-05-08)"
            )
        access = self.feature(_feature(authenticator, NUMBER_MATCHING), "number matching")
        return Access(access.usable, access.reason)

    def _software_otp(
        self, software: Access, auth: Access, authenticator: MethodConfiguration | None
    ) -> Access:
        if software.usable:
            return software
        oath_on = (
            isinstance(authenticator, AuthenticatorConfiguration) and authenticator.is_software_oath_enabled
        )
        if auth.usable and oath_on:
            return Access(True, f"Authenticator OTP codes (isSoftwareOathEnabled), {auth.reason}")
        if auth.usable:
            return Access(
                False, f"{software.reason}; Authenticator OTP codes are off (isSoftwareOathEnabled)"
            )
        return Access(False, f"{software.reason}; {auth.reason}")

    def _office_phone(self, voice: Access) -> Access:
        if not voice.usable:
            return voice
        config = self.view._configs[VOICE]
        if getattr(config, "is_office_phone_allowed", None) is True:
            return Access(True, f"{voice.reason}, office phones allowed (isOfficePhoneAllowed)")
        return Access(False, f"{voice.reason}, but office phones are not allowed (isOfficePhoneAllowed)")


def _why_none(methods: frozenset[str], lines: list[str]) -> str:
    """The headline of level none: the first blocked method, or that nothing counts."""
    if not methods:
        return "no methods registered"
    blocked = [line for line in lines if ": not usable — " in line]
    if blocked:
        return f"no usable MFA method ({blocked[0]})"
    return f"no usable MFA method (registered only: {', '.join(sorted(methods))})"


def _feature(config: MethodConfiguration | None, name: str) -> FeatureSetting | None:
    if isinstance(config, AuthenticatorConfiguration):
        return config.feature(name)
    return None


def _either(first: Access, second: Access) -> Access:
    if first.usable:
        return first
    if second.usable:
        return second
    return Access(False, f"{first.reason}; {second.reason}")


def evaluate_coverage(
    policy: AuthenticationMethodsPolicy,
    directory: Directory,
    *,
    tenant: TenantInfo,
    number_matching_mode: NumberMatchingMode = NumberMatchingMode.SERVICE_ENFORCED,
    view: PolicyView | None = None,
) -> CoverageReport:
    """Every enabled user's level and reasons (members listed, guests counted apart)."""
    view = view or PolicyView(policy, Membership(directory.groups), number_matching_mode=number_matching_mode)
    registration = directory.registration
    population, disabled = _population(directory)
    members: list[UserCoverage] = []
    guests: list[UserCoverage] = []
    if registration is not None:
        for user in population:
            row = registration.get(user.id)
            coverage = _user_coverage(view, user, row)
            (guests if user.is_guest else members).append(coverage)
    else:
        # No level is knowable; keep the guest count honest all the same.
        guests = [_unknown(user) for user in population if user.is_guest]
    members.sort(key=lambda u: (u.level.rank, u.user_principal_name.lower()))
    return CoverageReport(
        tenant=tenant,
        users=tuple(members),
        guests=tuple(guests),
        disabled=disabled,
        problems=directory.problems,
        levels_known=registration is not None and (directory.users is not None or bool(registration)),
        number_matching_mode=number_matching_mode,
    )


def _population(directory: Directory) -> tuple[list[DirectoryUser], int]:
    if directory.users is not None:
        enabled = [u for u in directory.users.values() if u.is_enabled]
        return enabled, len(directory.users) - len(enabled)
    # /users unreadable: the registration report lists enabled users only, so it stands in.
    rows = (directory.registration or {}).values()
    return [
        DirectoryUser(
            id=row.id,
            user_principal_name=row.user_principal_name or row.id,
            user_type="Guest" if (row.user_type or "").lower() == "guest" else "Member",
        )
        for row in rows
    ], 0


def _user_coverage(view: PolicyView, user: DirectoryUser, row: RegistrationDetail | None) -> UserCoverage:
    outcome = view.outcome(user.id, row.methods_registered if row is not None else None)
    return UserCoverage(
        id=user.id,
        user_principal_name=user.user_principal_name,
        display_name=user.display_name,
        is_admin=bool(row is not None and row.is_admin),
        is_guest=user.is_guest,
        level=outcome.level,
        reasons=outcome.reasons,
        in_report=row is not None,
    )


def _unknown(user: DirectoryUser) -> UserCoverage:
    return UserCoverage(
        id=user.id,
        user_principal_name=user.user_principal_name,
        display_name=user.display_name,
        is_admin=False,
        is_guest=user.is_guest,
        level=Level.NONE,
        reasons=("level unknown: the registration report could not be read",),
        in_report=False,
    )


@dataclass(frozen=True, slots=True)
class Explanation:
    """``mfaguard explain USER``: everything coverage knows about one user, with reasons."""

    user: DirectoryUser
    status: tuple[str, ...]
    """Account facts that change how to read the level (disabled, guest, not in the report)."""
    registration: RegistrationDetail | None
    level: Level | None
    """None when the registration report could not be read."""
    reasons: tuple[str, ...]
    memberships: tuple[str, ...]
    """Each group the policy names that the user is in, with the nesting chain."""
    problems: tuple[ReadProblem, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        reg = self.registration
        return {
            "id": self.user.id,
            "userPrincipalName": self.user.user_principal_name,
            "displayName": self.user.display_name,
            "accountEnabled": self.user.account_enabled,
            "userType": self.user.user_type,
            "isAdmin": bool(reg is not None and reg.is_admin),
            "inRegistrationReport": reg is not None,
            "methodsRegistered": sorted(reg.methods_registered) if reg is not None else None,
            "level": self.level.value if self.level is not None else None,
            "status": list(self.status),
            "memberships": list(self.memberships),
            "reasons": list(self.reasons),
            "unavailable": [p.to_json() for p in self.problems],
        }


def explain_user(
    policy: AuthenticationMethodsPolicy,
    directory: Directory,
    user: DirectoryUser,
    *,
    number_matching_mode: NumberMatchingMode = NumberMatchingMode.SERVICE_ENFORCED,
) -> Explanation:
    """The full reason chain for one user (found with :meth:`Directory.find_user`)."""
    membership = Membership(directory.groups)
    view = PolicyView(policy, membership, number_matching_mode=number_matching_mode)
    status: list[str] = []
    if not user.is_enabled:
        status.append("account disabled: cannot sign in, so coverage does not count this user")
    if user.is_guest:
        status.append("guest: counted apart from members (the 'guests' total)")
    memberships = [
        f"member of {describe_path(directory.groups, path)}"
        for group_id in view.groups
        if (path := membership.members(group_id).get(user.id)) is not None
    ]
    if directory.registration is None:
        problem = directory.problem("registration")
        why = f": {problem.reason}" if problem else ""
        return Explanation(
            user=user,
            status=tuple(status),
            registration=None,
            level=None,
            reasons=(f"level unknown: the registration report could not be read{why}",),
            memberships=tuple(memberships),
            problems=directory.problems,
        )
    row = directory.registration.get(user.id)
    if row is None and not user.is_enabled:
        status.append("not in the registration report, which omits disabled users")
    elif row is None:
        status.append("not in the registration report")
    outcome = view.outcome(user.id, row.methods_registered if row is not None else None)
    return Explanation(
        user=user,
        status=tuple(status),
        registration=row,
        level=outcome.level,
        reasons=outcome.reasons,
        memberships=tuple(memberships),
        problems=directory.problems,
    )
