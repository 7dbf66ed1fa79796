"""When the fleet runs: ``{every: 12h}`` or ``{cron: "0 */12 * * *"}`` (UTC). Pure: ``now`` is passed in.

``watch`` asks :meth:`Schedule.next_after` for the next due time after the last run started. If the
process was down (or a run overran) past one or more due times, :func:`due_runs` reports how many were
missed, and the watcher makes up *once* (never a burst of catch-up runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mfaguard.config.durations import parse_duration
from mfaguard.errors import ConfigError

__all__ = ["Schedule", "due_runs", "interval", "parse_schedule"]


def interval(text: str | int | float) -> timedelta:
    """A schedule interval: ``90s``, ``15m``, ``12h``, ``1d``, ``1h30m``, ``1.5h`` (or a number of
    seconds) → timedelta (> 0); ConfigError otherwise."""
    try:
        return parse_duration(text, compound=True)
    except ValueError as exc:
        if isinstance(text, str) and "more than zero" not in str(exc):
            raise ConfigError(
                f"{text!r} is not a duration",
                hint="use a number with a unit: 30s, 15m, 12h, 1d (or combined, e.g. 1h30m)",
            ) from None
        raise ConfigError(f"duration {text!r} must be more than zero") from None


@dataclass(frozen=True, slots=True)
class Schedule:
    """An interval (``every``) or a cron expression (``cron``, evaluated in UTC)."""

    every: timedelta | None = None
    cron: str | None = None

    def __post_init__(self) -> None:
        if (self.every is None) == (self.cron is None):
            raise ConfigError("a schedule needs exactly one of 'every' or 'cron'")
        if self.cron is not None:
            from croniter import croniter

            if not croniter.is_valid(self.cron):
                raise ConfigError(
                    f"schedule.cron {self.cron!r} is not a valid cron expression",
                    hint="five fields: minute hour day-of-month month day-of-week, e.g. '0 */12 * * *'",
                )

    def next_after(self, moment: datetime) -> datetime:
        """The first due time strictly after ``moment`` (UTC)."""
        moment = _utc(moment)
        if self.every is not None:
            return moment + self.every
        from croniter import croniter

        assert self.cron is not None
        result = croniter(self.cron, moment).get_next(datetime)
        return _utc(result)

    def describe(self) -> str:
        if self.every is not None:
            return f"every {_human(self.every)}"
        return f"cron '{self.cron}' (UTC)"


def _human(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_schedule(value: Any) -> Schedule:
    """A schedule from the fleet file's ``schedule`` value (a mapping, or a model with the same keys)."""
    if isinstance(value, Schedule):
        return value
    if value is None:
        raise ConfigError("the fleet file has no schedule", hint="add e.g. `schedule: {every: 12h}`")
    every = value.get("every") if isinstance(value, dict) else getattr(value, "every", None)
    cron = value.get("cron") if isinstance(value, dict) else getattr(value, "cron", None)
    if isinstance(every, timedelta):
        return Schedule(every=every)
    return Schedule(every=interval(every) if every is not None else None, cron=cron)


def due_runs(schedule: Schedule, last_start: datetime | None, now: datetime) -> tuple[datetime, int]:
    """``(next due time, missed)``: when the next run is due after ``last_start`` and how many due
    times passed already without a run (0 = none is overdue).

    With no previous run the fleet is due at once. A watcher that finds ``missed > 0`` runs once now
    (the make-up run) and then follows the schedule from that run.
    """
    now = _utc(now)
    if last_start is None:
        return now, 1
    due = schedule.next_after(last_start)
    missed = 0
    probe = due
    # Count (bounded) how many due times are in the past; one make-up run covers all of them.
    while probe <= now and missed < 1000:
        missed += 1
        probe = schedule.next_after(probe)
    return due, missed
