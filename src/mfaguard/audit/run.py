"""One audit run, whatever the snapshot's source: settings resolution, judgement, exit code.

The CLI (offline ``--snapshot`` or live), the fleet runner and the dashboard share this, so the
same snapshot and settings always give the same report and exit code. Pure except for reading the
optional ``--config`` file in :func:`resolve_settings`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mfaguard.audit.engine import DEFAULT_FAIL_ON, audit, exit_code
from mfaguard.model.policy import TenantSnapshot
from mfaguard.model.report import AuditReport, Severity
from mfaguard.model.settings import AuditSettings, NumberMatchingMode

__all__ = ["AuditOutcome", "resolve_settings", "run_audit"]


@dataclass(frozen=True, slots=True)
class AuditOutcome:
    report: AuditReport
    exit_code: int


def resolve_settings(
    *,
    config: str | os.PathLike[str] | None = None,
    break_glass_groups: Iterable[str] = (),
    number_matching: NumberMatchingMode | None = None,
) -> AuditSettings:
    """Defaults, then the YAML config file, then command-line values (groups added, mode replaced)."""
    if config is None:
        base = AuditSettings()
    else:
        from mfaguard.config.audit_file import load_audit_config
        from mfaguard.controls import CONTROL_IDS

        base = load_audit_config(config, known_controls=CONTROL_IDS)
    return base.merged(break_glass_groups=break_glass_groups, number_matching=number_matching)


def run_audit(
    snapshot: TenantSnapshot,
    *,
    settings: AuditSettings,
    now: datetime,
    fail_on: Severity = DEFAULT_FAIL_ON,
    strict: bool = False,
) -> AuditOutcome:
    """Judge the snapshot with every registered control; the exit code follows DESIGN §4."""
    report = audit(snapshot, settings=settings, now=now)
    return AuditOutcome(report, exit_code(report, fail_on=fail_on, strict=strict))
