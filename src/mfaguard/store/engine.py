"""Engines and migrations: one code path for SQLite (WAL) and PostgreSQL (psycopg 3).

SQLite is set up for one writer and many readers: WAL journal, foreign keys on, a busy timeout, and
write transactions opened with ``BEGIN IMMEDIATE`` so two writers queue on the lock instead of
failing with "database is locked" when a reader upgrades. Migrations run on open; PostgreSQL
serialises concurrent openers with an advisory lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import StaticPool

from mfaguard.config.files import make_private_dirs, make_private_file
from mfaguard.errors import StoreError
from mfaguard.store.url import redact_url, sqlite_file

BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another writer before giving up."""

WRITE_OPTION = "mfaguard_write"
"""Execution option that makes a SQLite transaction start with BEGIN IMMEDIATE."""

# Any 64-bit constant unique to mfaguard: held while migrating so two openers do not race.
_PG_MIGRATION_LOCK = 0x6D66_6167_7561_7264

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """Create the engine for a resolved URL (see :func:`mfaguard.store.url.resolve_store_url`)."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql"):
        from mfaguard.config.extras import require_extra

        require_extra("postgres", needed_by=f"the history store {redact_url(url)}")
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    raise StoreError(f"unsupported history store {redact_url(url)}", hint="use sqlite:/// or postgresql://")


def _sqlite_engine(url: str) -> Engine:
    path = sqlite_file(url)
    kwargs: dict[str, Any] = {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}}
    if path is None:
        # In-memory: every connection must see the same database.
        kwargs["poolclass"] = StaticPool
    else:
        try:
            make_private_dirs(path.parent)
        except OSError as exc:
            raise StoreError(
                f"cannot create the history store directory {path.parent}: {exc.strerror}",
                hint="pass --store with a writable location, or set XDG_DATA_HOME",
            ) from exc
        # The store holds UPNs, IP addresses and who lacks strong MFA: 0600. SQLite gives its -wal
        # and -shm files the database file's mode, so creating the database 0600 before SQLite does
        # (it would use 0644) covers all three; older, looser files are tightened.
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if file == path or file.exists():
                make_private_file(file)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours (see "begin").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if path is not None:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def _alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration shipped with this mfaguard."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return str(head)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


SHIPPED_HEAD = "0003"
"""The newest migration in ``migrations/versions`` (a test keeps it equal to alembic's head). Every
command that records a run opens the store; knowing the head without alembic saves ~0.1 s each."""


def _stored_revision(engine: Engine) -> str | None:
    """The database's revision read with plain SQL (None when there is no version table yet)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as conn:
            value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    except SQLAlchemyError:
        return None
    return None if value is None else str(value)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (creating it if empty). Safe to call when already there."""
    if revision == "head" and _stored_revision(engine) == SHIPPED_HEAD:
        return  # the common case, without importing alembic: no migration, no lock, fast open
    if revision == "head" and current_revision(engine) == head_revision():
        return
    _migrate(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to ``revision`` (for tests and for going back to an older mfaguard)."""
    _migrate(engine, "downgrade", revision)


def _migrate(engine: Engine, direction: str, revision: str) -> None:
    from alembic import command

    postgres = engine.dialect.name == "postgresql"
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn:
        if postgres:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            conn.commit()
        else:
            # SQLite batch migrations rebuild tables (create copy, drop, rename); with foreign keys on,
            # dropping a parent table would cascade-delete its children's rows. The pragma only
            # works outside a transaction, so it goes straight to the driver before BEGIN.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            getattr(command, direction)(_alembic_config(conn), revision)
            conn.commit()
            if not postgres:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                conn.commit()
                if broken:
                    raise StoreError(
                        f"migration to {revision} left {len(broken)} rows with broken references",
                        hint="restore the database from a backup and report this as a bug",
                    )
        finally:
            if postgres:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()
            else:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
