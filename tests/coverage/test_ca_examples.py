"""The twelve worked examples of reference/conditional-access.md §5 and the peers' false passes of §4.

Each example asserts the exact outcome, strictness, reasons, applied policies and shadow outcome the
engine gives, and the control verdicts the example names.
"""

from __future__ import annotations

from mfaguard.coverage.ca_judgements import CaSettings, judge_all
from mfaguard.coverage.requirement import CANNOT_SIGN_IN, Requirement, effective_protection
from mfaguard.model.directory import Level
from mfaguard.model.report import Status
from tests.builders.conditional_access import (
    GA,
    NOW,
    PHISHING_RESISTANT,
    apps,
    ca,
    grant,
    guest_types,
    ip_location,
    outcome_of,
    policy,
    role,
    strength,
    users,
)
from tests.builders.directory import group, people, user

U = people("u")


def verdicts(data: object, directory: object = U) -> dict[str, Status]:
    judged = judge_all(data, directory, CaSettings(), NOW)  # type: ignore[arg-type]
    return {control: j.status for control, j in judged.items()}


def test_example_1_no_ca_and_security_defaults_off() -> None:
    data = ca([])
    o = outcome_of(data, U, "u")
    assert (o.requirement, o.strict, o.reasons, o.policies) == (
        Requirement.NOT_REQUIRED,
        False,
        ("no_policy",),
        (),
    )
    status = verdicts(data)
    assert status["MFA-019"] is Status.FAIL
    assert status["MFA-025"] is Status.FAIL


def test_example_2_security_defaults_on_no_ca() -> None:
    data = ca([], security_defaults=True, roles=[role(GA, "ga")])
    directory = people("u", "ga")
    member = outcome_of(data, directory, "u")
    admin = outcome_of(data, directory, "ga")
    assert (member.requirement, member.reasons) == (Requirement.CONDITIONAL, ("security_defaults",))
    assert (admin.requirement, admin.strict) == (Requirement.MFA, True)
    status = verdicts(data, directory)
    assert status["MFA-019"] is Status.WARN
    assert status["MFA-021"] is Status.PASS


def test_example_3_report_only_only() -> None:
    data = ca([policy(state="enabledForReportingButNotEnforced")])
    o = outcome_of(data, U, "u")
    assert (o.requirement, o.reasons, o.shadow_requirement) == (
        Requirement.NOT_REQUIRED,
        ("report_only_only",),
        Requirement.MFA,
    )
    judged = judge_all(data, U, CaSettings(), NOW)["MFA-019"]
    assert judged.status is Status.FAIL
    assert "'P' is report-only since 2026-06-01 (183 days)" in judged.detail


def test_example_4_nested_group_exclusion_chain() -> None:
    directory = people("u", groups=[group("g1", groups=["g2"]), group("g2", ["u"])])
    data = ca([policy(user_condition=users(exclude_groups=["g1"]))])
    o = outcome_of(data, directory, "u")
    assert o.requirement is Requirement.NOT_REQUIRED
    assert o.reasons == ("excluded:P via group G2 ← nested in G1",)
    assert o.policies == ()


def test_example_5_mfa_or_compliant_device_is_mfa_not_strict() -> None:
    data = ca([policy(grant_controls=grant("mfa", "compliantDevice"))])
    o = outcome_of(data, U, "u")
    assert (o.requirement, o.strict, o.reasons) == (Requirement.MFA, False, ())
    assert verdicts(data)["MFA-019"] is Status.WARN


def test_example_6_or_alternatives_the_attacker_meets() -> None:
    terms = outcome_of(ca([policy(grant_controls=grant("mfa", terms=["tou-1"]))]), U, "u")
    assert (terms.requirement, terms.reasons) == (Requirement.NOT_REQUIRED, ("or_alternative:P",))
    app = outcome_of(ca([policy(grant_controls=grant("mfa", "compliantApplication"))]), U, "u")
    assert (app.requirement, app.reasons) == (
        Requirement.CONDITIONAL,
        ("or_alternative:P on android/iOS/windows",),
    )


def test_example_7_phishing_resistant_strength_and_cannot_sign_in() -> None:
    data = ca([policy(), policy("Admins PR", grant_controls=grant(strength_body=PHISHING_RESISTANT))])
    o = outcome_of(data, U, "u")
    assert (o.requirement, o.strict, o.policies) == (Requirement.PHISHING_RESISTANT, True, ("P", "Admins PR"))
    assert effective_protection(o.requirement, Level.PUSH_WITH_CONTEXT) == CANNOT_SIGN_IN
    assert effective_protection(o.requirement, Level.PHISHING_RESISTANT) == "phishing_resistant"


def test_example_8_client_app_subset_then_legacy_block() -> None:
    modern = policy(client_apps=["browser", "mobileAppsAndDesktopClients"])
    o = outcome_of(ca([modern]), U, "u")
    assert (o.requirement, o.reasons) == (
        Requirement.CONDITIONAL,
        ("client_app:exchangeActiveSync", "client_app:other"),
    )
    block = policy("Block legacy", client_apps=["exchangeActiveSync", "other"], grant_controls=grant("block"))
    both = outcome_of(ca([modern, block]), U, "u")
    assert (both.requirement, both.strict, both.reasons) == (Requirement.MFA, True, ())


def test_example_9_some_apps_do_not_count() -> None:
    data = ca([policy(app_condition=apps(["Office365"]))])
    o = outcome_of(data, U, "u")
    assert (o.requirement, o.reasons) == (Requirement.NOT_REQUIRED, ("no_policy",))
    assert verdicts(data)["MFA-019"] is Status.FAIL


def test_example_10_risk_only() -> None:
    o = outcome_of(ca([policy(sign_in_risk=["medium", "high"])]), U, "u")
    assert (o.requirement, o.reasons) == (Requirement.NOT_REQUIRED, ("risk_only:P",))


def test_example_11_role_targeted_policy() -> None:
    # "eligible" has a PIM-eligible GA assignment: eligibility is not in roleAssignments, so no role.
    data = ca([policy(user_condition=users([], roles=[GA]))], roles=[role(GA, "ga")])
    directory = people("u", "ga", "eligible")
    assert outcome_of(data, directory, "ga").requirement is Requirement.MFA
    for other in ("u", "eligible"):
        o = outcome_of(data, directory, other)
        assert (o.requirement, o.reasons) == (Requirement.NOT_REQUIRED, ("no_policy",))


def test_example_12_trusted_exemption_and_platform_subset() -> None:
    trusted = ca(
        [policy(locations=(["All"], ["AllTrusted"]))],
        locations=[ip_location("office", "Office", trusted=True)],
    )
    o = outcome_of(trusted, U, "u")
    assert (o.requirement, o.strict, o.reasons) == (Requirement.MFA, True, ("trusted_location_exempt:P",))
    mobile = outcome_of(ca([policy(platforms=(["android", "iOS"], []))]), U, "u")
    assert mobile.requirement is Requirement.CONDITIONAL
    assert mobile.reasons == (
        "platform:windows",
        "platform:macOS",
        "platform:linux",
        "platform:windowsPhone",
        "platform:unknown",
    )


# -- §4: where the peers are wrong ----------------------------------------------------------------


def test_peer_report_only_and_disabled_policies_do_not_enforce() -> None:
    data = ca([policy("Ro", state="enabledForReportingButNotEnforced"), policy("Off", state="disabled")])
    o = outcome_of(data, U, "u")
    assert (o.requirement, o.reasons, o.policies) == (Requirement.NOT_REQUIRED, ("report_only_only",), ())
    assert verdicts(data)["MFA-019"] is Status.FAIL


def test_peer_narrowing_conditions_are_not_ignored() -> None:
    cases = {
        "risk": policy(sign_in_risk=["high"]),
        "location": policy(locations=(["branch"], [])),
        "platform": policy(platforms=(["windows"], [])),
        "client apps": policy(client_apps=["browser"]),
        "device filter": policy(device_filter=("include", 'device.trustType -eq "ServerAD"')),
    }
    for name, narrowed in cases.items():
        data = ca([narrowed], locations=[ip_location("branch", "Branch")])
        o = outcome_of(data, U, "u")
        assert o.requirement in (Requirement.CONDITIONAL, Requirement.NOT_REQUIRED), name
        assert verdicts(data)["MFA-019"] is Status.FAIL, name


def test_peer_mfa_or_compliant_application_is_not_mfa() -> None:
    data = ca([policy(grant_controls=grant("mfa", "compliantApplication"))])
    assert outcome_of(data, U, "u").requirement is Requirement.CONDITIONAL
    assert verdicts(data)["MFA-019"] is Status.FAIL


def test_peer_strength_judged_by_combinations_not_display_name() -> None:
    # A custom strength named like the built-in but admitting SMS is not phishing-resistant, and a
    # custom phishing-resistant strength with an unusual name is.
    fake = strength("custom-1", ["fido2", "password,sms"], name="Phishing-resistant MFA")
    real = strength("custom-2", ["fido2", "windowsHelloForBusiness"], name="Strong keys only")
    weak = outcome_of(ca([policy(grant_controls=grant(strength_body=fake))], strengths=[fake]), U, "u")
    strong = outcome_of(ca([policy(grant_controls=grant(strength_body=real))], strengths=[real]), U, "u")
    assert weak.requirement is Requirement.MFA
    assert strong.requirement is Requirement.PHISHING_RESISTANT


def test_peer_nested_groups_and_every_guest_type() -> None:
    directory = people(
        "u",
        user("b2b", guest=True, external=True),
        user("internal", guest=True),
        user("member-ext", external=True),
        groups=[group("g1", groups=["g2"]), group("g2", groups=["g3"]), group("g3", ["u"])],
    )
    data = ca(
        [
            policy(
                user_condition=users(
                    [],
                    groups=["g1"],
                    guests=guest_types("internalGuest,b2bCollaborationGuest,b2bCollaborationMember"),
                )
            )
        ]
    )
    for uid in ("u", "b2b", "internal", "member-ext"):
        assert outcome_of(data, directory, uid).requirement is Requirement.MFA, uid


def test_peer_admin_role_set_is_the_configured_one() -> None:
    data = ca(
        [
            policy(
                "Admins",
                user_condition=users([], roles=[GA]),
                grant_controls=grant(strength_body=PHISHING_RESISTANT),
            )
        ],
        roles=[role(GA, "ga")],
    )
    judged = judge_all(data, people("ga"), CaSettings(), NOW)["MFA-020"]
    assert judged.status is Status.FAIL
    assert "Security Administrator" in judged.detail
    only_ga = judge_all(data, people("ga"), CaSettings(privileged_roles=(GA,)), NOW)["MFA-020"]
    assert only_ga.status is Status.PASS


def test_peer_no_policies_or_defaults_with_disabled_policies_do_not_crash() -> None:
    empty = verdicts(ca([]))
    assert set(empty.values()) <= {Status.FAIL}
    defaults = ca([policy(state="disabled")], security_defaults=True)
    status = verdicts(defaults)
    assert status["MFA-019"] is Status.WARN
    assert status["MFA-021"] is Status.PASS
    # Users under security defaults are not shown as unprotected.
    o = outcome_of(defaults, U, "u")
    assert (o.requirement, o.reasons) == (Requirement.CONDITIONAL, ("security_defaults",))
