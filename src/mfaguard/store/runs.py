"""Runs and what they produce: snapshots, findings, coverage summaries."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from mfaguard.errors import StoreError
from mfaguard.model.report import Finding
from mfaguard.store._base import StoreBase, from_row, utcnow
from mfaguard.store._dialect import insert_ignore
from mfaguard.store.records import (
    CoverageRecord,
    FindingPoint,
    FindingRecord,
    RunKind,
    RunRecord,
    RunStatus,
    SnapshotRecord,
)
from mfaguard.store.schema import coverage_summaries, runs, snapshot_bodies, snapshots, tenants
from mfaguard.store.schema import findings as findings_table

_RUN_COLUMNS = (*runs.c, tenants.c.name.label("tenant"))


class RunsMixin(StoreBase):
    # ---- runs -------------------------------------------------------------------------------------
    def record_run(
        self,
        tenant: str,
        kind: RunKind | str,
        *,
        started_at: datetime | None = None,
        trigger: str | None = None,
    ) -> int:
        """Start a run for ``tenant`` (created on first use); returns the run id. Finish it with
        :meth:`finish_run`; a run left ``running`` means the process stopped before it finished."""
        kind = RunKind(kind)
        with self._write(f"recording a {kind} run for {tenant!r}") as conn:
            key = self._require_tenant(conn, tenant)
            return int(
                conn.execute(
                    insert(runs)
                    .values(
                        tenant_pk=key,
                        kind=kind.value,
                        status=RunStatus.RUNNING.value,
                        started_at=started_at or utcnow(),
                        trigger=trigger,
                    )
                    .returning(runs.c.id)
                ).scalar_one()
            )

    def finish_run(
        self,
        run_id: int,
        *,
        status: RunStatus | str,
        finished_at: datetime | None = None,
        error: str | None = None,
        summary: Mapping[str, Any] | None = None,
    ) -> None:
        """Mark a run ``ok`` or ``error`` (with the reason) and keep its summary."""
        status = RunStatus(status)
        if status is RunStatus.RUNNING:
            raise ValueError("finish_run needs status ok or error")
        with self._write(f"finishing run {run_id}") as conn:
            result = conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(
                    status=status.value,
                    finished_at=finished_at or utcnow(),
                    error=self._text(error),
                    summary=self._json(dict(summary)) if summary is not None else None,
                )
            )
            if result.rowcount != 1:
                raise StoreError(f"history store {self.url}: run {run_id} does not exist")

    def record_completed_run(
        self,
        tenant: str,
        kind: RunKind | str,
        *,
        started_at: datetime,
        finished_at: datetime,
        status: RunStatus | str = RunStatus.OK,
        findings: Iterable[Finding] = (),
        summary: Mapping[str, Any] | None = None,
        error: str | None = None,
        trigger: str | None = None,
    ) -> int:
        """A finished run and its findings in one transaction (imports, seeding, fast fleet writes)."""
        kind, status = RunKind(kind), RunStatus(status)
        rows = [self._finding_row(0, f) for f in findings]
        with self._write(f"recording a {kind} run for {tenant!r}") as conn:
            key = self._require_tenant(conn, tenant)
            run_id = int(
                conn.execute(
                    insert(runs)
                    .values(
                        tenant_pk=key,
                        kind=kind.value,
                        status=status.value,
                        started_at=started_at,
                        finished_at=finished_at,
                        error=self._text(error),
                        summary=self._json(dict(summary)) if summary is not None else None,
                        trigger=trigger,
                    )
                    .returning(runs.c.id)
                ).scalar_one()
            )
            if rows:
                conn.execute(insert(findings_table), [{**row, "run_id": run_id} for row in rows])
        return run_id

    def get_run(self, run_id: int) -> RunRecord | None:
        with self._read(f"reading run {run_id}") as conn:
            row = conn.execute(_runs_query().where(runs.c.id == run_id)).first()
        return None if row is None else _run_record(row._mapping)

    def list_runs(
        self,
        *,
        tenant: str | None = None,
        kind: RunKind | str | None = None,
        status: RunStatus | str | None = None,
        since: datetime | None = None,
        limit: int | None = 100,
    ) -> list[RunRecord]:
        """Runs, newest first."""
        query = _runs_query()
        if tenant is not None:
            query = query.where(tenants.c.name == tenant)
        if kind is not None:
            query = query.where(runs.c.kind == RunKind(kind).value)
        if status is not None:
            query = query.where(runs.c.status == RunStatus(status).value)
        if since is not None:
            query = query.where(runs.c.started_at >= since)
        query = query.order_by(runs.c.started_at.desc(), runs.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._read("listing runs") as conn:
            return [_run_record(row._mapping) for row in conn.execute(query)]

    def previous_run(
        self,
        tenant: str,
        kind: RunKind | str = RunKind.AUDIT,
        *,
        before_run_id: int | None = None,
        status: RunStatus | str | None = RunStatus.OK,
    ) -> RunRecord | None:
        """The latest ``kind`` run of ``tenant`` (finished ``ok`` by default) started before
        ``before_run_id`` (or the latest of all when None). Drift compares a run with this one."""
        query = _runs_query().where(tenants.c.name == tenant, runs.c.kind == RunKind(kind).value)
        if status is not None:
            query = query.where(runs.c.status == RunStatus(status).value)
        with self._read("reading the previous run") as conn:
            if before_run_id is not None:
                anchor = conn.execute(
                    select(runs.c.started_at).where(runs.c.id == before_run_id)
                ).scalar_one_or_none()
                if anchor is None:
                    return None
                query = query.where(
                    (runs.c.started_at < anchor)
                    | and_(runs.c.started_at == anchor, runs.c.id < before_run_id)
                )
            row = conn.execute(query.order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(1)).first()
        return None if row is None else _run_record(row._mapping)

    def latest_runs(
        self, kind: RunKind | str = RunKind.AUDIT, *, status: RunStatus | str | None = RunStatus.OK
    ) -> dict[str, RunRecord]:
        """Each tenant's newest ``kind`` run (``ok`` by default), by tenant name: the fleet at a glance."""
        query = _runs_query().where(runs.c.id.in_(self._latest_run_ids(kind, status).values()))
        with self._read("reading the latest runs") as conn:
            return {row.tenant: _run_record(row._mapping) for row in conn.execute(query)}

    def _latest_run_ids(self, kind: RunKind | str, status: RunStatus | str | None) -> dict[int, int]:
        """tenant key → newest run id. One index seek per tenant (a correlated MAX over
        ix_runs_kind_status_tenant_pk_id) instead of grouping every run of the fleet."""
        inner = select(func.max(runs.c.id)).where(
            runs.c.tenant_pk == tenants.c.id, runs.c.kind == RunKind(kind).value
        )
        if status is not None:
            inner = inner.where(runs.c.status == RunStatus(status).value)
        query = select(tenants.c.id, inner.scalar_subquery().label("run_id"))
        with self._read("reading the latest runs") as conn:
            return {row.id: row.run_id for row in conn.execute(query) if row.run_id is not None}

    def latest_status_grid(self) -> dict[str, dict[str, str]]:
        """tenant → control ID → status of its newest successful audit: the fleet grid, lean
        (three short columns per finding, no JSON)."""
        run_ids = list(self._latest_run_ids(RunKind.AUDIT, RunStatus.OK).values())
        grid: dict[str, dict[str, str]] = {}
        with self._read("reading the fleet grid") as conn:
            for chunk in _chunks(run_ids, 500):
                query = (
                    select(tenants.c.name, findings_table.c.control_id, findings_table.c.status)
                    .select_from(findings_table)
                    .join(runs, runs.c.id == findings_table.c.run_id)
                    .join(tenants, tenants.c.id == runs.c.tenant_pk)
                    .where(findings_table.c.run_id.in_(chunk))
                    .order_by(findings_table.c.id)
                )
                for name, control, status in conn.execute(query):
                    grid.setdefault(name, {})[control] = status
        return grid

    def latest_audit_grid(self) -> tuple[dict[str, dict[str, str]], dict[str, datetime]]:
        """:meth:`latest_status_grid` plus when each tenant's newest successful audit started (the
        dashboard's fleet overview), finding the latest runs once: tenant → control → status, and
        tenant → start time."""
        latest = self._latest_run_ids(RunKind.AUDIT, RunStatus.OK)
        run_ids = list(latest.values())
        grid: dict[str, dict[str, str]] = {}
        started: dict[str, datetime] = {}
        with self._read("reading the fleet grid") as conn:
            names: dict[int, str] = {}
            for chunk in _chunks(run_ids, 500):
                query = (
                    select(runs.c.id, tenants.c.name, runs.c.started_at)
                    .join(tenants, tenants.c.id == runs.c.tenant_pk)
                    .where(runs.c.id.in_(chunk))
                )
                for run_id, name, at in conn.execute(query):
                    names[run_id] = name
                    started[name] = at
            for chunk in _chunks(run_ids, 500):
                query = (
                    select(findings_table.c.run_id, findings_table.c.control_id, findings_table.c.status)
                    .where(findings_table.c.run_id.in_(chunk))
                    .order_by(findings_table.c.id)
                )
                for run_id, control, status in conn.execute(query):
                    grid.setdefault(names[run_id], {})[control] = status
        return grid, started

    # ---- snapshots --------------------------------------------------------------------------------
    def save_snapshot(
        self,
        run_id: int,
        body: Mapping[str, Any],
        *,
        captured_at: datetime | None = None,
        api_version: str | None = None,
    ) -> str:
        """Keep the raw Graph bodies a run read (identical bodies are stored once); returns their hash."""
        clean = self._json(dict(body))
        canonical = json.dumps(clean, sort_keys=True, separators=(",", ":"), default=str)
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        with self._write(f"saving the snapshot of run {run_id}") as conn:
            tenant_pk = _run_tenant(conn, run_id)
            conn.execute(
                insert_ignore(conn, snapshot_bodies).values(sha256=digest, body=clean, size=len(canonical))
            )
            conn.execute(
                insert(snapshots).values(
                    run_id=run_id,
                    tenant_pk=tenant_pk,
                    captured_at=captured_at or utcnow(),
                    api_version=api_version,
                    sha256=digest,
                )
            )
        return digest

    def get_snapshot(self, run_id: int) -> SnapshotRecord | None:
        query = (
            select(snapshots, snapshot_bodies.c.body, tenants.c.name.label("tenant"))
            .join(snapshot_bodies, snapshot_bodies.c.sha256 == snapshots.c.sha256)
            .join(tenants, tenants.c.id == snapshots.c.tenant_pk)
            .where(snapshots.c.run_id == run_id)
        )
        with self._read(f"reading the snapshot of run {run_id}") as conn:
            row = conn.execute(query).first()
        return None if row is None else from_row(SnapshotRecord, row._mapping)

    # ---- findings ---------------------------------------------------------------------------------
    def save_findings(self, run_id: int, items: Iterable[Finding]) -> int:
        """Store a run's findings (one statement for all of them); returns how many."""
        rows = [self._finding_row(run_id, f) for f in items]
        if rows:
            with self._write(f"saving the findings of run {run_id}") as conn:
                _run_tenant(conn, run_id)
                conn.execute(insert(findings_table), rows)
        return len(rows)

    def _finding_row(self, run_id: int, f: Finding) -> dict[str, Any]:
        return {
            "run_id": run_id,
            "control_id": f.control_id,
            "title": f.title,
            "status": f.status.value,
            "severity": f.severity.value,
            "detail": self._text(f.detail),
            "resource": f.resource,
            "evidence": self._json(dict(f.evidence)),
            "exception": f.exception.to_json() if f.exception else None,
            "expired_exception": f.expired_exception.to_json() if f.expired_exception else None,
        }

    def findings_for_run(self, run_id: int) -> list[FindingRecord]:
        with self._read(f"reading the findings of run {run_id}") as conn:
            rows = conn.execute(
                select(findings_table).where(findings_table.c.run_id == run_id).order_by(findings_table.c.id)
            ).all()
        return [_finding_record(row._mapping) for row in rows]

    def latest_findings(self, tenant: str) -> list[FindingRecord]:
        """The findings of ``tenant``'s newest successful audit ([] if it never had one)."""
        run = self.previous_run(tenant, RunKind.AUDIT)
        return [] if run is None else self.findings_for_run(run.id)

    def latest_findings_by_tenant(self) -> dict[str, list[FindingRecord]]:
        """Every tenant's findings from its newest successful audit, in two queries."""
        latest = self.latest_runs(RunKind.AUDIT)
        by_run = {run.id: name for name, run in latest.items()}
        result: dict[str, list[FindingRecord]] = {name: [] for name in latest}
        if not by_run:
            return result
        with self._read("reading the latest findings") as conn:
            for chunk in _chunks(list(by_run), 500):
                rows = conn.execute(
                    select(findings_table)
                    .where(findings_table.c.run_id.in_(chunk))
                    .order_by(findings_table.c.id)
                )
                for row in rows:
                    result[by_run[row.run_id]].append(_finding_record(row._mapping))
        return result

    def findings_history(
        self,
        *,
        tenant: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        control_id: str | None = None,
    ) -> list[FindingPoint]:
        """Status of each control in each successful audit (oldest first): the data of trend charts."""
        query = (
            select(
                runs.c.id,
                tenants.c.name,
                runs.c.started_at,
                findings_table.c.control_id,
                findings_table.c.status,
                findings_table.c.severity,
            )
            .select_from(runs)
            .join(tenants, tenants.c.id == runs.c.tenant_pk)
            .join(findings_table, findings_table.c.run_id == runs.c.id)
            .where(runs.c.kind == RunKind.AUDIT.value, runs.c.status == RunStatus.OK.value)
        )
        if tenant is not None:
            query = query.where(tenants.c.name == tenant)
        if since is not None:
            query = query.where(runs.c.started_at >= since)
        if until is not None:
            query = query.where(runs.c.started_at < until)
        if control_id is not None:
            query = query.where(findings_table.c.control_id == control_id)
        query = query.order_by(runs.c.started_at, runs.c.id, findings_table.c.id)
        with self._read("reading the findings history") as conn:
            return [
                FindingPoint(
                    run_id=r[0], tenant=r[1], started_at=r[2], control_id=r[3], status=r[4], severity=r[5]
                )
                for r in conn.execute(query)
            ]

    # ---- coverage ---------------------------------------------------------------------------------
    def save_coverage(
        self,
        run_id: int,
        *,
        total_users: int,
        levels: Mapping[str, int],
        admins: Mapping[str, int],
        below_threshold: Sequence[Mapping[str, Any]],
        captured_at: datetime | None = None,
    ) -> None:
        """Keep a coverage run's counts per protection level (all users and admins) and the users
        below the configured threshold (UPN, level, reason — no secrets, no tokens)."""
        with self._write(f"saving the coverage of run {run_id}") as conn:
            tenant_pk = _run_tenant(conn, run_id)
            conn.execute(
                insert(coverage_summaries).values(
                    run_id=run_id,
                    tenant_pk=tenant_pk,
                    captured_at=captured_at or utcnow(),
                    total_users=total_users,
                    levels=dict(levels),
                    admins=dict(admins),
                    below_threshold=self._json([dict(u) for u in below_threshold]),
                )
            )

    def latest_coverage(self, tenant: str) -> CoverageRecord | None:
        history = self.coverage_history(tenant, limit=1)
        return history[0] if history else None

    def coverage_history(
        self,
        tenant: str,
        *,
        since: datetime | None = None,
        run_id: int | None = None,
        limit: int | None = None,
    ) -> list[CoverageRecord]:
        """Coverage summaries of ``tenant`` (only ``run_id``'s when given), newest first."""
        query = (
            select(coverage_summaries, tenants.c.name.label("tenant"))
            .join(tenants, tenants.c.id == coverage_summaries.c.tenant_pk)
            .where(tenants.c.name == tenant)
            .order_by(coverage_summaries.c.captured_at.desc(), coverage_summaries.c.id.desc())
        )
        if since is not None:
            query = query.where(coverage_summaries.c.captured_at >= since)
        if run_id is not None:
            query = query.where(coverage_summaries.c.run_id == run_id)
        return self._fetch(
            query,
            "reading coverage",
            lambda m: from_row(CoverageRecord, m, below_threshold=tuple(m["below_threshold"])),
            limit=limit,
        )


def _runs_query() -> Any:
    return select(*_RUN_COLUMNS).join(tenants, tenants.c.id == runs.c.tenant_pk)


def _run_tenant(conn: Connection, run_id: int) -> int:
    key = conn.execute(select(runs.c.tenant_pk).where(runs.c.id == run_id)).scalar_one_or_none()
    if key is None:
        raise StoreError(f"run {run_id} does not exist in the history store", hint="record_run first")
    return int(key)


def _run_record(m: Any) -> RunRecord:
    return from_row(RunRecord, m, kind=RunKind(m["kind"]), status=RunStatus(m["status"]))


def _finding_record(m: Any) -> FindingRecord:
    return from_row(FindingRecord, m, evidence=m["evidence"] or {})


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
