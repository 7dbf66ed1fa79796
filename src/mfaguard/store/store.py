"""The :class:`Store` and :func:`open_store`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from mfaguard.errors import StoreError
from mfaguard.store import engine as _engine
from mfaguard.store.changes import ChangesMixin
from mfaguard.store.events import EventsMixin
from mfaguard.store.locks import LocksMixin
from mfaguard.store.records import NotificationStatus, RunKind, StoreInfo
from mfaguard.store.runs import RunsMixin
from mfaguard.store.schema import alerts, metadata, notifications, runs, snapshot_bodies, snapshots
from mfaguard.store.url import resolve_store_url


class Store(RunsMixin, ChangesMixin, EventsMixin, LocksMixin):
    """Typed access to the history: tenants, runs, snapshots, findings, changes, coverage, alerts,
    drift, notifications and locks. No SQL outside this package.

    Safe to share between threads (each call takes its own pooled connection and transaction).
    """

    def info(self) -> StoreInfo:
        """Backend, schema revision and row counts (for ``mfaguard store upgrade`` / ``doctor``)."""
        try:
            revision = _engine.current_revision(self.engine)
        except SQLAlchemyError as exc:
            raise self._error("reading the schema revision", exc) from exc
        counts: dict[str, int] = {}
        with self._read("counting rows") as conn:
            for table in metadata.sorted_tables:
                counts[table.name] = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        return StoreInfo(
            url=self.url, backend=self.backend, revision=revision, head=_engine.head_revision(), counts=counts
        )

    def prune(self, *, before: datetime, dry_run: bool = False) -> dict[str, int]:
        """Delete history older than ``before``; returns how many rows of each kind (would) go.

        Goes: runs started before it (with their findings, snapshots, coverage summaries and drift),
        alerts last seen before it, finished notifications last updated before it, and snapshot
        bodies no run refers to any more. Stays: every change (the record of what was written to
        tenants, needed for rollback and audit) and each tenant's newest successful run of every
        kind, however old (drift needs something to compare with).
        """
        keep: set[int] = set()
        for kind in RunKind:
            keep.update(self._latest_run_ids(kind, "ok").values())
        old_runs = runs.c.started_at < before
        if keep:
            old_runs = old_runs & runs.c.id.notin_(keep)
        old_alerts = alerts.c.last_seen < before
        old_notifications = (notifications.c.updated_at < before) & notifications.c.status.in_(
            [NotificationStatus.SENT.value, NotificationStatus.FAILED.value]
        )
        with self._write("pruning history") as conn:
            counts = {
                "runs": int(
                    conn.execute(select(func.count()).select_from(runs).where(old_runs)).scalar_one()
                ),
                "alerts": int(
                    conn.execute(select(func.count()).select_from(alerts).where(old_alerts)).scalar_one()
                ),
                "notifications": int(
                    conn.execute(
                        select(func.count()).select_from(notifications).where(old_notifications)
                    ).scalar_one()
                ),
            }
            if dry_run:
                return counts
            # Findings, snapshots, coverage summaries and drift go with their run (ON DELETE CASCADE).
            conn.execute(delete(runs).where(old_runs))
            conn.execute(delete(alerts).where(old_alerts))
            conn.execute(delete(notifications).where(old_notifications))
            orphans = snapshot_bodies.c.sha256.notin_(select(snapshots.c.sha256).distinct())
            counts["snapshot_bodies"] = int(conn.execute(delete(snapshot_bodies).where(orphans)).rowcount)
        return counts


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and by default create or migrate to the newest schema) the history store at ``url``.

    ``None`` → SQLite file in the user data dir; ``sqlite:///PATH``; ``postgresql://USER@HOST/DB``.
    Raises :class:`~mfaguard.errors.ConfigError` for a bad URL and
    :class:`~mfaguard.errors.StoreError` when the store cannot be reached or migrated.
    """
    resolved = resolve_store_url(url)
    engine = _engine.make_engine(resolved)  # MissingExtraError (exit 2) without the PostgreSQL driver
    store = Store(engine, resolved)
    if migrate:
        try:
            _engine.upgrade(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise store._error("opening and migrating", exc) from exc
        except StoreError:
            engine.dispose()
            raise
        except Exception as exc:  # alembic's own errors (e.g. a database newer than this mfaguard)
            engine.dispose()
            raise StoreError(
                f"history store {store.url}: migrating failed: {exc}",
                hint="a store written by a newer mfaguard needs that version; otherwise restore a backup",
            ) from exc
    return store
