from __future__ import annotations

from mfaguard.enforce.baseline import load_baseline
from mfaguard.enforce.lockout import lockout_verdict
from mfaguard.enforce.plan import PlanSettings, plan
from mfaguard.model.directory import Directory, DirectoryUser, Group, RegistrationDetail, norm_id
from tests.builders.policy import GROUP_H, weak_policy

PHONE_ONLY = "00000000-0000-0000-0000-0000000000a1"
HAS_APP = "00000000-0000-0000-0000-0000000000a2"


def _directory(registration: bool = True) -> Directory:
    users = {
        norm_id(PHONE_ONLY): DirectoryUser(id=norm_id(PHONE_ONLY), user_principal_name="phone@contoso.com"),
        norm_id(HAS_APP): DirectoryUser(id=norm_id(HAS_APP), user_principal_name="app@contoso.com"),
    }
    rows = {
        norm_id(PHONE_ONLY): RegistrationDetail(
            id=norm_id(PHONE_ONLY),
            user_principal_name="phone@contoso.com",
            methods_registered=frozenset({"mobilePhone"}),
        ),
        norm_id(HAS_APP): RegistrationDetail(
            id=norm_id(HAS_APP),
            user_principal_name="app@contoso.com",
            methods_registered=frozenset({"mobilePhone", "microsoftAuthenticatorPush"}),
        ),
    }
    groups = {norm_id(GROUP_H): Group(id=norm_id(GROUP_H), member_users=frozenset({norm_id(HAS_APP)}))}
    return Directory(users=users, groups=groups, registration=rows if registration else None)


def test_turning_sms_and_voice_off_locks_out_the_phone_only_user() -> None:
    p = plan(weak_policy(), load_baseline("recommended").baseline, PlanSettings())
    verdict = lockout_verdict(_directory(), weak_policy(), p)
    assert verdict.checked and verdict.blocks
    assert [upn for upn, _ in verdict.users] == ["phone@contoso.com"]
    assert verdict.to_json()["users"][0]["reason"]


def test_without_registration_data_the_guard_says_it_could_not_check() -> None:
    p = plan(weak_policy(), load_baseline("recommended").baseline, PlanSettings())
    verdict = lockout_verdict(_directory(registration=False), weak_policy(), p)
    assert (verdict.checked, verdict.blocks) == (False, False)
    assert "registration report" in (verdict.reason or "")
    assert lockout_verdict(None, weak_policy(), p).checked is False


def test_a_harmless_plan_passes() -> None:
    p = plan(
        weak_policy(),
        load_baseline("cisa-scuba").baseline.model_copy(update={"sms": None, "voice": None}),
        PlanSettings(),
    )
    verdict = lockout_verdict(_directory(), weak_policy(), p)
    assert verdict.checked and not verdict.users
