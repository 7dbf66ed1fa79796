"""The fleet document (DESIGN §7: one entry per tenant, ``ok`` or ``error``) in every audit format: the
same renderer modules as the audit report, their ``render_fleet``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from mfaguard.formats.audit import AUDIT_FORMATS
from mfaguard.formats.base import Registry

if TYPE_CHECKING:
    from mfaguard.model.report import TenantResult

__all__ = ["FLEET_FORMATS"]

FLEET_FORMATS: Registry[Sequence[TenantResult]] = Registry(
    "fleet document",
    tuple(replace(fmt, function="render_fleet") for fmt in AUDIT_FORMATS.formats),  # type: ignore[misc]
)
"""The fleet document in every format the audit report has."""
