"""Short text for a changed value in a plan table (targets by id, with their mode)."""

from __future__ import annotations

import json
from typing import Any


def format_value(value: Any) -> str:
    """``—`` for absent, the string itself, a target's id, ``[id (mode), ...]`` for target lists."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) >= {"id"} and len(value) <= 2:
        return str(value["id"])
    if isinstance(value, list) and all(isinstance(v, dict) and "id" in v for v in value):
        parts = []
        for v in value:
            mode = v.get("authenticationMode")
            parts.append(f"{v['id']} ({mode})" if mode else str(v["id"]))
        return "[" + ", ".join(parts) + "]"
    return json.dumps(value, sort_keys=True)
