"""The detections DET-001..DET-009 (default profile), boundary by boundary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.builders.signins import (
    ALICE,
    ALICE_ID,
    ATTACKER_IP,
    BOB,
    BOB_ID,
    DECLINED,
    FRAUD,
    OATH,
    PUSH,
    T0,
    TIMEOUT,
    attempt,
    audit,
    baseline,
    denial,
    of,
    risk,
    run,
    step,
    success,
    summary,
)

NL = {"ip": ATTACKER_IP, "country": "NL"}


def spam(n: int, *, start=T0, every: timedelta = timedelta(seconds=20), phrase: str = DECLINED, **kw):  # type: ignore[no-untyped-def]
    out = []
    for i in range(n):
        out += attempt(start + every * i, phrase, **kw)
    return out


@pytest.mark.parametrize(
    ("n", "expected"), [(4, []), (5, ["medium"]), (9, ["medium"]), (10, ["high"]), (11, ["high"])]
)
def test_burst_thresholds(n: int, expected: list[str]) -> None:
    result = run(baseline() + spam(n))
    assert [a.severity.value for a in of(result, "DET-001")] == expected


def test_window_edge_is_inclusive_and_one_second_more_is_outside() -> None:
    inside = spam(5, every=timedelta(minutes=2.5))
    assert len(of(run(inside), "DET-001")) == 1
    outside = spam(4, every=timedelta(minutes=2.5)) + attempt(T0 + timedelta(minutes=10, seconds=1))
    assert of(run(outside), "DET-001") == []


def test_sliding_window_catches_a_burst_across_a_bucket_boundary() -> None:
    # 10 denials from 09:05 to 09:14:00: a fixed 10-min bucket (Splunk) splits them 5 + 5.
    records = baseline() + spam(10, start=T0 + timedelta(minutes=5), every=timedelta(seconds=60))
    default = run(records)
    assert [a.severity.value for a in of(default, "DET-001")] == ["high"]
    assert of(run(records, profile="splunk"), "DET-001") == []


def test_overlapping_windows_merge_into_one_alert_per_burst() -> None:
    records = spam(30, every=timedelta(minutes=1))  # 30 min of continuous denials
    bursts = of(run(records), "DET-001")
    assert len(bursts) == 1 and bursts[0].denial_count == 30
    two = spam(6) + spam(6, start=T0 + timedelta(hours=2))
    assert len(of(run(two), "DET-001")) == 2


def test_steps_repeated_across_records_of_one_correlation_id_count_once() -> None:
    corr = "c0ffee00-0000-0000-0000-000000000001"
    steps = []
    records = []
    for i in range(4):  # each record repeats every earlier denied step (cumulative details)
        t = T0 + timedelta(seconds=30 * i)
        steps.append(step(t, DECLINED, False))
        records.append(
            denial(t, corr=corr)
            | {"authenticationDetails": [step(t, "Correct password", True, "Password"), *steps]}
        )
    result = run(baseline() + records)
    assert of(result, "DET-001") == []  # 4 unique denials (1+2+3+4 = 10 steps would be a burst)
    assert of(run(baseline() + records, profile="sentinel"), "DET-001") == []  # needs > 10 steps
    records.append(success(T0 + timedelta(minutes=3), corr=corr, extra_steps=list(steps)))
    records.append(
        denial(T0 + timedelta(minutes=2), corr=corr)
        | {"authenticationDetails": [*steps, step(T0 + timedelta(minutes=2), DECLINED, False)]}
    )
    result = run(baseline() + records)
    assert [a.denial_count for a in of(result, "DET-001")] == [5]


def test_in_session_retries_visible_only_in_authentication_details() -> None:
    corr = "c0ffee00-0000-0000-0000-000000000002"
    retries = [step(T0 + timedelta(seconds=15 * i), DECLINED, False) for i in range(10)]
    # One 500121 record; the other nine denials are visible only in the success record's steps.
    records = [
        *baseline(),
        denial(T0, corr=corr, **NL) | {"authenticationDetails": [retries[0]]},
        success(T0 + timedelta(minutes=3), corr=corr, extra_steps=retries, **NL),
    ]
    result = run(records)
    assert summary(result)[:2] == [("DET-001", "high"), ("DET-002", "critical")]
    assert of(result, "DET-001")[0].denial_count == 10
    assert of(run(records, profile="splunk"), "DET-001") == []  # counts 500121 records: one


def test_v1_records_without_step_detail() -> None:
    records = [
        denial(T0 + timedelta(seconds=20 * i), with_steps=False, requirement=None, **NL) for i in range(6)
    ]
    records.append(
        success(T0 + timedelta(minutes=3), **NL)
        | {"authenticationDetails": None, "authenticationRequirement": None}
    )
    result = run(records)
    assert [a.severity.value for a in of(result, "DET-001")] == ["medium"]
    chain = of(result, "DET-002")[0]
    assert chain.details["confidence"] == "low"
    assert any("low confidence" in r for r in chain.reasons)


def test_phrase_variants_and_mixed_case_upns_are_one_user() -> None:
    records = []
    for i, (phrase, upn) in enumerate(
        [("MFA Denied; user declined the authentication.", "Alice@Contoso.com"), ("mfa denied; USER DECLINED the authentication", "ALICE@contoso.com"),
         (DECLINED, "alice@contoso.com"), (DECLINED + ".", "aLiCe@CONTOSO.COM"), (DECLINED, "Alice@contoso.com")]
    ):  # fmt: skip
        records += attempt(T0 + timedelta(seconds=30 * i), phrase, user=upn, user_id=None)
    bursts = of(run(records), "DET-001")
    assert len(bursts) == 1 and bursts[0].user == ALICE and bursts[0].denials == {"DENY_EXPLICIT": 5}


def test_upn_only_records_join_the_user_id_of_other_records() -> None:
    records = spam(3, user=ALICE.upper()) + spam(2, start=T0 + timedelta(minutes=2), user_id=None)
    bursts = of(run(records), "DET-001")
    assert len(bursts) == 1 and bursts[0].user_id == ALICE_ID


def test_guest_users_are_detected_with_their_ext_upn() -> None:
    guest = "partner_fabrikam.com#EXT#@contoso.onmicrosoft.com"
    records = spam(6, user=guest, user_id="33333333-3333-3333-3333-333333333333", user_type="Guest")
    bursts = of(run(records), "DET-001")
    assert [a.user for a in bursts] == [guest.lower()]


def test_non_interactive_denials_do_not_make_bursts_but_fraud_and_blocked_count() -> None:
    records = spam(6, interactive=False)
    result = run(records)
    assert of(result, "DET-001") == []
    assert len(of(result, "DET-004")) == 1  # explicit deny counts non-interactive records too
    fraud = run(spam(1, phrase=FRAUD, interactive=False))
    assert len(of(fraud, "DET-005")) == 1


def test_success_from_a_different_source_is_medium_and_non_push_from_expected_source_is_low() -> None:
    records = baseline() + spam(6, **NL) + [success(T0 + timedelta(minutes=3))]  # corporate IP, push
    chain = of(run(records), "DET-002")[0]
    assert chain.severity.value == "medium" and chain.details["same_source"] is False
    sms = baseline() + spam(6, **NL) + [success(T0 + timedelta(minutes=3), method="Text message")]
    assert of(run(sms), "DET-002")[0].severity.value == "low"


def test_same_source_without_new_geo_is_high_and_vip_raises_it() -> None:
    records = baseline() + spam(6) + [success(T0 + timedelta(minutes=3))]
    assert of(run(records), "DET-002")[0].severity.value == "high"
    vip = run(records, vip=frozenset({ALICE}))
    assert of(vip, "DET-002")[0].severity.value == "critical"
    assert of(vip, "DET-002")[0].modifiers == ("priv",)


def test_known_ip_and_known_country_are_never_new_geo() -> None:
    import ipaddress

    records = baseline() + spam(6, **NL) + [success(T0 + timedelta(minutes=3), **NL)]
    assert of(run(records), "DET-002")[0].severity.value == "critical"
    assert of(run(records, known_countries=frozenset({"NL"})), "DET-002")[0].severity.value == "high"
    nets = (ipaddress.ip_network("198.51.100.0/24"),)
    assert of(run(records, known_ips=nets), "DET-002")[0].severity.value == "high"
    no_history = [*spam(6, **NL), success(T0 + timedelta(minutes=3), **NL)]
    assert of(run(no_history), "DET-002")[0].modifiers == ()  # no baseline: never new_geo


def test_success_too_late_or_chain_with_long_gap_is_no_det002() -> None:
    late = [*spam(6), success(T0 + timedelta(seconds=100) + timedelta(minutes=10, seconds=1))]
    assert of(run(late), "DET-002") == []
    gappy = spam(3) + spam(3, start=T0 + timedelta(minutes=15)) + [success(T0 + timedelta(minutes=17))]
    assert of(run(gappy), "DET-002") == []


def test_slow_spam_across_sessions_is_det003_only_when_no_det002_covers_it() -> None:
    slow = [*spam(7, every=timedelta(minutes=8), **NL), success(T0 + timedelta(minutes=50), **NL)]
    result = run(slow)
    assert of(result, "DET-003") == [] and len(of(result, "DET-002")) == 1
    slower = [*spam(6, every=timedelta(minutes=11), **NL), success(T0 + timedelta(minutes=60), **NL)]
    result = run(slower)
    assert of(result, "DET-002") == []
    assert [a.severity.value for a in of(result, "DET-003")] == ["high"]
    too_slow = [*spam(6, every=timedelta(minutes=25), **NL), success(T0 + timedelta(minutes=130), **NL)]
    assert of(run(too_slow), "DET-003") == []  # only 3 denials within the 60-min span


def test_explicit_deny_groups_per_user_and_ip_per_hour() -> None:
    records = (
        spam(2)
        + spam(1, start=T0 + timedelta(minutes=59))
        + spam(1, start=T0 + timedelta(minutes=61))
        + spam(2, **NL)
    )
    result = run(baseline() + records)
    groups = sorted((a.ips, a.denial_count, a.severity.value) for a in of(result, "DET-004"))
    assert groups == [
        ((ATTACKER_IP,), 2, "medium"),
        (("203.0.113.10",), 1, "low"),
        (("203.0.113.10",), 3, "low"),
    ]
    timeouts = run(spam(2, phrase=TIMEOUT))
    assert of(timeouts, "DET-004") == []


def test_fraud_reports_from_three_sources_merge_into_one_alert() -> None:
    records = baseline() + attempt(T0, FRAUD, **NL)
    audits = [audit(T0 + timedelta(minutes=1), "Suspicious activity reported")]
    risks = [risk(T0 + timedelta(minutes=3))]
    result = run(records, audits=audits, risks=risks)
    alerts = of(result, "DET-005")
    assert len(alerts) == 1
    assert alerts[0].details["sources"] == ["audit", "risk", "signin"]
    assert alerts[0].severity.value == "high" and alerts[0].ips == (ATTACKER_IP,)
    for only in ({"signins": records}, {"signins": [], "audits": audits}, {"signins": [], "risks": risks}):
        sole = of(
            run(only.get("signins", []), audits=only.get("audits", []), risks=only.get("risks", [])),
            "DET-005",
        )
        assert len(sole) == 1 and sole[0].severity.value == "high"
    apart = run(records, risks=[risk(T0 + timedelta(minutes=6))])
    assert len(of(apart, "DET-005")) == 2


def test_fraud_report_during_sspr_with_only_audit_evidence_is_medium() -> None:
    audits = [
        audit(T0, "Fraud reported - no action taken"),
        audit(
            T0 + timedelta(minutes=1),
            "Reset password (self-service)",
            reason="User started the mobile app notification verification option",
        ),
    ]
    alerts = of(run([], audits=audits), "DET-005")
    assert [(a.severity.value, a.details["sspr_context"]) for a in alerts] == [("medium", True)]


def test_blocked_attempts_medium_without_a_prior_report() -> None:
    records = spam(3, phrase="MFA denied; user is blocked", every=timedelta(hours=1))
    alerts = of(run(records), "DET-006")
    assert [(a.severity.value, a.denial_count) for a in alerts] == [("medium", 3)]


def test_method_change_after_success_is_critical_and_after_report_only_high() -> None:
    records = baseline() + spam(6, **NL) + [success(T0 + timedelta(minutes=3), **NL)]
    change = [audit(T0 + timedelta(hours=2), "User registered security info")]
    assert [a.severity.value for a in of(run(records, audits=change), "DET-007")] == ["critical"]
    late = [audit(T0 + timedelta(hours=7), "User registered security info")]
    assert of(run(records, audits=late), "DET-007") == []
    report = attempt(T0, FRAUD, **NL)
    phone = [
        audit(T0 + timedelta(minutes=20), "Update user", modified=["StrongAuthenticationPhoneAppDetail"])
    ]
    assert [a.severity.value for a in of(run(report, audits=phone), "DET-007")] == ["high"]


def test_campaign_from_one_ip_across_many_users() -> None:
    records = []
    for i in range(4):
        records += attempt(T0 + timedelta(minutes=10 * i), user=f"user{i}@contoso.com", user_id=f"u{i}", **NL)
    alerts = of(run(records), "DET-008")
    assert len(alerts) == 1
    assert alerts[0].user is None and alerts[0].users == tuple(f"user{i}@contoso.com" for i in range(4))
    two_users = attempt(T0, user=BOB, user_id=BOB_ID, **NL) + attempt(T0, **NL)
    assert of(run(two_users), "DET-008") == []
    spread = []
    for i in range(3):
        spread += attempt(T0 + timedelta(minutes=40 * i), user=f"user{i}@contoso.com", user_id=f"u{i}", **NL)
    assert of(run(spread), "DET-008") == []  # 3 users, but over 80 minutes
    prefix = []
    for i in range(3):
        prefix += attempt(
            T0, user=f"user{i}@contoso.com", user_id=f"u{i}", ip=f"198.51.100.{i + 1}", country="NL"
        )
    assert of(run(prefix), "DET-008") == []
    assert len(of(run(prefix, campaign_prefix=24), "DET-008")) == 1


def test_totp_brute_force_needs_failures_across_sessions() -> None:
    phrase = "MFA denied; invalid verification code"
    many = [denial(T0 + timedelta(seconds=20 * i), phrase, method=OATH) for i in range(20)]
    alerts = of(run(many), "DET-009")
    assert [a.severity.value for a in alerts] == ["medium"]
    one_session = [
        denial(T0 + timedelta(seconds=20 * i), phrase, method=OATH, session="s1") for i in range(20)
    ]
    assert of(run(one_session), "DET-009") == []
    push = [denial(T0 + timedelta(seconds=20 * i), phrase, method=PUSH) for i in range(20)]
    assert of(run(push), "DET-009") == []


def test_ignored_push_burst_is_reported_inside_det001() -> None:
    burst = of(run(spam(11, phrase=TIMEOUT)), "DET-001")[0]
    assert burst.details["ignored_push_burst"] is True
    assert of(run(spam(10, phrase=TIMEOUT)), "DET-001")[0].details["ignored_push_burst"] is False


def test_alerts_explain_themselves() -> None:
    result = run(baseline() + spam(12, **NL) + [success(T0 + timedelta(minutes=5), **NL)])
    for alert in result.alerts:
        assert alert.reasons and alert.next_steps and alert.timeline
    chain = of(result, "DET-002")[0]
    assert chain.timeline[-1].kind == "MFA_SUCCESS"
    assert any("Revoke" in s for s in chain.next_steps) and any("password" in s for s in chain.next_steps)
    assert any("new_geo" in r for r in chain.reasons)


def test_spilled_successes_give_the_same_alerts() -> None:
    from mfaguard.detect import Collector, analyse
    from tests.builders.signins import NOW

    records = baseline() + spam(12, **NL) + [success(T0 + timedelta(minutes=5), **NL)]
    records += [success(T0 + timedelta(days=2, hours=i)) for i in range(30)]  # > 24 h from any denial
    expected = [a.to_json() for a in run(records).alerts]
    collector = Collector(success_limit=4)
    collector.add_signins((r, i) for i, r in enumerate(records + records, 1))
    evidence = collector.evidence()
    assert collector._successes.spilled > 40
    assert [a.to_json() for a in analyse(evidence, now=NOW).alerts] == expected
    assert len(evidence.successes) == 1  # only the success near the denials is kept


def test_success_from_another_ip_in_the_denials_network_is_same_source() -> None:
    asn = {"autonomousSystemNumber": 64500}
    records = baseline() + [r | asn for r in spam(6, **NL)]
    records.append(success(T0 + timedelta(minutes=3), ip="198.51.100.200", country="NL") | asn)
    chain = of(run(records), "DET-002")[0]
    assert chain.details["same_source"] is True and chain.severity.value == "critical"
    assert any("AS64500" in r for r in chain.reasons)
    other_network = baseline() + [r | asn for r in spam(6, **NL)]
    other_network.append(
        success(T0 + timedelta(minutes=3), ip="198.51.100.200", country="NL")
        | {"autonomousSystemNumber": 64501}
    )
    assert of(run(other_network), "DET-002")[0].details["same_source"] is False
