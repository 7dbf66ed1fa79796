"""Migrations: an existing database keeps its data; the migrated schema is exactly schema.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, inspect, text

from mfaguard.errors import StoreError
from mfaguard.model.report import Finding, Severity, Status
from mfaguard.store import RunKind, open_store, resolve_store_url
from mfaguard.store.engine import current_revision, downgrade, head_revision, make_engine, upgrade
from mfaguard.store.schema import metadata

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _seed_first_revision(url: str) -> None:
    """Write rows the way the first schema (revision 0001: the safe-change store) held them."""
    engine = make_engine(resolve_store_url(url))
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    assert "alerts" not in inspect(engine).get_table_names()
    naive = T0.replace(tzinfo=None)  # 0001 stored naive UTC, as today
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO tenants (name, tenant_id, created_at) VALUES ('contoso', 'tid-1', :t)"),
            {"t": naive},
        )
        # Ids come from the database's own sequences, as the first mfaguard's inserts did.
        tenant = conn.execute(text("SELECT id FROM tenants")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO runs (tenant_pk, kind, status, started_at, finished_at, summary) "
                "VALUES (:k, 'audit', 'ok', :t, :t, :s)"
            ),
            {"k": tenant, "t": naive, "s": json.dumps({"FAIL": 1})},
        )
        run = conn.execute(text("SELECT id FROM runs")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO findings (run_id, control_id, title, status, severity, detail, evidence) "
                "VALUES (:r, 'MFA-001', 'Number matching', 'FAIL', 'high', 'state is default', :e)"
            ),
            {"r": run, "e": json.dumps({"state": "default"})},
        )
        conn.execute(
            text(
                "INSERT INTO changes (tenant_pk, kind, baseline, created_at, updated_at, status, plan) "
                "VALUES (:k, 'apply', 'recommended', :t, :t, 'pending', :p)"
            ),
            {"k": tenant, "t": naive, "p": json.dumps({"objects": 1})},
        )
        change = conn.execute(text("SELECT id FROM changes")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO change_objects (change_id, seq, path, pre, pre_recorded_at) "
                "VALUES (:c, 0, '/policies/x', :pre, :t)"
            ),
            {"c": change, "t": naive, "pre": json.dumps({"state": "enabled"})},
        )
    engine.dispose()


def test_upgrade_from_first_revision_keeps_data(store_url: str) -> None:
    _seed_first_revision(store_url)
    store = open_store(store_url)  # migrates to head on open
    try:
        assert store.info().revision == head_revision() == "0003"
        [run] = store.list_runs()
        assert run is not None and run.started_at == T0 and run.summary == {"FAIL": 1} and run.trigger is None
        [finding] = store.latest_findings("contoso")
        assert (finding.control_id, finding.status, finding.evidence) == (
            "MFA-001",
            "FAIL",
            {"state": "default"},
        )
        assert finding.resource is None and finding.expired_exception is None
        [pending] = store.pending_changes()
        assert pending.objects[0].pre == {"state": "enabled"} and pending.baseline == "recommended"
        tenant = store.get_tenant("contoso")
        assert tenant is not None and tenant.tenant_id == "tid-1" and tenant.tags == ()
        # New-schema features work on the migrated database, and ids continue after the old rows.
        new_run = store.record_run("contoso", RunKind.DETECT)
        assert new_run > run.id
        assert store.save_alerts(
            "contoso", [{"detection_id": "DET-001", "user": "a@b", "severity": "high", "first_seen": T0}]
        )
        assert store.acquire_lock("watch", "me", ttl=timedelta(minutes=5))
    finally:
        store.close()


def test_migrated_schema_matches_the_models(store_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    store = open_store(store_url)
    try:
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, metadata)
        assert diff == []
    finally:
        store.close()


def test_downgrade_to_first_revision_and_back(store_url: str) -> None:
    store = open_store(store_url)
    run = store.record_run("contoso", "audit")
    store.save_findings(run, [Finding("MFA-001", "t", Status.PASS, Severity.HIGH, "fine")])
    # SQLite rebuilds tables here: foreign keys must not cascade-delete the rows of child tables.
    downgrade(store.engine, "0001")
    assert current_revision(store.engine) == "0001"
    store.close()
    reopened = open_store(store_url)
    try:
        assert reopened.info().revision == "0003"
        assert [r.tenant for r in reopened.list_runs()] == ["contoso"]
        assert [f.control_id for f in reopened.findings_for_run(run)] == ["MFA-001"]
    finally:
        reopened.close()


def test_open_without_migrate_leaves_the_database_alone(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/h.db"
    store = open_store(url, migrate=False)
    assert current_revision(store.engine) is None
    store.close()


def test_a_database_from_a_newer_mfaguard_is_refused(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/h.db"
    open_store(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer mfaguard"):
        open_store(url)


def test_the_shipped_head_constant_is_alembics_head() -> None:
    from mfaguard.store.engine import SHIPPED_HEAD

    # A new migration must update SHIPPED_HEAD (the fast open path); until then opens stay correct, only slower.
    assert head_revision() == SHIPPED_HEAD
