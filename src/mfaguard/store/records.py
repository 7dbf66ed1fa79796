"""What the history store hands back: frozen records (never SQLAlchemy rows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from mfaguard.enforce.journal import ChangeKind, ChangeStatus


class RunKind(StrEnum):
    """What a run did."""

    AUDIT = "audit"
    PLAN = "plan"
    APPLY = "apply"
    ROLLBACK = "rollback"
    COVERAGE = "coverage"
    DETECT = "detect"


class RunStatus(StrEnum):
    RUNNING = "running"
    """Recorded but not finished (still going, or the process died: see ``finished_at``)."""
    OK = "ok"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class TenantRecord:
    name: str
    tenant_id: str | None
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    tenant: str
    kind: RunKind
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    error: str | None
    summary: Mapping[str, Any] | None
    trigger: str | None


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    run_id: int
    tenant: str
    captured_at: datetime
    api_version: str | None
    sha256: str
    body: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class FindingRecord:
    """A stored finding. ``remediation`` and ``references`` are not stored: they belong to the control
    (look them up in ``mfaguard.controls.CONTROLS`` by ``control_id``)."""

    run_id: int
    control_id: str
    title: str
    status: str
    severity: str
    detail: str
    resource: str | None
    evidence: Mapping[str, Any]
    exception: Mapping[str, Any] | None
    expired_exception: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class FindingPoint:
    """One control's status in one run: a point of a trend line."""

    run_id: int
    tenant: str
    started_at: datetime
    control_id: str
    status: str
    severity: str


@dataclass(frozen=True, slots=True)
class ChangeObjectRecord:
    """One Graph object a change touches: its JSON before and (once verified/read back) after."""

    path: str
    seq: int
    pre: Mapping[str, Any] | None
    post: Mapping[str, Any] | None
    pre_recorded_at: datetime
    post_recorded_at: datetime | None


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    id: int
    tenant: str
    kind: ChangeKind
    status: ChangeStatus
    baseline: str | None
    pilot_group: str | None
    actor: str | None
    created_at: datetime
    updated_at: datetime
    plan: Mapping[str, Any] | None
    error: str | None
    reverts_id: int | None
    run_id: int | None
    objects: tuple[ChangeObjectRecord, ...] = ()

    def diffs(self) -> list[ObjectDiff]:
        """Keys whose value differs between each object's pre-change and post-change JSON (what the
        change did, for the dashboard and the rollback confirmation)."""
        found = []
        for obj in self.objects:
            pre, post = dict(obj.pre or {}), dict(obj.post or {})
            for key in sorted(set(pre) | set(post)):
                if key.startswith("@odata") or pre.get(key) == post.get(key):
                    continue
                found.append(ObjectDiff(obj.path, key, pre.get(key), post.get(key)))
        return found


@dataclass(frozen=True, slots=True)
class ObjectDiff:
    """One key of one object a change touched: its value before and after."""

    path: str
    key: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class CoverageRecord:
    run_id: int
    tenant: str
    captured_at: datetime
    total_users: int
    levels: Mapping[str, int]
    admins: Mapping[str, int]
    below_threshold: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: int
    tenant: str
    run_id: int | None
    dedupe_key: str
    detection_id: str
    user: str
    severity: str
    first_seen: datetime
    last_seen: datetime
    data: Mapping[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DriftItem:
    """A drift to persist (computed by the pure drift helper elsewhere)."""

    control_id: str
    field: str
    """What changed: ``"status"`` or the name of a watched value."""
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class DriftRecord:
    id: int
    tenant: str
    control_id: str
    field: str
    before: Any
    after: Any
    run_id: int
    previous_run_id: int | None
    detected_at: datetime
    notified_at: datetime | None
    change_id: int | None


class NotificationStatus(StrEnum):
    PENDING = "pending"
    """Claimed by a sender, not finished (a crash leaves it; it is retried after a while)."""
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class NotificationRecord:
    dedupe_key: str
    target: str
    status: NotificationStatus
    attempts: int
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class LockRecord:
    name: str
    holder: str
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What ``mfaguard store upgrade`` reports."""

    url: str
    """Password redacted."""
    backend: str
    revision: str | None
    head: str
    counts: Mapping[str, int] = field(default_factory=dict)


def record_to_json(record: Any) -> dict[str, Any]:
    """A record as a JSON-ready dict (timestamps ISO 8601 UTC, enums as values)."""
    from dataclasses import asdict

    from mfaguard.store._base import to_jsonable

    result: dict[str, Any] = to_jsonable(asdict(record))
    return result
