"""The history store's tables at the newest migration (SQLAlchemy Core, no ORM).

The migrations under ``migrations/versions`` create exactly this schema; a test compares them, so a
change here needs a new migration. Every timestamp is UTC (:class:`UTCDateTime`). Nothing here may
hold a secret: credentials, tokens, webhook URLs and passwords stay in the environment.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from mfaguard.store.types import UTCDateTime, json_type

# Deterministic constraint names keep migrations portable (SQLite batch mode needs named constraints).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

tenants = Table(
    "tenants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("tenant_id", String(64)),
    Column("created_at", UTCDateTime(), nullable=False),
    # revision 0002
    Column("tags", json_type()),
    Column("updated_at", UTCDateTime()),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tenant_pk", Integer, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("error", Text),
    Column("summary", json_type()),
    # revision 0002
    Column("trigger", String(32)),
    Index("ix_runs_tenant_pk_started_at", "tenant_pk", "started_at"),
    # revision 0002: "latest finished run of each tenant" and trend queries stay index-only.
    Index("ix_runs_kind_status_tenant_pk_id", "kind", "status", "tenant_pk", "id"),
    Index("ix_runs_tenant_pk_kind_started_at", "tenant_pk", "kind", "started_at"),
    # revision 0003: fleet-wide history by time ("one control across the fleet this week").
    Index("ix_runs_kind_started_at", "kind", "started_at"),
)

snapshot_bodies = Table(
    "snapshot_bodies",
    metadata,
    # Content-addressed: an unchanged tenant stores its raw Graph bodies once, not once per run.
    Column("sha256", String(64), primary_key=True),
    Column("body", json_type(), nullable=False),
    Column("size", Integer, nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("tenant_pk", Integer, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("captured_at", UTCDateTime(), nullable=False),
    Column("api_version", String(16)),
    Column("sha256", String(64), ForeignKey("snapshot_bodies.sha256"), nullable=False),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("control_id", String(32), nullable=False),
    Column("title", String(300), nullable=False),
    Column("status", String(16), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("detail", Text, nullable=False),
    Column("evidence", json_type()),
    Column("exception", json_type()),
    # revision 0002
    Column("resource", String(200)),
    Column("expired_exception", json_type()),
    # revision 0003 (replaces ix_findings_run_id): a run's findings, or one control of a run.
    Index("ix_findings_run_id_control_id", "run_id", "control_id"),
)

changes = Table(
    "changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tenant_pk", Integer, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("baseline", String(200)),
    Column("pilot_group", String(64)),
    Column("actor", String(200)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("plan", json_type()),
    Column("error", Text),
    Column("reverts_id", Integer, ForeignKey("changes.id")),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="SET NULL")),
    Index("ix_changes_tenant_pk_created_at", "tenant_pk", "created_at"),
    Index("ix_changes_status", "status"),
)

change_objects = Table(
    "change_objects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("change_id", Integer, ForeignKey("changes.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("path", String(500), nullable=False),
    Column("pre", json_type()),
    Column("post", json_type()),
    Column("pre_recorded_at", UTCDateTime(), nullable=False),
    Column("post_recorded_at", UTCDateTime()),
    UniqueConstraint("change_id", "path"),
)

# ---- revision 0002: fleet, coverage, detection, notifications, watch -----------------------------

coverage_summaries = Table(
    "coverage_summaries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("tenant_pk", Integer, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("captured_at", UTCDateTime(), nullable=False),
    Column("total_users", Integer, nullable=False),
    Column("levels", json_type(), nullable=False),
    Column("admins", json_type(), nullable=False),
    Column("below_threshold", json_type(), nullable=False),
    Index("ix_coverage_summaries_tenant_pk_captured_at", "tenant_pk", "captured_at"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tenant_pk", Integer, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="SET NULL")),
    Column("dedupe_key", String(400), nullable=False, unique=True),
    Column("detection_id", String(16), nullable=False),
    Column("user", String(320), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("first_seen", UTCDateTime(), nullable=False),
    Column("last_seen", UTCDateTime(), nullable=False),
    Column("data", json_type(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_alerts_tenant_pk_last_seen", "tenant_pk", "last_seen"),
)

drift = Table(
    "drift",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tenant_pk", Integer, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("control_id", String(32), nullable=False),
    Column("field", String(200), nullable=False),
    Column("before", json_type()),
    Column("after", json_type()),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("previous_run_id", Integer, ForeignKey("runs.id", ondelete="SET NULL")),
    Column("detected_at", UTCDateTime(), nullable=False),
    Column("notified_at", UTCDateTime()),
    Column("change_id", Integer, ForeignKey("changes.id", ondelete="SET NULL")),
    Index("ix_drift_tenant_pk_detected_at", "tenant_pk", "detected_at"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dedupe_key", String(400), nullable=False),
    # A target's *name* (e.g. "teams:SECOPS_HOOK"), never its URL: the URL is a secret.
    Column("target", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    Column("last_error", Text),
    UniqueConstraint("dedupe_key", "target"),
)

locks = Table(
    "locks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", UTCDateTime(), nullable=False),
    Column("heartbeat_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)
