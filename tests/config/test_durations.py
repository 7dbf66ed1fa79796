"""The one duration parser keeps every caller's accepted forms (command line, fleet file, schedules)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mfaguard.config.durations import parse_duration

OPTION: dict[str, object] = {}  # detect --since / --lookback: the defaults
FILE: dict[str, object] = {"allowed_units": "smhd", "case_sensitive": True, "allow_zero": True}
SCHEDULE: dict[str, object] = {"compound": True}


@pytest.mark.parametrize(
    ("form", "text", "expected"),
    [
        (OPTION, "90m", timedelta(minutes=90)),
        (OPTION, " 24H ", timedelta(hours=24)),
        (OPTION, "2w", timedelta(weeks=2)),
        (FILE, "12h", timedelta(hours=12)),
        (FILE, "0s", timedelta(0)),
        (SCHEDULE, "1h30m", timedelta(minutes=90)),
        (SCHEDULE, "1.5h", timedelta(minutes=90)),
        (SCHEDULE, "2W", timedelta(weeks=2)),
        (SCHEDULE, 90, timedelta(seconds=90)),
    ],
)
def test_each_form_accepts_what_its_callers_always_accepted(
    form: dict[str, object], text: str | int, expected: timedelta
) -> None:
    assert parse_duration(text, **form) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("form", "text"),
    [
        (OPTION, "1h30m"),  # combined: schedules only
        (OPTION, "1.5h"),
        (OPTION, "0h"),
        (OPTION, "soon"),
        (FILE, "2w"),  # weeks are not a fleet-file unit
        (FILE, "12H"),  # the fleet file is lower case
        (FILE, "1h30m"),
        (SCHEDULE, "1h 30m"),
        (SCHEDULE, "0s"),
        (SCHEDULE, ""),
    ],
)
def test_each_form_refuses_what_its_callers_refused(form: dict[str, object], text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text, **form)  # type: ignore[arg-type]


def test_the_error_says_what_is_accepted() -> None:
    with pytest.raises(ValueError, match=r"must be a number and a unit: s, m, h or d \(e\.g\. 12h\)"):
        parse_duration("soon", **FILE)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"combined, e\.g\. 1h30m"):
        parse_duration("soon", compound=True)
