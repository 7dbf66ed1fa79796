"""The :class:`Store` and :func:`open_store`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from mfaguard.errors import StoreError
from mfaguard.store import engine as _engine
from mfaguard.store.changes import ChangesMixin
from mfaguard.store.events import EventsMixin
from mfaguard.store.locks import LocksMixin
from mfaguard.store.records import StoreInfo
from mfaguard.store.runs import RunsMixin
from mfaguard.store.schema import metadata
from mfaguard.store.url import redact_url, resolve_store_url


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


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and by default create or migrate to the newest schema) the history store at ``url``.

    ``None`` → SQLite file in the user data dir; ``sqlite:///PATH``; ``postgresql://USER@HOST/DB``.
    Raises :class:`~mfaguard.errors.ConfigError` for a bad URL and
    :class:`~mfaguard.errors.StoreError` when the store cannot be reached or migrated.
    """
    resolved = resolve_store_url(url)
    try:
        engine = _engine.make_engine(resolved)
    except ImportError as exc:  # psycopg missing
        raise StoreError(
            f"cannot open the history store {redact_url(resolved)}: {exc}",
            hint="install the PostgreSQL driver: pip install 'mfaguard[postgres]'",
        ) from exc
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
