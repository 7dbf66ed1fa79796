"""Alembic revision scripts (one per schema version; never edit one that has shipped)."""

__all__: list[str] = []
