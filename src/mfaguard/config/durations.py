"""The one duration parser: ``parse_duration(text, allowed_units=…)``.

Each caller keeps the forms it has always accepted by saying which units it takes and how:

- command-line windows (``detect --since 24h --lookback 14d``): one number and one unit of ``smhdw``;
- the fleet file (``schedule.every: 12h``) and ``store prune --older-than``: one number and one unit of
  ``smhd``, lower case, zero allowed (the callers set their own minimum);
- schedules (``watch --every 1h30m``, ``fleet detect --since 1.5h``): combined and fractional values,
  ``smhdw`` in any case, or a plain number of seconds.

Errors are :class:`ValueError` with a sentence saying what is accepted; each caller turns it into its
own error (a usage error naming the option, a fleet-file error naming the line).
"""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["UNIT_SECONDS", "parse_duration"]

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
"""Seconds per unit letter."""


def parse_duration(
    text: str | int | float,
    *,
    allowed_units: str = "smhdw",
    compound: bool = False,
    case_sensitive: bool = False,
    allow_zero: bool = False,
) -> timedelta:
    """``text`` as a timedelta: a whole number and a unit (``90m``, ``24h``), or with ``compound`` also
    combined and fractional values (``1h30m``, ``1.5h``); a number (not text) is seconds.

    Raises :class:`ValueError` for any other form, a unit not in ``allowed_units``, or a duration that
    is not positive (zero passes with ``allow_zero``).
    """
    units = "".join(u for u in allowed_units if u in UNIT_SECONDS)
    if isinstance(text, int | float) and not isinstance(text, bool):
        seconds = float(text)
    else:
        number = r"\d+(?:\.\d+)?" if compound else r"\d+"
        part = rf"({number})\s*([{units}])"
        flags = 0 if case_sensitive else re.IGNORECASE
        whole = rf"^\s*(?:{part})+\s*$" if compound else rf"^\s*{part}\s*$"
        value = str(text)
        if not re.match(whole, value, flags):
            raise ValueError(_expected(units, compound))
        seconds = sum(float(n) * UNIT_SECONDS[u.lower()] for n, u in re.findall(part, value, flags))
    if seconds < 0 or (seconds == 0 and not allow_zero):
        raise ValueError("must be more than zero")
    return timedelta(seconds=seconds)


def _expected(units: str, compound: bool) -> str:
    listed = ", ".join(units[:-1]) + f" or {units[-1]}" if len(units) > 1 else units
    combined = ", or combined, e.g. 1h30m" if compound else ""
    return f"must be a number and a unit: {listed} (e.g. 12h{combined})"
