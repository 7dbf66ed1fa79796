"""Alembic environment: migrations run only on a connection handed in by the store (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from mfaguard.store.schema import metadata


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # pragma: no cover - only reachable by running the alembic CLI by hand
        raise RuntimeError("run migrations through `mfaguard store upgrade`, not the alembic CLI")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables there and is a no-op elsewhere.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_run()
