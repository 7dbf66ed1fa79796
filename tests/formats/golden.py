"""Golden-file helper: compare rendered text with ``tests/formats/golden/``.

Regenerate after an intended change with ``MFAGUARD_UPDATE_GOLDEN=1 python -m pytest tests/formats``
and review the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("MFAGUARD_UPDATE_GOLDEN") == "1"


def check_golden(name: str, actual: str) -> None:
    """Assert ``actual`` equals the golden file ``name`` (or rewrite it when updating)."""
    path = GOLDEN_DIR / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"missing golden file {path}; run with MFAGUARD_UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, (
        f"{name} differs from its golden file; rerun with MFAGUARD_UPDATE_GOLDEN=1 if intended"
    )
