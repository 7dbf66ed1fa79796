"""The history store: SQLAlchemy Core + Alembic, SQLite (default) or PostgreSQL.

``open_store(url)`` returns a :class:`Store` with typed methods for every table; nothing outside this
package writes SQL. Secrets never reach it: only tenant names, IDs and tags, and anything written
passes through a redactor (see :meth:`Store.add_secrets`).
"""

from __future__ import annotations

from mfaguard.enforce.journal import ChangeKind, ChangeStatus
from mfaguard.store.events import alert_dedupe_key
from mfaguard.store.records import (
    AlertRecord,
    ChangeObjectRecord,
    ChangeRecord,
    CoverageRecord,
    DriftItem,
    DriftRecord,
    FindingPoint,
    FindingRecord,
    LockRecord,
    NotificationRecord,
    NotificationStatus,
    RunKind,
    RunRecord,
    RunStatus,
    SnapshotRecord,
    StoreInfo,
    TenantRecord,
    record_to_json,
)
from mfaguard.store.store import Store, open_store
from mfaguard.store.url import default_store_path, redact_url, resolve_store_url

__all__ = [
    "AlertRecord",
    "ChangeKind",
    "ChangeObjectRecord",
    "ChangeRecord",
    "ChangeStatus",
    "CoverageRecord",
    "DriftItem",
    "DriftRecord",
    "FindingPoint",
    "FindingRecord",
    "LockRecord",
    "NotificationRecord",
    "NotificationStatus",
    "RunKind",
    "RunRecord",
    "RunStatus",
    "SnapshotRecord",
    "Store",
    "StoreInfo",
    "TenantRecord",
    "alert_dedupe_key",
    "default_store_path",
    "open_store",
    "record_to_json",
    "redact_url",
    "resolve_store_url",
]
