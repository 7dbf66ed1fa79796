"""Normalisation and classification rules (reference §3 rules 1-3, precise rule 2)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mfaguard.detect.classify import classify_denial_phrase, normalise_phrase
from mfaguard.detect.events import denial_events
from mfaguard.detect.model import EventClass
from mfaguard.detect.normalise import SkipRecord, Triage, normalise_signin, parse_ts, triage
from tests.builders.signins import (
    ALICE_ID,
    DECLINED,
    FRAUD,
    T0,
    TIMEOUT,
    WRONG_NUMBER,
    denial,
    interrupt,
    record,
    step,
    success,
)


@pytest.mark.parametrize(
    ("phrase", "cls"),
    [
        ("MFA denied; user declined the authentication", EventClass.DENY_EXPLICIT),
        ("MFA Denied; user declined the authentication.", EventClass.DENY_EXPLICIT),  # case + trailing period
        ("  mfa DENIED;   user declined the  authentication ", EventClass.DENY_EXPLICIT),
        ("MFA denied; user did not respond to mobile app notification", EventClass.DENY_TIMEOUT),
        ("MFA denied; user did not select the correct number", EventClass.DENY_WRONG_NUMBER),
        ("MFA denied; Phone App Reported Fraud", EventClass.FRAUD),
        ("MFA denied, Fraud Code Entered", EventClass.FRAUD),
        ("SuspiciousActivityReported", EventClass.FRAUD),
        ("MFA denied; user is blocked", EventClass.BLOCKED),
        ("MFA denied; invalid verification code", EventClass.MFA_FAIL_OTHER),
        ("User never entered the verification code", EventClass.MFA_FAIL_OTHER),
        ("MFA successfully completed", None),
        ("MFA required in Azure AD", None),
        ("", None),
    ],
)
def test_phrase_classes(phrase: str, cls: EventClass | None) -> None:
    assert classify_denial_phrase(normalise_phrase(phrase)) is cls


def test_phrase_normalisation() -> None:
    assert normalise_phrase(" MFA  Denied;\tUser declined the authentication.. ") == (
        "mfa denied; user declined the authentication"
    )


def test_seven_fractional_digits_and_zones() -> None:
    expected = datetime(2020, 3, 13, 19, 15, 41, 619583, tzinfo=UTC)
    assert parse_ts("2020-03-13T19:15:41.6195833Z") == expected
    assert parse_ts("2020-03-13T20:15:41.6195833+01:00") == expected
    assert parse_ts("2020-03-13T19:15:41.619583") == expected  # no zone: UTC
    assert parse_ts("3/13/2020, 7:15:41 PM") == expected.replace(microsecond=0)  # portal style
    with pytest.raises(ValueError):
        parse_ts("yesterday")


def test_user_key_is_user_id_else_lower_case_upn() -> None:
    rec = normalise_signin(denial(T0, user="Alice@Contoso.COM"))
    assert rec.user_key == ALICE_ID and rec.upn == "alice@contoso.com"
    no_id = normalise_signin(denial(T0, user="Alice@Contoso.COM", user_id=None))
    assert no_id.user_key == "upn:alice@contoso.com"


def test_guest_upn_keeps_its_ext_form() -> None:
    rec = normalise_signin(
        denial(T0, user="Partner_Fabrikam.com#EXT#@Contoso.onmicrosoft.com", user_type="Guest")
    )
    assert rec.upn == "partner_fabrikam.com#ext#@contoso.onmicrosoft.com"


def test_error_code_as_string_and_authentication_details_as_json_string() -> None:
    import json

    raw = denial(T0)
    raw["status"]["errorCode"] = "500121"
    raw["authenticationDetails"] = json.dumps(raw["authenticationDetails"])
    rec = normalise_signin(raw)
    assert rec.error_code == 500121 and rec.cls is EventClass.DENY_EXPLICIT
    assert [e.cls for e in denial_events(rec)] == [EventClass.DENY_EXPLICIT]


def test_detail_prefers_the_mfa_step_over_status() -> None:
    raw = denial(T0, TIMEOUT)
    raw["status"]["additionalDetails"] = DECLINED
    assert normalise_signin(raw).cls is EventClass.DENY_TIMEOUT


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ([1, 2], "not a JSON object"),
        ({"createdDateTime": "2026-11-20T09:00:00Z"}, "missing id"),
        ({"id": "x"}, "missing createdDateTime"),
        ({"id": "x", "createdDateTime": "soon"}, "bad createdDateTime"),
        ({"id": "x", "createdDateTime": "2026-11-20T09:00:00Z", "status": {"errorCode": 0}}, "missing user"),
        ({"id": "x", "createdDateTime": "2026-11-20T09:00:00Z", "userId": "u", "status": "bad"}, "wrong type: status is not an object"),
        ({"id": "x", "createdDateTime": "2026-11-20T09:00:00Z", "userId": "u", "status": {"errorCode": "abc"}}, "wrong type: errorCode"),
        ({"id": "x", "createdDateTime": "2026-11-20T09:00:00Z", "userId": "u", "status": {"errorCode": 1}, "authenticationDetails": 5}, "wrong type: authenticationDetails is not a list"),
    ],
)  # fmt: skip
def test_bad_records_are_skipped_with_a_reason(raw: object, reason: str) -> None:
    with pytest.raises(SkipRecord) as info:
        normalise_signin(raw)
    assert info.value.reason == reason


def test_success_classes() -> None:
    assert normalise_signin(success(T0)).cls is EventClass.MFA_SUCCESS
    satisfied = record(
        T0,
        code=0,
        steps=[step(T0, "MFA requirement satisfied by claim in the token", True, "Previously satisfied")],
    )
    assert normalise_signin(satisfied).cls is EventClass.SUCCESS_NO_MFA
    kmsi = success(T0)
    kmsi["status"]["errorCode"] = 50140
    assert normalise_signin(kmsi).cls is EventClass.MFA_SUCCESS
    no_steps = record(T0, code=0)  # beta without steps but MFA required
    assert normalise_signin(no_steps).cls is EventClass.MFA_SUCCESS
    v1 = record(T0, code=0, requirement=None)
    rec = normalise_signin(v1)
    assert rec.cls is EventClass.OTHER and rec.low_confidence_success
    assert normalise_signin(interrupt(T0)).cls is EventClass.MFA_INTERRUPT


def test_v1_record_without_steps_gives_one_record_event() -> None:
    rec = normalise_signin(denial(T0, WRONG_NUMBER, with_steps=False, requirement=None))
    events = denial_events(rec)
    assert [(e.cls, e.from_steps, e.key) for e in events] == [
        (EventClass.DENY_WRONG_NUMBER, False, ("record", rec.id))
    ]


def test_success_record_carrying_denied_steps_gives_their_events() -> None:
    raw = success(T0, extra_steps=[step(T0, DECLINED, False), step(T0, FRAUD, False)])
    events = denial_events(normalise_signin(raw))
    assert sorted(e.cls.value for e in events) == ["DENY_EXPLICIT", "FRAUD"]


def test_triage_never_drops_what_counts() -> None:
    keep = [denial(T0), success(T0, extra_steps=[step(T0, DECLINED, False)]), record(T0, code=0, requirement=None),
            record(T0, code=53000, detail="MFA denied; user is blocked")]  # fmt: skip
    assert all(triage(r) is Triage.KEEP for r in keep)
    assert triage(interrupt(T0)) is Triage.NOISE
    drop = [record(T0, code=0, requirement="singleFactorAuthentication"),
            record(T0, code=0, steps=[step(T0, "MFA requirement satisfied by claim in the token", True, "Previously satisfied")]),
            record(T0, code=50126)]  # fmt: skip
    assert all(triage(r) is Triage.DROP for r in drop)


def test_fast_success_path_matches_full_normalisation() -> None:
    from mfaguard.detect.events import success_event
    from mfaguard.detect.normalise import fast_success

    cases = [
        success(T0),
        success(T0, method="Text message", ip="192.0.2.9", country="gb", user="Bob@Contoso.com"),
        success(T0, interactive=False) | {"isInteractive": None, "signInEventTypes": ["nonInteractiveUser"]},
        success(T0) | {"status": {"errorCode": 50140}},
        success(T0) | {"location": None},
    ]
    for raw in cases:
        assert triage(raw) is Triage.SUCCESS
        assert fast_success(raw) == success_event(normalise_signin(raw))
    claim = success(T0) | {
        "status": {"errorCode": 0, "additionalDetails": "MFA requirement satisfied by claim in the token"}
    }
    assert triage(claim) is Triage.KEEP
    with pytest.raises(SkipRecord):
        fast_success(success(T0) | {"id": None})
