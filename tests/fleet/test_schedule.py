from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mfaguard.errors import ConfigError
from mfaguard.fleet.schedule import Schedule, due_runs, interval, parse_schedule

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("15m", 900), ("12h", 43200), ("1d", 86400), ("1h30m", 5400), (90, 90), ("0.5s", 0.5)],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert interval(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "12", "12x", "h", "-1h", "0s"])
def test_bad_durations_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError):
        interval(text)


def test_interval_and_cron() -> None:
    assert parse_schedule({"every": "12h"}).next_after(T0) == T0 + timedelta(hours=12)
    cron = parse_schedule({"cron": "0 */12 * * *"})
    assert cron.next_after(T0) == T0 + timedelta(hours=12)
    assert cron.next_after(T0 + timedelta(minutes=1)) == T0 + timedelta(hours=12)
    assert Schedule(every=timedelta(hours=12)).describe() == "every 12h"


def test_schedule_needs_exactly_one_valid_rule() -> None:
    with pytest.raises(ConfigError):
        Schedule()
    with pytest.raises(ConfigError):
        Schedule(every=timedelta(hours=1), cron="* * * * *")
    with pytest.raises(ConfigError, match="cron"):
        Schedule(cron="every day at noon")
    with pytest.raises(ConfigError, match="no schedule"):
        parse_schedule(None)


def test_first_run_is_due_at_once() -> None:
    assert due_runs(Schedule(every=timedelta(hours=1)), None, T0) == (T0, 1)


def test_not_yet_due() -> None:
    due, missed = due_runs(Schedule(every=timedelta(hours=1)), T0, T0 + timedelta(minutes=10))
    assert (due, missed) == (T0 + timedelta(hours=1), 0)


def test_missed_runs_are_counted_once_each() -> None:
    schedule = Schedule(every=timedelta(hours=1))
    due, missed = due_runs(schedule, T0, T0 + timedelta(hours=5, minutes=30))
    assert due == T0 + timedelta(hours=1)
    assert missed == 5
