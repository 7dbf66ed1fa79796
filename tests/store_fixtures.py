"""History-store fixtures for every test that needs a store (registered from tests/conftest.py).

``store_url`` / ``store`` are parametrized over SQLite (always) and PostgreSQL (when
``MFAGUARD_TEST_POSTGRES_URL`` points at a server; `.ci/start-postgres` provides one). Without it the
PostgreSQL cases skip on a developer machine and fail under ``CI=true``. Each pytest session works in
its own PostgreSQL database, so parallel runs never share tables; each test starts from an empty schema.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

POSTGRES_ENV = "MFAGUARD_TEST_POSTGRES_URL"


def _require_postgres() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{POSTGRES_ENV} is not set under CI=true (.ci/start-postgres should export it)")
        pytest.skip(f"no PostgreSQL: set {POSTGRES_ENV} (see .ci/start-postgres)")
    return url


def _driver_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


@pytest.fixture(scope="session")
def postgres_session_url() -> Iterator[str]:
    """A PostgreSQL database created for this test session (dropped at the end)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(_driver_url(_require_postgres()))
    name = f"mfaguard_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def reset_postgres(url: str) -> None:
    """Empty the database (drop and recreate the public schema)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty history store on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.db'}"
    url: str = request.getfixturevalue("postgres_session_url")
    reset_postgres(url)
    return url


def truncate_postgres(url: str) -> None:
    """Empty every table but keep the schema (much faster than migrating again; DELETE beats
    TRUNCATE on tables this small)."""
    from sqlalchemy import create_engine, inspect

    from mfaguard.store.schema import metadata

    engine = create_engine(url)
    existing = set(inspect(engine).get_table_names())
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name in existing:
                conn.execute(table.delete())
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """An opened (migrated, empty) :class:`mfaguard.store.Store` on each backend."""
    from mfaguard.store import open_store

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'history.db'}"
    else:
        url = request.getfixturevalue("postgres_session_url")
        truncate_postgres(url)
    opened = open_store(url)
    try:
        yield opened
    finally:
        opened.close()
