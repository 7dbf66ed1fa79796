from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def fleet_store(tmp_path: Path) -> Iterator[Any]:
    """A fresh SQLite history store."""
    from mfaguard.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'history.db'}")
    try:
        yield store
    finally:
        store.close()
