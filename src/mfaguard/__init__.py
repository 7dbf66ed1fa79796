"""mfaguard: protect Microsoft Entra ID tenants against MFA fatigue (push-spam) attacks.

The library in a few names (docs/library.md shows a script)::

    from mfaguard import Severity, audit, load_snapshot

    report = audit(load_snapshot("tenant.json"))
    failing = report.failing(Severity.HIGH)

Live: ``async with open_tenant(GraphConnection.from_env()) as (client, tenant)`` then
``await read_tenant(client, tenant)``. Every name loads its module on first use, so ``import mfaguard``
(and the CLI's start-up) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # what type checkers see; at run time each name loads its module on first use
    from mfaguard.audit.engine import audit
    from mfaguard.audit.run import AuditOutcome, resolve_settings, run_audit, run_live_audit
    from mfaguard.errors import (
        AuthError,
        ConfigError,
        GraphError,
        InputError,
        MfaguardError,
        UsageError,
    )
    from mfaguard.graph.auth import CredentialOptions
    from mfaguard.graph.connect import GraphConnection, open_tenant
    from mfaguard.model.policy import TenantSnapshot
    from mfaguard.model.report import AuditReport, Finding, Severity, Status
    from mfaguard.model.settings import AuditSettings
    from mfaguard.read.snapshot_file import load_snapshot, save_snapshot
    from mfaguard.read.tenant import read_tenant

_EXPORTS: dict[str, str] = {
    "audit": "mfaguard.audit",  # the package is callable as mfaguard.audit.engine.audit (see there)
    "AuditOutcome": "mfaguard.audit.run",
    "resolve_settings": "mfaguard.audit.run",
    "run_audit": "mfaguard.audit.run",
    "run_live_audit": "mfaguard.audit.run",
    "AuthError": "mfaguard.errors",
    "ConfigError": "mfaguard.errors",
    "GraphError": "mfaguard.errors",
    "InputError": "mfaguard.errors",
    "MfaguardError": "mfaguard.errors",
    "UsageError": "mfaguard.errors",
    "CredentialOptions": "mfaguard.graph.auth",
    "GraphConnection": "mfaguard.graph.connect",
    "open_tenant": "mfaguard.graph.connect",
    "TenantSnapshot": "mfaguard.model.policy",
    "AuditReport": "mfaguard.model.report",
    "Finding": "mfaguard.model.report",
    "Severity": "mfaguard.model.report",
    "Status": "mfaguard.model.report",
    "AuditSettings": "mfaguard.model.settings",
    "load_snapshot": "mfaguard.read.snapshot_file",
    "save_snapshot": "mfaguard.read.snapshot_file",
    "read_tenant": "mfaguard.read.tenant",
}

__all__ = [
    "AuditOutcome",
    "AuditReport",
    "AuditSettings",
    "AuthError",
    "ConfigError",
    "CredentialOptions",
    "Finding",
    "GraphConnection",
    "GraphError",
    "InputError",
    "MfaguardError",
    "Severity",
    "Status",
    "TenantSnapshot",
    "UsageError",
    "__version__",
    "audit",
    "load_snapshot",
    "open_tenant",
    "read_tenant",
    "resolve_settings",
    "run_audit",
    "run_live_audit",
    "save_snapshot",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name == "audit":
        return importlib.import_module(module)
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
