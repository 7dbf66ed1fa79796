"""One audit run, offline or live: settings resolution, judgement, one exit-code rule.

``run_audit`` judges a snapshot (an mfaguard snapshot file, a Graph Explorer body, or what
``run_live_audit`` just read); the CLI, the fleet runner, the dashboard and the demo all come through
here, so the same snapshot and settings always give the same report and exit code (DESIGN §4: 3 when
the read was incomplete, or with ``strict`` any ERROR; else 1 for an uncovered FAIL at or above
``fail_on``; else 0).

A live audit reads the tenant through an open client (:func:`mfaguard.graph.connect.open_tenant`).
Honest statuses (DESIGN §1):

- the policy cannot be read (denied, licence, throttled past the budget, Graph failing, or a body
  whose fields cannot be trusted) → every control is ERROR with the reason, and the run is unfinished
  (exit 3) — a failed read never looks like "nothing to check";
- a secondary part cannot be read (the groups the policy names) → the snapshot records it in
  ``read_errors``, the controls that need it are ERROR, and the run is unfinished;
- with ``directory`` (``mfaguard audit`` by default, fleet tenants unless ``directory: false``), the
  directory coverage needs is read too — users, the registration report (paced like ``coverage``),
  nested members of the groups the policy names and of the break-glass groups — so MFA-016..018 are
  judged. When the token's claims show it lacks User.Read.All, GroupMember.Read.All or
  AuditLog.Read.All nothing is requested and those controls are ERROR naming what to grant (as they
  are when Graph refuses a part, or the tenant has no P1 licence); the run is not unfinished for that
  (only ``strict`` makes it exit 3). A directory read that fails otherwise (Graph errors) makes the
  controls ERROR and the run unfinished;
- the credential failing (no token, 401: :class:`~mfaguard.errors.AuthError`) or Graph unreachable
  (:class:`~mfaguard.errors.UnreachableError`) raises: there is nothing to report on.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from mfaguard.audit.engine import DEFAULT_FAIL_ON, audit, exit_code
from mfaguard.errors import AuthError, GraphError, InputError, MfaguardError, UnreachableError
from mfaguard.model.directory import ProblemKind
from mfaguard.model.policy import TenantInfo, TenantSnapshot
from mfaguard.model.report import AuditReport, Finding, Severity, Status
from mfaguard.model.settings import AuditSettings, NumberMatchingMode

if TYPE_CHECKING:
    from mfaguard.controls.base import Control
    from mfaguard.graph.auth import TokenInfo
    from mfaguard.graph.client import GraphClient

__all__ = [
    "DIRECTORY_HINT",
    "AuditOutcome",
    "missing_directory_permissions",
    "resolve_settings",
    "run_audit",
    "run_live_audit",
    "unreadable_report",
]

DIRECTORY_HINT = "grant them to judge who is protected, or audit with --no-directory"


@dataclass(frozen=True, slots=True)
class AuditOutcome:
    """One audit: the report, its exit code, the snapshot it judged (None when the policy could not
    be read) and why the read was incomplete (each a line; any makes the exit code 3)."""

    report: AuditReport
    exit_code: int
    snapshot: TenantSnapshot | None = None
    problems: tuple[str, ...] = ()

    @property
    def unfinished(self) -> bool:
        """The tenant could not be read completely (the run exits 3)."""
        return bool(self.problems)


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
    controls: Sequence[Control] | None = None,
    problems: Sequence[str] = (),
) -> AuditOutcome:
    """Judge the snapshot with ``controls`` (default: every registered control). ``problems`` are the
    parts the read that made the snapshot missed (a live read; none for a file)."""
    from mfaguard.controls import CONTROLS

    report = audit(snapshot, CONTROLS if controls is None else controls, settings=settings, now=now)
    code = exit_code(report, fail_on=fail_on, strict=strict, unfinished=bool(problems))
    return AuditOutcome(report, code, snapshot, tuple(problems))


async def run_live_audit(
    client: GraphClient,
    tenant: TenantInfo,
    *,
    settings: AuditSettings,
    now: datetime,
    fail_on: Severity = DEFAULT_FAIL_ON,
    strict: bool = False,
    controls: Sequence[Control] | None = None,
    directory: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> AuditOutcome:
    """Read the tenant and audit it (see the module docstring for how failures are reported).

    ``progress(part, count)`` follows the directory read (users, registration, groups).
    """
    from mfaguard.controls import CONTROLS
    from mfaguard.read.policy import collect_snapshot

    chosen = CONTROLS if controls is None else controls
    try:
        snapshot = await collect_snapshot(client, tenant=tenant, now=now)
    except (AuthError, UnreachableError):
        raise
    except (GraphError, InputError) as exc:
        reason = _reason(exc)
        report = unreadable_report(reason, tenant=tenant, controls=chosen, settings=settings, now=now)
        code = exit_code(report, fail_on=fail_on, strict=strict, unfinished=True)
        return AuditOutcome(report, code, None, (f"the policy could not be read: {reason}",))
    if directory:
        snapshot = await _with_directory(client, snapshot, settings, progress)
    # A licence or permission the tenant lacks is judged by the controls that need it (ERROR naming
    # what to grant); a part whose read failed leaves the run unfinished.
    problems = tuple(p.sentence() for p in snapshot.problems if not p.refused)
    return run_audit(
        snapshot,
        settings=settings,
        now=now,
        fail_on=fail_on,
        strict=strict,
        controls=chosen,
        problems=problems,
    )


def unreadable_report(
    reason: str,
    *,
    tenant: TenantInfo,
    controls: Sequence[Control],
    settings: AuditSettings,
    now: datetime,
) -> AuditReport:
    """Every control ERROR because the policy itself could not be read (pure)."""
    findings = tuple(
        Finding(
            control_id=control.id,
            title=control.title,
            status=Status.ERROR,
            severity=control.severity,
            detail=f"The Authentication Methods Policy could not be read, so this cannot be judged: {reason}",
            references=tuple(ref.id for ref in control.references),
            evidence={"read_error": reason},
        )
        for control in controls
    )
    return AuditReport(
        tenant_id=tenant.id,
        tenant_name=tenant.name,
        captured_at=None,
        api_version="unknown",
        findings=findings,
        generated_at=now,
        settings=settings.to_json(),
    )


def missing_directory_permissions(info: TokenInfo | None) -> list[str]:
    """What the token's claims lack for the directory read (empty when they are unknown: an opaque
    token, where only trying tells)."""
    if info is None or not info.permissions:
        return []
    from mfaguard.read.doctor import NEEDS, granted

    wanted = dict.fromkeys(n.permission for n in NEEDS if n.purpose == "coverage")
    return [p for p in wanted if granted(p, info.permissions) is None]


async def _with_directory(
    client: GraphClient,
    snapshot: TenantSnapshot,
    settings: AuditSettings,
    progress: Callable[[str, int], None] | None,
) -> TenantSnapshot:
    """The snapshot with the directory attached: read when permitted, else why it was not."""
    from mfaguard.read.directory import collect_directory, unread_directory

    groups = settings.break_glass_groups
    missing = missing_directory_permissions(client.token_info)
    if missing:
        reason = f"not read: the token lacks {', '.join(missing)}"
        found = unread_directory(reason, hint=DIRECTORY_HINT, kind=ProblemKind.PERMISSION, groups=groups)
        return dataclasses.replace(snapshot, directory=found)
    try:
        found = await collect_directory(client, snapshot.policy, extra_groups=groups, progress=progress)
    except (AuthError, UnreachableError):
        raise
    except GraphError as exc:  # licence and permission errors were already turned into ReadProblems
        found = unread_directory(
            f"reading it failed: {exc}", hint="run again later", kind=ProblemKind.ERROR, groups=groups
        )
    return dataclasses.replace(snapshot, directory=found)


def _reason(exc: MfaguardError) -> str:
    if isinstance(exc, InputError):
        # A body whose known fields have the wrong type: judging it could give a false PASS.
        return f"Graph returned a policy mfaguard cannot trust ({exc.message})"
    return str(exc)
