"""Indexes for fleet-wide history: runs by kind and time; findings by run and control.

Measured with bench/bench_store.py (500 tenants × 18 controls × 90 days): "one control across the
fleet over 7 days" scanned every audit run without an index on (kind, started_at).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_runs_kind_started_at", "runs", ["kind", "started_at"])
    op.create_index("ix_findings_run_id_control_id", "findings", ["run_id", "control_id"])
    op.drop_index("ix_findings_run_id", "findings")


def downgrade() -> None:
    op.create_index("ix_findings_run_id", "findings", ["run_id"])
    op.drop_index("ix_findings_run_id_control_id", "findings")
    op.drop_index("ix_runs_kind_started_at", "runs")
