"""One test per rule of DESIGN §10 for the per-user requirement engine."""

from __future__ import annotations

import pytest

from mfaguard.coverage.requirement import (
    REQUIREMENTS,
    Mode,
    Requirement,
    RequirementEngine,
    RequirementOutcome,
    evaluate_requirements,
)
from mfaguard.graph.ca_parse import parse_licences
from mfaguard.model.conditional_access import (
    PART_NAMED_LOCATIONS,
    PART_POLICIES,
    PART_ROLE_ASSIGNMENTS,
    PART_SECURITY_DEFAULTS,
    PART_STRENGTHS,
    ConditionalAccessData,
)
from mfaguard.model.directory import Directory
from tests.builders.conditional_access import (
    GA,
    MFA_STRENGTH_ID,
    NOW,
    PHISHING_RESISTANT,
    apps,
    ca,
    country_location,
    grant,
    guest_types,
    ip_location,
    licence_error,
    outcome_of,
    permission_error,
    policy,
    role,
    sign_in_frequency_every_time,
    strength,
    users,
)
from tests.builders.directory import group, people, user

U = people("u")
AUTH_POLICY_ADMIN = "0526716b-113d-4c15-b2c8-68e3c22b9f80"


def req(data: ConditionalAccessData, directory: Directory = U, uid: str = "u") -> RequirementOutcome:
    return outcome_of(data, directory, uid)


def requirement(data: ConditionalAccessData, directory: Directory = U, uid: str = "u") -> Requirement:
    return req(data, directory, uid).requirement


# -- state ---------------------------------------------------------------------------------------


def test_enabled_policy_applies_disabled_is_ignored_report_only_only_in_shadow() -> None:
    assert requirement(ca([policy()])) is Requirement.MFA
    assert req(ca([policy(state="disabled")])).reasons == ("no_policy",)
    shadow = req(ca([policy(state="enabledForReportingButNotEnforced")]))
    assert (shadow.requirement, shadow.shadow_requirement) == (Requirement.NOT_REQUIRED, Requirement.MFA)


def test_unknown_policy_state_is_not_counted_as_enforcing() -> None:
    assert req(ca([policy(state="unknownFutureValue")])).reasons == ("no_policy",)


# -- users ---------------------------------------------------------------------------------------


def test_direct_user_include_and_exclude() -> None:
    directory = people("u", "v")
    data = ca([policy(user_condition=users(["u"]))])
    assert requirement(data, directory, "u") is Requirement.MFA
    assert requirement(data, directory, "v") is Requirement.NOT_REQUIRED
    excluded = req(ca([policy(user_condition=users(exclude=["u"]))]), directory)
    assert excluded.reasons == ("excluded:P via user",)


def test_none_includes_nobody() -> None:
    assert req(ca([policy(user_condition=users(["None"]))])).reasons == ("no_policy",)


def test_nested_group_include() -> None:
    directory = people("u", groups=[group("outer", groups=["inner"]), group("inner", ["u"])])
    o = req(ca([policy(user_condition=users([], groups=["outer"]))]), directory)
    assert (o.requirement, o.policies) == (Requirement.MFA, ("P",))


def test_nested_group_exclusion_three_deep() -> None:
    directory = people(
        "u",
        groups=[group("g1", groups=["g2"]), group("g2", groups=["g3"]), group("g3", ["u"])],
    )
    o = req(ca([policy(user_condition=users(exclude_groups=["g1"]))]), directory)
    assert o.reasons == ("excluded:P via group G3 ← nested in G2 ← nested in G1",)


def test_exclusion_wins_over_inclusion() -> None:
    directory = people("u", groups=[group("staff", ["u"]), group("exempt", ["u"])])
    data = ca([policy(user_condition=users([], groups=["staff"], exclude_groups=["exempt"]))])
    assert req(data, directory).reasons == ("excluded:P via group EXEMPT",)


def test_active_role_at_directory_scope_counts_other_scopes_do_not() -> None:
    data = ca(
        [policy(user_condition=users([], roles=[GA]))],
        roles=[role(GA, "ga"), role(GA, "au-admin", scope="/administrativeUnits/au-1")],
    )
    directory = people("ga", "au-admin")
    assert requirement(data, directory, "ga") is Requirement.MFA
    assert requirement(data, directory, "au-admin") is Requirement.NOT_REQUIRED


def test_role_assigned_through_a_group() -> None:
    directory = people("u", "v", groups=[group("admins", ["u"], name="Tier0 admins")])
    data = ca(
        [policy(user_condition=users(exclude_roles=[GA]))],
        roles=[role(GA, "admins", principal_type="group")],
    )
    assert req(data, directory, "u").reasons == (
        "excluded:P via role Global Administrator via group Tier0 admins",
    )
    assert requirement(data, directory, "v") is Requirement.MFA


def test_role_group_principal_recognised_without_expand() -> None:
    directory = people("u", groups=[group("admins", ["u"])])
    data = ca([policy(user_condition=users([], roles=[GA]))], roles=[role(GA, "admins")])
    assert requirement(data, directory) is Requirement.MFA


def test_role_exclusion_names_the_role() -> None:
    data = ca([policy(user_condition=users(exclude_roles=[GA]))], roles=[role(GA, "u")])
    assert req(data).reasons == ("excluded:P via role Global Administrator",)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (user("g", guest=True, external=True), "b2bCollaborationGuest"),
        (user("g", guest=True), "internalGuest"),
        (user("g", external=True), "b2bCollaborationMember"),
    ],
)
def test_guest_types_by_who_is_who(who: object, expected: str) -> None:
    directory = people(who)  # type: ignore[arg-type]
    report = RequirementEngine(
        ca([policy(user_condition=users([], guests=guest_types(expected)))]), directory, now=NOW
    ).evaluate()
    assert report.members == ()
    (guest,) = report.guests
    assert (guest.guest_type, guest.requirement) == (expected, Requirement.MFA)
    other = "internalGuest" if expected != "internalGuest" else "b2bCollaborationGuest"
    assert requirement(ca([policy(user_condition=users([], guests=guest_types(other)))]), directory, "g") is (
        Requirement.NOT_REQUIRED
    )


def test_members_match_no_guest_type() -> None:
    data = ca([policy(user_condition=users([], guests=guest_types("internalGuest,b2bCollaborationGuest")))])
    assert requirement(data) is Requirement.NOT_REQUIRED


def test_all_includes_guests_and_guests_or_external_users_value() -> None:
    directory = people(user("g", guest=True, external=True))
    assert requirement(ca([policy()]), directory, "g") is Requirement.MFA
    excluded = ca([policy(user_condition=users(exclude=["GuestsOrExternalUsers"]))])
    assert req(excluded, directory, "g").reasons == ("excluded:P via guest type b2bCollaborationGuest",)


def test_enumerated_external_tenants_make_those_guests_unknown() -> None:
    directory = people("u", user("g", guest=True, external=True))
    data = ca(
        [
            policy(
                user_condition=users(
                    exclude_guests=guest_types("b2bCollaborationGuest", kind="enumerated", tenants=["t1"])
                )
            )
        ]
    )
    assert requirement(data, directory, "g") is Requirement.UNKNOWN
    assert requirement(data, directory, "u") is Requirement.MFA


def test_unknown_guest_type_value_is_kept_and_makes_guests_unknown() -> None:
    directory = people("u", user("g", guest=True))
    data = ca([policy(user_condition=users(exclude_guests=guest_types("someNewGuestType")))])
    o = req(data, directory, "g")
    assert o.requirement is Requirement.UNKNOWN
    assert "someNewGuestType" in o.reasons[0]
    assert requirement(data, directory, "u") is Requirement.MFA


def test_only_enabled_accounts_are_evaluated() -> None:
    directory = people("u", user("off", enabled=False))
    report = evaluate_requirements(ca([policy()]), directory, now=NOW)
    assert [u.id for u in report.members] == ["u"]


def test_unread_group_membership_is_unknown_not_empty() -> None:
    # The policy excludes a group the directory read did not include: the user might be in it.
    o = req(ca([policy(user_condition=users(exclude_groups=["unread"]))]))
    assert o.requirement is Requirement.UNKNOWN
    assert o.reasons == (
        "unknown:P (the user might be excluded: the members of group unread were not all read)",
    )


# -- applications ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "app_condition",
    [
        apps(["All"], ["00000003-0000-0ff1-ce00-000000000000"]),
        apps([], actions=["urn:user:registersecurityinfo"]),
        apps([], contexts=["c1"]),
        apps(["MicrosoftAdminPortals"]),
    ],
)
def test_only_all_resources_without_exclusions_counts(app_condition: dict[str, object]) -> None:
    assert req(ca([policy(app_condition=app_condition)])).reasons == ("no_policy",)


# -- client apps, platforms, locations -------------------------------------------------------------


def test_client_app_all_covers_every_cell_and_eas_supported_is_not_counted() -> None:
    assert requirement(ca([policy(client_apps=["all"])])) is Requirement.MFA
    o = req(ca([policy(client_apps=["browser", "mobileAppsAndDesktopClients", "easSupported", "other"])]))
    assert o.reasons == ("client_app:exchangeActiveSync",)


def test_excluded_platform_is_an_open_cell() -> None:
    o = req(ca([policy(platforms=(["all"], ["linux"]))]))
    assert (o.requirement, o.reasons) == (Requirement.CONDITIONAL, ("platform:linux",))


def test_platform_unknown_future_value_makes_linux_unknown() -> None:
    o = req(ca([policy(platforms=(["all"], ["unknownFutureValue"]))]))
    assert o.requirement is Requirement.UNKNOWN
    assert "linux" in o.reasons[0]


def test_untrusted_named_locations_are_cells() -> None:
    locations = [ip_location("branch", "Branch"), country_location("nl", "Netherlands", ["NL"])]
    excluded = req(ca([policy(locations=(["All"], ["branch"]))], locations=locations))
    assert (excluded.requirement, excluded.reasons) == (Requirement.CONDITIONAL, ("location:Branch",))
    only_there = req(ca([policy(locations=(["nl"], []))], locations=locations))
    assert only_there.reasons == ("location:outside named locations", "location:Branch")


def test_all_trusted_is_not_an_attacker_cell() -> None:
    data = ca([policy(locations=(["AllTrusted"], []))], locations=[ip_location("hq", "HQ", trusted=True)])
    assert req(data).reasons == ("no_policy",)


def test_excluding_a_trusted_named_location_is_a_note_not_a_lower_outcome() -> None:
    data = ca([policy(locations=(["All"], ["hq"]))], locations=[ip_location("hq", "HQ", trusted=True)])
    o = req(data)
    assert (o.requirement, o.strict, o.reasons) == (Requirement.MFA, True, ("trusted_location_exempt:P",))


def test_unreadable_named_locations_make_location_policies_unknown() -> None:
    errors = {PART_NAMED_LOCATIONS: permission_error(PART_NAMED_LOCATIONS)}
    named = req(ca([policy(locations=(["All"], ["branch"]))], read_errors=errors))
    assert named.requirement is Requirement.UNKNOWN
    assert named.reasons == ("unreadable:P (it names named locations, which could not be read)",)
    # All / AllTrusted need no named location.
    assert (
        requirement(ca([policy(locations=(["All"], ["AllTrusted"]))], read_errors=errors)) is Requirement.MFA
    )


# -- risk, flows, device filter --------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{"sign_in_risk": ["high"]}, {"user_risk": ["high"]}, {"insider_risk": "elevated"}],
)
def test_risk_conditions_apply_only_under_risk(kwargs: dict[str, object]) -> None:
    assert req(ca([policy(**kwargs)])).reasons == ("risk_only:P",)  # type: ignore[arg-type]


def test_risk_levels_including_none_cover_a_sign_in_without_risk() -> None:
    assert requirement(ca([policy(sign_in_risk=["none", "low", "medium", "high"])])) is Requirement.MFA


def test_authentication_flows_policy_does_not_cover_an_ordinary_sign_in() -> None:
    assert req(ca([policy(transfer_methods="deviceCodeFlow")])).reasons == ("no_policy",)


@pytest.mark.parametrize(
    ("mode", "rule", "applies"),
    [
        ("include", 'device.trustType -eq "ServerAD"', False),
        ("include", "device.isCompliant -ne True", True),
        ("exclude", 'device.trustType -eq "ServerAD"', True),
        ("exclude", 'device.extensionAttribute1 -notIn ["a", "b"]', False),
        ("exclude", '(device.isCompliant -eq True) -or (device.trustType -ne "AzureAD")', False),
        ("exclude", 'device.isCompliant -eq True -and (device.trustType -ne "AzureAD")', True),
    ],
)
def test_device_filter_for_an_unregistered_device(mode: str, rule: str, applies: bool) -> None:
    o = req(ca([policy(device_filter=(mode, rule))]))
    if applies:
        assert o.requirement is Requirement.MFA
    else:
        assert o.reasons == ("device_filter:P",)


def test_unparsable_device_filter_makes_the_policy_unreadable() -> None:
    o = req(ca([policy(device_filter=("exclude", "device.model -match 'x'"))]))
    assert o.requirement is Requirement.UNKNOWN
    assert o.reasons[0].startswith("unreadable:P (device filter rule")


# -- grants ----------------------------------------------------------------------------------------


def test_block_blocks() -> None:
    o = req(ca([policy(grant_controls=grant("block"))]))
    assert (o.requirement, o.strict) == (Requirement.BLOCKED, True)


def test_strength_requirements_and_combinations() -> None:
    weak = strength("s-weak", ["password,sms", "fido2"])
    none = strength("s-none", ["password"], requirements="none")
    assert (
        requirement(ca([policy(grant_controls=grant(strength_body=weak))], strengths=[weak]))
        is Requirement.MFA
    )
    assert requirement(ca([policy(grant_controls=grant(strength_body=PHISHING_RESISTANT))])) is (
        Requirement.PHISHING_RESISTANT
    )
    assert req(ca([policy(grant_controls=grant(strength_body=none))], strengths=[none])).reasons == (
        "no_policy",
    )


def test_inline_strength_reference_resolved_by_id_else_unknown() -> None:
    reference = {"id": MFA_STRENGTH_ID}
    assert requirement(ca([policy(grant_controls=grant(strength_body=reference))])) is Requirement.MFA
    unreadable = ca(
        [policy(grant_controls=grant(strength_body=reference))],
        read_errors={PART_STRENGTHS: permission_error(PART_STRENGTHS)},
    )
    assert requirement(unreadable) is Requirement.UNKNOWN
    # A complete inline strength needs no list.
    complete = ca(
        [policy(grant_controls=grant(strength_body=PHISHING_RESISTANT))],
        read_errors={PART_STRENGTHS: permission_error(PART_STRENGTHS)},
    )
    assert requirement(complete) is Requirement.PHISHING_RESISTANT


def test_and_with_a_control_the_attacker_cannot_meet_blocks() -> None:
    assert requirement(ca([policy(grant_controls=grant("mfa", "compliantDevice", operator="AND"))])) is (
        Requirement.BLOCKED
    )


def test_and_with_terms_of_use_keeps_mfa_strict() -> None:
    o = req(ca([policy(grant_controls=grant("mfa", operator="AND", terms=["tou"]))]))
    assert (o.requirement, o.strict) == (Requirement.MFA, True)


def test_or_with_approved_application_opens_android_and_ios() -> None:
    o = req(ca([policy(grant_controls=grant("mfa", "approvedApplication"))]))
    assert o.reasons == ("or_alternative:P on android/iOS",)


def test_or_of_device_controls_only_blocks() -> None:
    assert requirement(ca([policy(grant_controls=grant("compliantDevice", "domainJoinedDevice"))])) is (
        Requirement.BLOCKED
    )


@pytest.mark.parametrize(
    "grant_controls",
    [
        grant("mfa", custom=["duo"], operator="AND"),
        grant("unknownFutureValue"),
        grant("mfa", "somethingNew", operator="AND"),
    ],
)
def test_custom_factor_or_unknown_control_is_unreadable(grant_controls: dict[str, object]) -> None:
    o = req(ca([policy(grant_controls=grant_controls)]))
    assert o.requirement is Requirement.UNKNOWN
    assert o.reasons[0].startswith("unreadable:P (")


def test_unreadable_policy_in_a_blocked_cell_does_not_matter() -> None:
    data = ca(
        [policy(grant_controls=grant("unknownFutureValue")), policy("Block", grant_controls=grant("block"))]
    )
    assert requirement(data) is Requirement.BLOCKED


def test_password_change_and_session_only_ask_nothing_of_sign_in() -> None:
    assert req(ca([policy(grant_controls=grant("passwordChange"))])).reasons == ("no_policy",)
    session_only = policy(grant_controls=None, session=sign_in_frequency_every_time())
    assert req(ca([session_only])).reasons == ("no_policy",)


# -- combination -----------------------------------------------------------------------------------


def test_all_applicable_policies_must_be_satisfied_strongest_wins() -> None:
    data = ca([policy(), policy("PR", grant_controls=grant(strength_body=PHISHING_RESISTANT))])
    assert requirement(data) is Requirement.PHISHING_RESISTANT


def test_mfa_on_a_legacy_client_is_blocked() -> None:
    modern_block = policy(
        "Block modern", client_apps=["browser", "mobileAppsAndDesktopClients"], grant_controls=grant("block")
    )
    o = req(ca([policy(client_apps=["exchangeActiveSync", "other"]), modern_block]))
    assert (o.requirement, o.policies) == (Requirement.BLOCKED, ("P", "Block modern"))
    # MFA on legacy clients alone leaves the modern ones open with nothing required.
    assert requirement(ca([policy(client_apps=["exchangeActiveSync", "other"])])) is Requirement.NOT_REQUIRED


def test_strict_when_some_policy_requires_mfa_without_alternative() -> None:
    data = ca([policy("Loose", grant_controls=grant("mfa", "compliantDevice")), policy("Tight")])
    o = req(data)
    assert (o.requirement, o.strict) == (Requirement.MFA, True)


def test_users_with_the_same_memberships_share_one_outcome() -> None:
    directory = people("a", "b", "c", groups=[group("g", ["a", "b"])])
    report = evaluate_requirements(ca([policy(user_condition=users([], groups=["g"]))]), directory, now=NOW)
    outcomes = {u.id: u.outcome for u in report.members}
    assert outcomes["a"] is outcomes["b"]
    assert outcomes["c"].requirement is Requirement.NOT_REQUIRED
    assert report.counts() == {r.value: 0 for r in REQUIREMENTS} | {"mfa": 2, "not_required": 1}


# -- security defaults, licences, unreadable parts -------------------------------------------------


def test_security_defaults_roles_mfa_others_conditional_including_role_through_group() -> None:
    directory = people("u", "apa", "via", groups=[group("admins", ["via"])])
    data = ca(
        [],
        security_defaults=True,
        roles=[role(AUTH_POLICY_ADMIN, "apa"), role(GA, "admins", principal_type="group")],
    )
    assert requirement(data, directory, "apa") is Requirement.MFA
    assert requirement(data, directory, "via") is Requirement.MFA
    assert req(data, directory, "u").reasons == ("security_defaults",)


def test_security_defaults_with_enabled_ca_the_ca_decides() -> None:
    data = ca([policy(user_condition=users(exclude=["u"]))], security_defaults=True)
    engine = RequirementEngine(data, U, now=NOW)
    assert engine.mode is Mode.CONDITIONAL_ACCESS
    assert engine.conflict
    assert engine.evaluate().security_defaults_conflict
    assert req(data).reasons == ("excluded:P via user",)


def test_security_defaults_with_report_only_policy_shadow_is_the_ca_outcome() -> None:
    data = ca([policy(state="enabledForReportingButNotEnforced")], security_defaults=True)
    o = req(data)
    assert (o.requirement, o.shadow_requirement) == (Requirement.CONDITIONAL, Requirement.MFA)


def test_unreadable_security_defaults_without_enabled_policies_is_unknown() -> None:
    data = ca([], read_errors={PART_SECURITY_DEFAULTS: permission_error(PART_SECURITY_DEFAULTS)})
    assert requirement(data) is Requirement.UNKNOWN


def test_unreadable_policies_make_everyone_unknown() -> None:
    data = ca([], read_errors={PART_POLICIES: permission_error(PART_POLICIES)})
    o = req(data)
    assert o.requirement is Requirement.UNKNOWN
    assert o.reasons == (
        "unreadable:conditional_access.policies (permission: Authorization_RequestDenied (HTTP 403))",
    )


def test_licence_error_means_no_p1_security_defaults_decide() -> None:
    errors = {PART_POLICIES: licence_error()}
    assert req(ca([], read_errors=errors)).reasons == ("no_p1",)
    assert req(ca([], read_errors=errors, security_defaults=True)).reasons == ("security_defaults",)


def test_permission_error_wins_over_licence_error() -> None:
    errors = {PART_POLICIES: licence_error(), PART_NAMED_LOCATIONS: permission_error(PART_NAMED_LOCATIONS)}
    assert requirement(ca([], read_errors=errors)) is Requirement.UNKNOWN


def test_subscribed_skus_without_premium_mean_no_p1() -> None:
    licences = parse_licences(
        {"value": [{"capabilityStatus": "Enabled", "servicePlans": [{"servicePlanId": "x"}]}]}
    )
    assert licences.p1 is False
    assert req(ca([policy()], p1=False)).reasons == ("no_p1",)


def test_unreadable_role_assignments_make_role_policies_unknown_for_who_they_might_touch() -> None:
    directory = people("u", "v", groups=[group("out", ["v"])])
    includes = ca([policy(user_condition=users([], roles=[GA]))], roles=None)
    assert requirement(includes, directory, "u") is Requirement.UNKNOWN
    excludes = ca([policy(user_condition=users(exclude_groups=["out"], exclude_roles=[GA]))], roles=None)
    assert requirement(excludes, directory, "u") is Requirement.UNKNOWN
    # Excluded for sure by a group: the role does not matter.
    assert req(excludes, directory, "v").reasons == ("excluded:P via group OUT",)
    assert requirement(ca([policy()], roles=None), directory, "u") is Requirement.MFA
    assert PART_ROLE_ASSIGNMENTS in {p.what for p in includes.problems}
