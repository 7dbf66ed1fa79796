"""Alembic revision scripts (one per schema version; never edit one that has shipped)."""
