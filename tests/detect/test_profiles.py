"""Where Sentinel / Splunk / Elastic logic fires and mfaguard's does not, and the reverse (named cases)."""

from __future__ import annotations

from datetime import timedelta

from mfaguard.detect.profiles import PROFILES
from mfaguard.detect.rules import DETECTIONS_BY_ID
from tests.builders.signins import (
    ATTACKER_IP,
    DECLINED,
    FRAUD,
    T0,
    TIMEOUT,
    WRONG_NUMBER,
    attempt,
    baseline,
    denial,
    of,
    run,
    step,
    success,
)

NL = {"ip": ATTACKER_IP, "country": "NL"}


def spam(n, *, start=T0, every=timedelta(seconds=20), phrase=DECLINED, **kw):  # type: ignore[no-untyped-def]
    out = []
    for i in range(n):
        out += attempt(start + every * i, phrase, **kw)
    return out


def test_every_profile_names_registered_detections() -> None:
    assert set(PROFILES) == {"default", "sentinel", "splunk", "elastic"}
    for profile in PROFILES.values():
        assert profile.description
        assert set(profile.detections) <= set(DETECTIONS_BY_ID)
    assert set(PROFILES["default"].detections) == set(DETECTIONS_BY_ID)


def test_sentinel_misses_fraud_and_wrong_number_bursts_ours_fires() -> None:
    records = spam(6, phrase=FRAUD, **NL) + spam(
        6, start=T0 + timedelta(minutes=2), phrase=WRONG_NUMBER, **NL
    )
    records.append(success(T0 + timedelta(minutes=4, seconds=30), **NL))
    assert [a.severity.value for a in of(run(records), "DET-001")] == ["high"]
    assert of(run(records), "DET-002")
    sentinel = run(records, profile="sentinel")
    assert of(sentinel, "DET-001") == [] and of(sentinel, "DET-002") == []


def test_sentinel_span_suppressed_by_an_earlier_signin_from_the_same_ip() -> None:
    records = [
        success(T0 - timedelta(hours=3), **NL),
        *spam(12, **NL),
        success(T0 + timedelta(minutes=4, seconds=30), **NL),
    ]
    assert of(run(records), "DET-002")
    assert of(run(records, profile="sentinel"), "DET-002") == []
    tight = [*spam(12, **NL), success(T0 + timedelta(minutes=4, seconds=30), **NL)]
    assert [a.severity.value for a in of(run(tight, profile="sentinel"), "DET-002")] == ["high"]


def test_sentinel_never_joins_a_success_from_another_ip() -> None:
    records = [*spam(12, **NL), success(T0 + timedelta(minutes=4, seconds=30))]
    assert [a.severity.value for a in of(run(records), "DET-002")] == ["medium"]
    assert of(run(records, profile="sentinel"), "DET-002") == []


def test_sentinel_over_counts_cumulative_steps_and_fires_where_ours_does_not() -> None:
    corr = "c0ffee00-0000-0000-0000-0000000000aa"
    steps: list[dict[str, object]] = []
    records = []
    for i in range(4):
        t = T0 + timedelta(seconds=30 * i)
        steps.append(step(t, DECLINED, False))
        records.append(denial(t, corr=corr, **NL) | {"authenticationDetails": list(steps)})
    records.append(success(T0 + timedelta(minutes=2, seconds=30), corr=corr, extra_steps=list(steps), **NL))
    assert of(run(records), "DET-001") == [] and of(run(records), "DET-002") == []  # 4 unique denials
    sentinel = run(records, profile="sentinel")  # 1+2+3+4+4 = 14 steps > 10
    assert len(of(sentinel, "DET-001")) == 1 and len(of(sentinel, "DET-002")) == 1


def test_splunk_bucket_split_and_trailing_period_miss_ours_fires() -> None:
    split = spam(10, start=T0 + timedelta(minutes=5), every=timedelta(seconds=60))
    assert of(run(split, profile="splunk"), "DET-001") == []
    assert of(run(split), "DET-001")
    period = spam(10, phrase=DECLINED + ".")
    assert of(run(period, profile="splunk"), "DET-001") == []
    assert of(run(spam(10), profile="splunk"), "DET-001")


def test_splunk_per_event_finding_fires_where_ours_does_not() -> None:
    one_timeout = spam(1, phrase=TIMEOUT)
    assert run(one_timeout).alerts == ()
    assert [a.name for a in of(run(one_timeout, profile="splunk"), "DET-004")] == [
        "Azure AD Authentication Failed During MFA Challenge (Splunk)"
    ]


def test_splunk_failed_family_needs_more_than_ten_per_bucket() -> None:
    ten = spam(10, phrase=TIMEOUT)
    assert of(run(ten, profile="splunk"), "DET-001") == []
    assert of(run(spam(11, phrase=TIMEOUT), profile="splunk"), "DET-001")


def test_elastic_maxspan_from_first_deny_misses_a_slower_chain_ours_fires() -> None:
    records = [*spam(5, every=timedelta(minutes=2)), success(T0 + timedelta(minutes=12))]
    assert of(run(records), "DET-002")
    assert of(run(records, profile="elastic"), "DET-002") == []
    fast = [*spam(5, every=timedelta(minutes=1)), success(T0 + timedelta(minutes=6))]
    assert of(run(fast, profile="elastic"), "DET-002")


def test_elastic_counts_non_interactive_denials_ours_does_not() -> None:
    records = spam(5, interactive=False)
    assert of(run(records), "DET-001") == []
    assert [a.severity.value for a in of(run(records, profile="elastic"), "DET-001")] == ["high"]


def test_elastic_user_reported_is_audit_only_and_medium() -> None:
    from tests.builders.signins import audit

    audits = [audit(T0, "Suspicious activity reported")]
    assert [a.severity.value for a in of(run([], audits=audits), "DET-005")] == ["high"]
    assert [a.severity.value for a in of(run([], audits=audits, profile="elastic"), "DET-005")] == ["medium"]
    fraud_signin = spam(1, phrase=FRAUD)
    assert of(run(fraud_signin, profile="elastic"), "DET-005") == []


def test_v1_records_give_sentinel_nothing() -> None:
    records = [denial(T0 + timedelta(seconds=10 * i), with_steps=False, requirement=None) for i in range(12)]
    assert of(run(records), "DET-001")
    assert of(run(records, profile="sentinel"), "DET-001") == []
    assert baseline()  # keeps the import honest for readers comparing with test_rules
