"""Drift: what changed in a tenant between two audits. Pure (no I/O, no clock).

DESIGN §7: drift is a control whose status, or a *watched value*, differs from the previous run. The
watched values of a finding are its ``evidence`` (the values the control looked at: a feature's state
and include target, a method's state, the groups it excludes ...), so a change an admin would care
about shows up even when the status stays the same — e.g. number matching still PASS but now limited
to a group, or a FAIL whose cause moved from ``disabled`` to ``default``.

Findings are matched by ``(control_id, resource)``: per-resource controls (one finding per excluded
group) drift per resource. A finding that appears or disappears is drift of its status (``None`` on
the missing side). ERROR findings carry read errors in their evidence, not tenant state, so only their
status is compared. So do the coverage controls (MFA-016..018): their evidence is people — every user
who registers a method or joins the company would otherwise be drift — while a change of their status
(someone can no longer use MFA) is the drift that matters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mfaguard.controls import COVERAGE_CONTROL_IDS

__all__ = ["DriftChange", "FindingLike", "compute_drift", "is_regression", "regressed_controls"]

_ERROR = "ERROR"
STATUS_ONLY = COVERAGE_CONTROL_IDS
"""Controls whose evidence is per-user data, not tenant configuration: drift is their status only."""
_RANK = {"PASS": 0, "NOT_APPLICABLE": 0, "WARN": 1, "ERROR": 1, "FAIL": 2}


class FindingLike(Protocol):
    """What drift reads from a finding (a :class:`~mfaguard.model.report.Finding` or a stored
    :class:`~mfaguard.store.FindingRecord`)."""

    @property
    def control_id(self) -> str: ...

    @property
    def status(self) -> Any: ...

    @property
    def resource(self) -> str | None: ...

    @property
    def evidence(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class DriftChange:
    """One value that changed: ``field`` is ``status`` or ``evidence.<key>``."""

    control_id: str
    field: str
    before: Any
    after: Any
    resource: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "control_id": self.control_id,
            "resource": self.resource,
            "field": self.field,
            "before": self.before,
            "after": self.after,
        }


def _status(value: Any) -> str:
    return str(getattr(value, "value", value))


def _index(findings: Iterable[FindingLike]) -> dict[tuple[str, str | None], FindingLike]:
    out: dict[tuple[str, str | None], FindingLike] = {}
    for finding in findings:
        out.setdefault((finding.control_id, finding.resource), finding)
    return out


def _json_value(value: Any) -> Any:
    """Evidence values as stored (tuples become lists) so a run read back from the store compares
    equal to the same run in memory."""
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def compute_drift(previous: Sequence[FindingLike], current: Sequence[FindingLike]) -> tuple[DriftChange, ...]:
    """Every status and watched value that differs between two runs' findings (ordered by control).

    ``previous`` empty means there is nothing to compare with (a first run): no drift.
    """
    if not previous:
        return ()
    before = _index(previous)
    after = _index(current)
    changes: list[DriftChange] = []
    for key in sorted(before.keys() | after.keys(), key=lambda k: (k[0], k[1] or "")):
        control_id, resource = key
        old, new = before.get(key), after.get(key)
        old_status = _status(old.status) if old is not None else None
        new_status = _status(new.status) if new is not None else None
        if old_status != new_status:
            changes.append(DriftChange(control_id, "status", old_status, new_status, resource))
        if old is None or new is None or _ERROR in (old_status, new_status) or control_id in STATUS_ONLY:
            continue
        old_ev = _json_value(dict(old.evidence or {}))
        new_ev = _json_value(dict(new.evidence or {}))
        for name in sorted(old_ev.keys() | new_ev.keys()):
            if old_ev.get(name) != new_ev.get(name):
                changes.append(
                    DriftChange(control_id, f"evidence.{name}", old_ev.get(name), new_ev.get(name), resource)
                )
    return tuple(changes)


def is_regression(change: DriftChange) -> bool:
    """A status that got worse (PASS → WARN/FAIL, WARN → FAIL, a new FAIL finding)."""
    if change.field != "status":
        return False
    old = _RANK.get(str(change.before), 0) if change.before is not None else 0
    new = _RANK.get(str(change.after), 0) if change.after is not None else 0
    return new > old and change.after != _ERROR


def regressed_controls(changes: Iterable[DriftChange]) -> frozenset[str]:
    """Controls whose status got worse (what ``remediate`` mode acts on)."""
    return frozenset(c.control_id for c in changes if is_regression(c))
