"""The worked examples of reference §5 (default profile), one test each."""

from __future__ import annotations

from datetime import timedelta

from tests.builders.signins import (
    ALICE,
    ATTACKER_IP,
    BLOCKED,
    FRAUD,
    NL,
    T0,
    attempt,
    baseline,
    first_example,
    of,
    run,
    summary,
)


def test_twelve_declines_then_success_from_the_attacker() -> None:
    result = run(first_example())
    assert summary(result) == [("DET-001", "high"), ("DET-002", "critical"), ("DET-004", "medium")]
    burst = of(result, "DET-001")[0]
    assert burst.denials == {"DENY_EXPLICIT": 12}
    assert burst.user == ALICE
    success_alert = of(result, "DET-002")[0]
    assert success_alert.modifiers == ("new_geo",)
    assert success_alert.details["same_source"] is True
    assert of(result, "DET-004")[0].modifiers == ("new_geo",)


def test_three_declines_hours_apart_from_the_corporate_ip() -> None:
    records = baseline()
    for hour in (0, 4, 8):  # 09:00, 13:00, 17:00
        records += attempt(T0 + timedelta(hours=hour))
    result = run(records)
    assert summary(result) == [("DET-004", "low")] * 3


def test_exactly_four_denials_in_ten_minutes_is_no_burst() -> None:
    records = baseline()
    for i in range(4):
        records += attempt(T0 + timedelta(minutes=2.5 * i))
    assert of(run(records), "DET-001") == []


def test_exactly_five_denials_in_ten_minutes_is_a_medium_burst() -> None:
    records = baseline()
    for i in range(5):
        records += attempt(T0 + timedelta(minutes=2.5 * i))  # the fifth exactly 10 min after the first
    bursts = of(run(records), "DET-001")
    assert [(a.severity.value, a.denial_count) for a in bursts] == [("medium", 5)]


def test_fraud_report_then_blocked_attempts() -> None:
    records = baseline() + attempt(T0, FRAUD, **NL)
    for i in range(5):
        records += attempt(T0 + timedelta(minutes=10 + 10 * i), BLOCKED, **NL)
    result = run(records)
    assert ("DET-005", "high") in summary(result)
    assert ("DET-006", "high") in summary(result)
    assert of(result, "DET-006")[0].denials == {"BLOCKED": 5}
    assert of(result, "DET-005")[0].ips == (ATTACKER_IP,)


def test_first_example_loaded_twice_gives_the_same_alerts() -> None:
    records = first_example()
    once = run(records)
    twice = run(records + records)
    assert [a.to_json() for a in twice.alerts] == [a.to_json() for a in once.alerts]
    assert twice.stats.duplicates > 0
