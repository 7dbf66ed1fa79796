"""Per-user levels and reason chains on small hand-built directories (DESIGN §9)."""

from __future__ import annotations

from mfaguard.coverage.evaluate import evaluate_coverage, explain_user
from mfaguard.model.directory import LEVELS, Directory, Level
from mfaguard.model.policy import AuthenticationMethodsPolicy, TenantInfo
from mfaguard.model.settings import NumberMatchingMode
from tests.builders.directory import directory, group, reg, user
from tests.builders.policy import (
    authenticator,
    feature,
    hardened_authenticator,
    method,
    policy,
    target,
    voice,
)

CONFIGURABLE = NumberMatchingMode.CONFIGURABLE
TENANT = TenantInfo(id="tenant-1", name="Contoso")


def levels_of(pol: AuthenticationMethodsPolicy, direc: Directory, **kwargs: str) -> dict[str, str]:
    report = evaluate_coverage(pol, direc, tenant=TENANT, **kwargs)
    return {u.id: u.level.value for u in (*report.users, *report.guests)}


def reasons_of(pol: AuthenticationMethodsPolicy, direc: Directory, user_id: str) -> tuple[str, ...]:
    report = evaluate_coverage(pol, direc, tenant=TENANT)
    return next(u for u in (*report.users, *report.guests) if u.id == user_id).reasons


def test_each_level_from_registered_methods() -> None:
    pol = policy(
        hardened_authenticator(software_oath=True),
        method("Fido2"),
        method("Sms"),
        voice(),
        method("HardwareOath"),
    )
    direc = directory(
        [user(n) for n in ("key", "hello", "push", "otp", "hwotp", "phone", "mail", "nothing")],
        [
            reg("key", "passKeyDeviceBound", "mobilePhone"),
            reg("hello", "windowsHelloForBusiness"),
            reg("push", "microsoftAuthenticatorPush", "mobilePhone"),
            reg("otp", "softwareOneTimePasscode", "mobilePhone"),
            reg("hwotp", "hardwareOneTimePasscode"),
            reg("phone", "mobilePhone", "email"),
            reg("mail", "email", "temporaryAccessPass"),
            reg("nothing"),
        ],
    )
    assert levels_of(pol, direc) == {
        "key": "phishing_resistant",
        "hello": "phishing_resistant",
        "push": "push_with_context",
        "otp": "otp",
        "hwotp": "otp",
        "phone": "phone_only",
        "mail": "none",
        "nothing": "none",
    }


def test_counts_keep_all_six_levels_and_split_admins() -> None:
    pol = policy(hardened_authenticator(), method("Sms"))
    direc = directory(
        [user("a"), user("b"), user("c"), user("g", guest=True), user("d", enabled=False)],
        [
            reg("a", "microsoftAuthenticatorPush", admin=True),
            reg("b", "mobilePhone", admin=True),
            reg("c", "mobilePhone"),
            reg("g", "mobilePhone"),
        ],
    )
    report = evaluate_coverage(pol, direc, tenant=TENANT)
    doc = report.to_json()
    assert list(doc["levels"]) == [level.value for level in LEVELS]
    assert doc["levels"] == {
        "phishing_resistant": 0,
        "push_with_context": 1,
        "push": 0,
        "otp": 0,
        "phone_only": 2,
        "none": 0,
    }
    assert doc["admins"]["push_with_context"] == 1
    assert doc["admins"]["phone_only"] == 1
    assert sum(doc["admins"].values()) == 2
    assert doc["guests"] == 1
    assert {u["id"] for u in doc["users"]} == {"a", "b", "c"}  # no guest, no disabled user
    assert report.disabled == 1
    assert set(doc["users"][0]) == {"id", "userPrincipalName", "isAdmin", "level", "reasons"}
    # weakest first
    assert [u["level"] for u in doc["users"]] == ["phone_only", "phone_only", "push_with_context"]


def test_exclusion_through_groups_nested_three_deep_names_the_chain() -> None:
    # app-name context excludes group OUTER; OUTER ⊃ MIDDLE ⊃ INNER ⊃ deep-user.
    pol = policy(authenticator(app=feature(exclude="outer"), location=feature()))
    direc = directory(
        [user("deep"), user("plain")],
        [reg("deep", "microsoftAuthenticatorPush"), reg("plain", "microsoftAuthenticatorPush")],
        [
            group("outer", groups=["middle"], name="Contractors"),
            group("middle", groups=["inner"], name="Vendors"),
            group("inner", users=["deep"], name="Vendor Acme"),
        ],
    )
    assert levels_of(pol, direc) == {"deep": "push", "plain": "push_with_context"}
    reasons = reasons_of(pol, direc, "deep")
    assert reasons[0] == "level push: usable Authenticator push without app-name context"
    assert (
        "app-name context: does not apply — excluded from app-name context by group 'Contractors' (outer)"
        " ← nested in 'Vendors' ← nested in 'Vendor Acme'"
    ) in reasons


def test_user_in_both_included_and_excluded_group_is_excluded() -> None:
    pol = policy(
        hardened_authenticator(include=[target("staff", "any")], exclude=["contractors"]),
        method("Sms"),
    )
    direc = directory(
        [user("both"), user("staffer"), user("outsider")],
        [
            reg("both", "microsoftAuthenticatorPush", "mobilePhone"),
            reg("staffer", "microsoftAuthenticatorPush"),
            reg("outsider", "microsoftAuthenticatorPush"),
        ],
        [
            group("staff", users=["both", "staffer"], name="Staff"),
            group("contractors", groups=["temps"], name="Contractors"),
            group("temps", users=["both"], name="Temps"),
        ],
    )
    assert levels_of(pol, direc) == {"both": "phone_only", "staffer": "push_with_context", "outsider": "none"}
    both = reasons_of(pol, direc, "both")
    assert (
        "microsoftAuthenticatorPush: not usable — excluded from MicrosoftAuthenticator by group "
        "'Contractors' (contractors) ← nested in 'Temps'"
    ) in both
    assert "mobilePhone: usable — included in Sms by all_users" in both
    outsider = reasons_of(pol, direc, "outsider")
    assert any("not in any include target of MicrosoftAuthenticator ('Staff' (staff))" in r for r in outsider)


def test_disabled_users_are_not_counted_but_explained() -> None:
    pol = policy(hardened_authenticator())
    gone = user("gone", enabled=False)
    direc = directory([gone, user("here")], [reg("here", "microsoftAuthenticatorPush")])
    report = evaluate_coverage(pol, direc, tenant=TENANT)
    assert [u.id for u in report.users] == ["here"]
    assert report.disabled == 1
    explanation = explain_user(pol, direc, gone)
    assert explanation.status[0].startswith("account disabled")
    assert "not in the registration report, which omits disabled users" in explanation.status
    assert explanation.level is Level.NONE


def test_guests_are_counted_apart_and_explained() -> None:
    pol = policy(hardened_authenticator(), method("Sms"))
    guest = user("visitor", guest=True)
    direc = directory([guest, user("m")], [reg("visitor", "mobilePhone"), reg("m", "mobilePhone")])
    report = evaluate_coverage(pol, direc, tenant=TENANT)
    assert [u.id for u in report.guests] == ["visitor"]
    assert report.to_json()["guests"] == 1
    assert report.level_counts()["phone_only"] == 1
    explanation = explain_user(pol, direc, guest)
    assert any(s.startswith("guest") for s in explanation.status)
    assert explanation.level is Level.PHONE_ONLY


def test_user_missing_from_registration_report_is_none_and_said_so() -> None:
    pol = policy(hardened_authenticator())
    direc = directory([user("new")], [])
    report = evaluate_coverage(pol, direc, tenant=TENANT)
    (new,) = report.users
    assert new.level is Level.NONE
    assert not new.in_report
    assert "not in the registration report" in new.reasons[0]
    assert explain_user(pol, direc, user("new")).status == ("not in the registration report",)


def test_method_needs_a_matching_authenticator_mode() -> None:
    pol = policy(
        hardened_authenticator(include=[target("pw", "deviceBasedPush"), target("pushers", "push")]),
    )
    direc = directory(
        [user("a"), user("b"), user("c")],
        [
            reg("a", "microsoftAuthenticatorPush"),  # only in the deviceBasedPush group
            reg("b", "microsoftAuthenticatorPasswordless"),  # passwordless counts as push
            reg("c", "microsoftAuthenticatorPush"),  # both groups: modes add up
        ],
        [group("pw", users=["a", "b", "c"]), group("pushers", users=["c"])],
    )
    assert levels_of(pol, direc) == {"a": "none", "b": "push_with_context", "c": "push_with_context"}
    assert any("mode deviceBasedPush does not allow it" in r for r in reasons_of(pol, direc, "a"))


def test_methods_map_to_their_policy_entries() -> None:
    pol = policy(
        authenticator(software_oath=False),
        method("Fido2", state="disabled"),
        method("Sms", state="disabled"),
        voice(office=False),
        method("SoftwareOath", include=["oath"]),
    )
    direc = directory(
        [user("k"), user("office"), user("alt"), user("third"), user("otp-off")],
        [
            reg("k", "fido2", "microsoftAuthenticatorPush"),
            reg("office", "officePhone"),
            reg("alt", "alternateMobilePhone"),
            reg("third", "softwareOneTimePasscode"),
            reg("otp-off", "softwareOneTimePasscode"),
        ],
        [group("oath", users=["third"])],
    )
    assert levels_of(pol, direc) == {
        "k": "push",
        "office": "none",
        "alt": "phone_only",
        "third": "otp",
        "otp-off": "none",
    }
    assert "fido2: not usable — Fido2 is disabled" in reasons_of(pol, direc, "k")
    assert any("office phones are not allowed" in r for r in reasons_of(pol, direc, "office"))
    assert any("Authenticator OTP codes are off" in r for r in reasons_of(pol, direc, "otp-off"))


def test_office_phone_counts_when_allowed() -> None:
    pol = policy(voice(office=True))
    direc = directory([user("o")], [reg("o", "officePhone")])
    assert levels_of(pol, direc) == {"o": "phone_only"}


def test_feature_default_state_counts_as_off() -> None:
    pol = policy(authenticator(app=feature(state="default"), location=feature()))
    direc = directory([user("u")], [reg("u", "microsoftAuthenticatorPush")])
    assert levels_of(pol, direc) == {"u": "push"}
    assert (
        "app-name context: does not apply — state default (Microsoft managed, counts as off)"
        in reasons_of(pol, direc, "u")
    )


def test_feature_included_by_group_only() -> None:
    pol = policy(authenticator(app=feature(include="pilot"), location=feature(include="pilot")))
    direc = directory(
        [user("in"), user("out")],
        [reg("in", "microsoftAuthenticatorPush"), reg("out", "microsoftAuthenticatorPush")],
        [group("pilot", groups=["sub"]), group("sub", users=["in"])],
    )
    assert levels_of(pol, direc) == {"in": "push_with_context", "out": "push"}


def test_number_matching_in_configurable_mode() -> None:
    pol = policy(hardened_authenticator(number_matching=feature(state="disabled")))
    direc = directory([user("u")], [reg("u", "microsoftAuthenticatorPush")])
    assert levels_of(pol, direc) == {"u": "push_with_context"}  # service-enforced: always on
    assert levels_of(pol, direc, number_matching_mode=CONFIGURABLE) == {"u": "push"}
    assert any(
        r.startswith("number matching: does not apply — state disabled") for r in reasons_of_mode(pol, direc)
    )


def reasons_of_mode(pol: AuthenticationMethodsPolicy, direc: Directory) -> tuple[str, ...]:
    report = evaluate_coverage(pol, direc, tenant=TENANT, number_matching_mode=CONFIGURABLE)
    return report.users[0].reasons


def test_same_methods_different_memberships_are_not_confused_by_the_cache() -> None:
    pol = policy(hardened_authenticator(exclude=["x"]), method("Sms"))
    direc = directory(
        [user(f"u{i}") for i in range(6)],
        [reg(f"u{i}", "microsoftAuthenticatorPush", "mobilePhone") for i in range(6)],
        [group("x", users=["u1", "u3", "u5"])],
    )
    assert levels_of(pol, direc) == {
        "u0": "push_with_context",
        "u1": "phone_only",
        "u2": "push_with_context",
        "u3": "phone_only",
        "u4": "push_with_context",
        "u5": "phone_only",
    }


def test_unknown_method_strings_are_ignored_with_a_reason() -> None:
    pol = policy(hardened_authenticator())
    direc = directory([user("u")], [reg("u", "qrCode")])
    assert levels_of(pol, direc) == {"u": "none"}
    assert "qrCode: not a method mfaguard rates, ignored" in reasons_of(pol, direc, "u")


def test_unreadable_registration_report_means_levels_unknown() -> None:
    pol = policy(hardened_authenticator())
    direc = directory([user("a"), user("g", guest=True)], None)
    report = evaluate_coverage(pol, direc, tenant=TENANT)
    assert not report.levels_known
    assert report.users == ()
    assert report.to_json()["guests"] == 1
    explanation = explain_user(pol, direc, user("a"))
    assert explanation.level is None
    assert explanation.reasons[0].startswith("level unknown")


def test_explain_lists_memberships_with_chains() -> None:
    pol = policy(hardened_authenticator(exclude=["outer"]))
    direc = directory(
        [user("deep")],
        [reg("deep", "microsoftAuthenticatorPush")],
        [group("outer", groups=["mid"], name="Outer"), group("mid", users=["deep"], name="Mid")],
    )
    explanation = explain_user(pol, direc, user("deep"))
    assert explanation.memberships == ("member of group 'Outer' (outer) ← nested in 'Mid'",)
    assert explanation.level is Level.NONE
