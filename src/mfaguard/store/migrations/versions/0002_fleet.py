"""Fleet: tags, run trigger, finding resource, coverage, alerts, drift, notifications, locks; trend indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mfaguard.store.types import UTCDateTime, json_type

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("tags", json_type()))
        batch.add_column(sa.Column("updated_at", UTCDateTime()))
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("trigger", sa.String(32)))
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("resource", sa.String(200)))
        batch.add_column(sa.Column("expired_exception", json_type()))
    # The dashboard's fleet grid asks for each tenant's latest finished audit; trends scan one
    # tenant's runs by time. Both stay index-only at 500 tenants x 90 days.
    op.create_index("ix_runs_kind_status_tenant_pk_id", "runs", ["kind", "status", "tenant_pk", "id"])
    op.create_index("ix_runs_tenant_pk_kind_started_at", "runs", ["tenant_pk", "kind", "started_at"])

    op.create_table(
        "coverage_summaries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("tenant_pk", sa.Integer, nullable=False),
        sa.Column("captured_at", UTCDateTime(), nullable=False),
        sa.Column("total_users", sa.Integer, nullable=False),
        sa.Column("levels", json_type(), nullable=False),
        sa.Column("admins", json_type(), nullable=False),
        sa.Column("below_threshold", json_type(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coverage_summaries"),
        sa.UniqueConstraint("run_id", name="uq_coverage_summaries_run_id"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_coverage_summaries_run_id_runs", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_pk"], ["tenants.id"], name="fk_coverage_summaries_tenant_pk_tenants", ondelete="CASCADE"
        ),
    )
    op.create_index(
        "ix_coverage_summaries_tenant_pk_captured_at", "coverage_summaries", ["tenant_pk", "captured_at"]
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_pk", sa.Integer, nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.Column("dedupe_key", sa.String(400), nullable=False),
        sa.Column("detection_id", sa.String(16), nullable=False),
        sa.Column("user", sa.String(320), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("data", json_type(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("dedupe_key", name="uq_alerts_dedupe_key"),
        sa.ForeignKeyConstraint(
            ["tenant_pk"], ["tenants.id"], name="fk_alerts_tenant_pk_tenants", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_alerts_run_id_runs", ondelete="SET NULL"),
    )
    op.create_index("ix_alerts_tenant_pk_last_seen", "alerts", ["tenant_pk", "last_seen"])
    op.create_table(
        "drift",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_pk", sa.Integer, nullable=False),
        sa.Column("control_id", sa.String(32), nullable=False),
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("before", json_type()),
        sa.Column("after", json_type()),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("previous_run_id", sa.Integer),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.Column("notified_at", UTCDateTime()),
        sa.Column("change_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_drift"),
        sa.ForeignKeyConstraint(
            ["tenant_pk"], ["tenants.id"], name="fk_drift_tenant_pk_tenants", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_drift_run_id_runs", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["previous_run_id"], ["runs.id"], name="fk_drift_previous_run_id_runs", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["change_id"], ["changes.id"], name="fk_drift_change_id_changes", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_drift_tenant_pk_detected_at", "drift", ["tenant_pk", "detected_at"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dedupe_key", sa.String(400), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime()),
        sa.Column("last_error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("dedupe_key", "target", name="uq_notifications_dedupe_key_target"),
    )
    op.create_table(
        "locks",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("acquired_at", UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_locks"),
    )


def downgrade() -> None:
    for table in ("locks", "notifications", "drift", "alerts", "coverage_summaries"):
        op.drop_table(table)
    op.drop_index("ix_runs_tenant_pk_kind_started_at", "runs")
    op.drop_index("ix_runs_kind_status_tenant_pk_id", "runs")
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("expired_exception")
        batch.drop_column("resource")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("trigger")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("tags")
