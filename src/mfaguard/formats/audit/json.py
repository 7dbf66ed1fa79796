"""JSON: the stable audit document of DESIGN §4 (``AuditReport.to_json()``) and the fleet document of §7."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mfaguard.model.report import SCHEMA_VERSION, AuditReport, TenantResult

if TYPE_CHECKING:
    from mfaguard.formats.base import RenderOptions


def _dump(document: dict[str, Any]) -> str:
    # ensure_ascii=False keeps tenant and group names readable; output is UTF-8 everywhere.
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render(report: AuditReport, options: RenderOptions) -> str:
    """Exactly :meth:`AuditReport.to_json`, pretty-printed."""
    return _dump(report.to_json())


def fleet_document(results: Sequence[TenantResult]) -> dict[str, Any]:
    """``{"schema_version", "tenants": [{"name", "status", "error", "summary", "findings", ...}]}``."""
    return {"schema_version": SCHEMA_VERSION, "tenants": [r.to_json() for r in results]}


def render_fleet(results: Sequence[TenantResult], options: RenderOptions) -> str:
    """The fleet document of DESIGN §7."""
    return _dump(fleet_document(results))
