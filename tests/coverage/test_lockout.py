"""The lock-out guard's API: who a planned change would leave with no usable method."""

from __future__ import annotations

import pytest

from mfaguard.coverage.lockout import CoverageUnavailable, users_left_without_method
from mfaguard.model.policy import coverage_group_ids
from tests.builders.directory import directory, group, reg, user
from tests.builders.policy import hardened_authenticator, method, policy, voice


def test_turning_off_sms_locks_out_phone_only_users() -> None:
    current = policy(hardened_authenticator(), method("Sms"), voice(state="disabled"))
    proposed = policy(hardened_authenticator(), method("Sms", state="disabled"), voice(state="disabled"))
    direc = directory(
        [user("phone"), user("both"), user("mail"), user("new"), user("off", enabled=False)],
        [
            reg("phone", "mobilePhone"),
            reg("both", "mobilePhone", "microsoftAuthenticatorPush"),
            reg("mail", "email"),
            reg("off", "mobilePhone"),
        ],
    )
    affected = users_left_without_method(direc, current, proposed)
    assert [(u.id, r) for u, r in affected] == [
        (
            "phone",
            "registered mobilePhone; today phone_only, after the change nothing usable "
            "(mobilePhone: not usable — Sms is disabled; Voice is disabled)",
        )
    ]


def test_voice_keeps_phone_users_usable() -> None:
    current = policy(method("Sms"), voice())
    proposed = policy(method("Sms", state="disabled"), voice())
    direc = directory([user("p")], [reg("p", "mobilePhone")])
    assert users_left_without_method(direc, current, proposed) == []


def test_excluding_a_nested_group_from_authenticator() -> None:
    current = policy(hardened_authenticator())
    proposed = policy(hardened_authenticator(exclude=["pilot"]))
    direc = directory(
        [user("a"), user("b")],
        [reg("a", "microsoftAuthenticatorPush"), reg("b", "microsoftAuthenticatorPush")],
        [group("pilot", groups=["sub"], name="Pilot"), group("sub", users=["a"], name="Sub")],
    )
    ((who, why),) = users_left_without_method(direc, current, proposed)
    assert who.id == "a"
    assert "excluded from MicrosoftAuthenticator by group 'Pilot' (pilot) ← nested in 'Sub'" in why


def test_refuses_to_guess_without_registration_data() -> None:
    pol = policy(method("Sms"))
    with pytest.raises(CoverageUnavailable, match="registration report was not read"):
        users_left_without_method(directory([user("a")], None), pol, pol)


def test_refuses_to_guess_about_unread_groups() -> None:
    current = policy(method("Sms"))
    proposed = policy(method("Sms", exclude=["unread"]))
    direc = directory([user("a")], [reg("a", "mobilePhone")])
    with pytest.raises(CoverageUnavailable, match="unread"):
        users_left_without_method(direc, current, proposed)


def test_coverage_group_ids_cover_methods_and_features() -> None:
    auth = hardened_authenticator(include=["Staff"], exclude=["X"])
    pol = policy(auth, method("Sms", include=["all_users"], exclude=["Y"]))
    assert coverage_group_ids(pol) == {"staff", "x", "y"}


def test_groups_of_methods_without_a_level_are_not_needed() -> None:
    pol = policy(
        method("TemporaryAccessPass", include=["tap"]),
        method("Email", include=["mail"]),
        method("Sms", include=["s"]),
    )
    assert coverage_group_ids(pol) == {"s"}
