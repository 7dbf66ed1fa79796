"""Alembic migrations of the history store, run programmatically by :func:`mfaguard.store.open_store`."""

__all__: list[str] = []
