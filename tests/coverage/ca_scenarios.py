"""Named tenants for the MFA-019..025 judgement tests (must-pass / must-fail fixtures, checkov style).

``compliant`` is DESIGN §10's compliant scenario; most others swap one of its policies for a
variant (:func:`swap`), so each scenario differs from a passing tenant in exactly one way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mfaguard.coverage.ca_judgements import CaSettings
from mfaguard.model.conditional_access import (
    PART_POLICIES,
    PRIVILEGED_ROLES,
    REGISTER_SECURITY_INFO,
    ConditionalAccessData,
)
from mfaguard.model.directory import Directory, ProblemKind, ReadProblem
from tests.builders.conditional_access import (
    GA,
    PHISHING_RESISTANT,
    apps,
    ca,
    grant,
    licence_error,
    permission_error,
    policy,
    role,
    sign_in_frequency_every_time,
    users,
)
from tests.builders.directory import group, people

BREAK_GLASS = "bg-group"
SETTINGS = CaSettings(break_glass_groups=(BREAK_GLASS,))
DIRECTORY = people(
    "u",
    "ga",
    "bg",
    groups=[group(BREAK_GLASS, ["bg"], name="Break glass"), group("contractors", ["u"], name="Contractors")],
)
ROLES = [role(GA, "ga")]
REPORT_ONLY = "enabledForReportingButNotEnforced"
ADMINS = "Admins phishing-resistant"
REGISTRATION = apps([], actions=[REGISTER_SECURITY_INFO])
STRONG = grant(strength_body=PHISHING_RESISTANT)


def everyone(*, exclude_groups: tuple[str, ...] = (), exclude_roles: tuple[str, ...] = ()) -> dict[str, Any]:
    """All users except the break-glass group (and what else is named)."""
    return users(exclude_groups=[BREAK_GLASS, *exclude_groups], exclude_roles=exclude_roles)


def baseline(state: str = "enabled") -> list[dict[str, Any]]:
    """The compliant scenario of DESIGN §10, every policy in ``state``."""
    admins = users([], roles=list(PRIVILEGED_ROLES), exclude_groups=[BREAK_GLASS])
    legacy = ["exchangeActiveSync", "other"]
    return [
        policy("Require MFA", state=state, user_condition=everyone()),
        policy(ADMINS, state=state, user_condition=admins, grant_controls=STRONG),
        policy(
            "Block legacy",
            state=state,
            user_condition=everyone(),
            client_apps=legacy,
            grant_controls=grant("block"),
        ),
        policy(
            "Risky sign-ins",
            state=state,
            user_condition=everyone(),
            sign_in_risk=["high"],
            grant_controls=grant("block"),
        ),
        policy(
            "Risky users",
            state=state,
            user_condition=everyone(),
            user_risk=["high"],
            grant_controls=grant("mfa", "passwordChange", operator="AND"),
        ),
        policy(
            "Protect registration",
            state=state,
            user_condition=everyone(),
            app_condition=REGISTRATION,
            grant_controls=grant("compliantDevice", "domainJoinedDevice"),
        ),
    ]


Scenario = Callable[[], tuple[ConditionalAccessData | None, Directory | None]]


def swap(name: str, **variant: Any) -> Scenario:
    """The compliant tenant with policy ``name`` replaced by ``policy(name, **variant)``."""

    def make() -> tuple[ConditionalAccessData | None, Directory | None]:
        policies = [policy(name, **variant) if p["displayName"] == name else p for p in baseline()]
        return ca(policies, roles=ROLES), DIRECTORY

    return make


def without(*names: str, adding: tuple[dict[str, Any], ...] = ()) -> Scenario:
    """The compliant tenant without the named policies (plus ``adding``)."""
    return lambda: (
        ca([*adding, *(p for p in baseline() if p["displayName"] not in names)], roles=ROLES),
        DIRECTORY,
    )


USERS_UNREADABLE = Directory(
    users=None,
    groups=DIRECTORY.groups,
    registration=None,
    problems=(ReadProblem("users", ProblemKind.PERMISSION, "User.Read.All missing"),),
)

SCENARIOS: dict[str, Scenario] = {
    "compliant": lambda: (ca(baseline(), roles=ROLES), DIRECTORY),
    "no_ca": lambda: (ca([], roles=ROLES), DIRECTORY),
    "security_defaults": lambda: (ca([], security_defaults=True, roles=ROLES), DIRECTORY),
    "defaults_and_ca": lambda: (ca(baseline(), security_defaults=True, roles=ROLES), DIRECTORY),
    "report_only": lambda: (ca(baseline(REPORT_ONLY), roles=ROLES), DIRECTORY),
    "old_snapshot": lambda: (None, DIRECTORY),
    "no_directory": lambda: (ca(baseline(), roles=ROLES), None),
    "users_unreadable": lambda: (ca(baseline(), roles=ROLES), USERS_UNREADABLE),
    "policies_forbidden": lambda: (
        ca([], read_errors={PART_POLICIES: permission_error(PART_POLICIES)}),
        DIRECTORY,
    ),
    "no_p1": lambda: (ca([], read_errors={PART_POLICIES: licence_error()}), DIRECTORY),
    "no_p1_defaults": lambda: (
        ca([], security_defaults=True, read_errors={PART_POLICIES: licence_error()}),
        DIRECTORY,
    ),
    "roles_unreadable": lambda: (ca(baseline(), roles=None), DIRECTORY),
    "excludes_contractors": swap("Require MFA", user_condition=everyone(exclude_groups=("contractors",))),
    "mfa_or_device": swap(
        "Require MFA", user_condition=everyone(), grant_controls=grant("mfa", "compliantDevice")
    ),
    "trusted_exempt": swap("Require MFA", user_condition=everyone(), locations=(["All"], ["AllTrusted"])),
    "mfa_or_terms": swap(
        "Require MFA", user_condition=everyone(), grant_controls=grant("mfa", terms=["tou"])
    ),
    "custom_control": swap(
        "Require MFA", user_condition=everyone(), grant_controls=grant("mfa", custom=["duo"], operator="AND")
    ),
    "modern_clients_only": without(
        "Require MFA",
        "Block legacy",
        adding=(
            policy(
                "Require MFA",
                user_condition=everyone(),
                client_apps=["browser", "mobileAppsAndDesktopClients"],
            ),
        ),
    ),
    "admins_ga_only": swap(ADMINS, user_condition=users([], roles=[GA]), grant_controls=STRONG),
    "admins_all_users": swap(ADMINS, user_condition=everyone(), grant_controls=STRONG),
    "admins_ga_excluded": swap(ADMINS, user_condition=everyone(exclude_roles=(GA,)), grant_controls=STRONG),
    "admins_windows_only": swap(
        ADMINS,
        user_condition=users([], roles=list(PRIVILEGED_ROLES)),
        platforms=(["windows"], []),
        grant_controls=STRONG,
    ),
    "legacy_block_windows_only": swap(
        "Block legacy",
        user_condition=everyone(),
        client_apps=["exchangeActiveSync", "other"],
        platforms=(["windows"], []),
        grant_controls=grant("block"),
    ),
    "risk_mfa": swap("Risky sign-ins", user_condition=everyone(), sign_in_risk=["high"]),
    "risk_mfa_every_time": swap(
        "Risky sign-ins",
        user_condition=everyone(),
        sign_in_risk=["high"],
        session=sign_in_frequency_every_time(),
    ),
    "risky_users_mfa_only": swap("Risky users", user_condition=everyone(), user_risk=["high"]),
    "registration_mfa_only": swap(
        "Protect registration", user_condition=everyone(), app_condition=REGISTRATION
    ),
    "registration_blocked_outside_trusted": swap(
        "Protect registration",
        user_condition=everyone(),
        app_condition=REGISTRATION,
        locations=(["All"], ["AllTrusted"]),
        grant_controls=grant("block"),
    ),
    "registration_custom_control": swap(
        "Protect registration",
        user_condition=everyone(),
        app_condition=REGISTRATION,
        grant_controls=grant(custom=["duo"]),
    ),
}
