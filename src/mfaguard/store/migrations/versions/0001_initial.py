"""Initial history store: tenants, runs, snapshots, findings, changes (the safe-change store).

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mfaguard.store.types import UTCDateTime, json_type

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("tenant_id", sa.String(64)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
        sa.UniqueConstraint("name", name="uq_tenants_name"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_pk", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime()),
        sa.Column("error", sa.Text),
        sa.Column("summary", json_type()),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        sa.ForeignKeyConstraint(
            ["tenant_pk"], ["tenants.id"], name="fk_runs_tenant_pk_tenants", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_runs_tenant_pk_started_at", "runs", ["tenant_pk", "started_at"])
    op.create_table(
        "snapshot_bodies",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("body", json_type(), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_snapshot_bodies"),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("tenant_pk", sa.Integer, nullable=False),
        sa.Column("captured_at", UTCDateTime(), nullable=False),
        sa.Column("api_version", sa.String(16)),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_snapshots"),
        sa.UniqueConstraint("run_id", name="uq_snapshots_run_id"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_snapshots_run_id_runs", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["tenant_pk"], ["tenants.id"], name="fk_snapshots_tenant_pk_tenants", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["snapshot_bodies.sha256"], name="fk_snapshots_sha256_snapshot_bodies"
        ),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("control_id", sa.String(32), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("evidence", json_type()),
        sa.Column("exception", json_type()),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_findings_run_id_runs", ondelete="CASCADE"),
    )
    op.create_index("ix_findings_run_id", "findings", ["run_id"])
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_pk", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("baseline", sa.String(200)),
        sa.Column("pilot_group", sa.String(64)),
        sa.Column("actor", sa.String(200)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("plan", json_type()),
        sa.Column("error", sa.Text),
        sa.Column("reverts_id", sa.Integer),
        sa.Column("run_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_changes"),
        sa.ForeignKeyConstraint(
            ["tenant_pk"], ["tenants.id"], name="fk_changes_tenant_pk_tenants", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["reverts_id"], ["changes.id"], name="fk_changes_reverts_id_changes"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_changes_run_id_runs", ondelete="SET NULL"),
    )
    op.create_index("ix_changes_tenant_pk_created_at", "changes", ["tenant_pk", "created_at"])
    op.create_index("ix_changes_status", "changes", ["status"])
    op.create_table(
        "change_objects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("change_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("pre", json_type()),
        sa.Column("post", json_type()),
        sa.Column("pre_recorded_at", UTCDateTime(), nullable=False),
        sa.Column("post_recorded_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_change_objects"),
        sa.UniqueConstraint("change_id", "path", name="uq_change_objects_change_id_path"),
        sa.ForeignKeyConstraint(
            ["change_id"], ["changes.id"], name="fk_change_objects_change_id_changes", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    for table in ("change_objects", "changes", "findings", "snapshots", "snapshot_bodies", "runs", "tenants"):
        op.drop_table(table)
