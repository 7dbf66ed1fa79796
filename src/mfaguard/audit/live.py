"""A live audit: read the tenant through Graph, judge it, and say whether the read was complete.

Used by ``mfaguard audit`` (without ``--snapshot``) and ``mfaguard demo``. Honest statuses (DESIGN §1):

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
  (only ``--strict`` makes it exit 3). A directory read that fails otherwise (Graph errors) makes the
  controls ERROR and the run unfinished;
- the credential itself fails (no token, 401) → :class:`~mfaguard.errors.AuthError` is raised, and
  Graph cannot be reached at all (refused, DNS, TLS, timeout) → :class:`~mfaguard.errors.UnreachableError`:
  there is nothing to report on, so the CLI says it in one line (exit 3) instead of one ERROR row
  per control repeating the connection error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mfaguard.errors import AuthError, GraphError, InputError, MfaguardError, UnreachableError
from mfaguard.model.policy import TenantInfo, TenantSnapshot
from mfaguard.model.report import AuditReport, Finding, Status

if TYPE_CHECKING:
    from mfaguard.controls.base import Control
    from mfaguard.graph.auth import TokenInfo
    from mfaguard.graph.connect import GraphConnection
    from mfaguard.model.settings import AuditSettings


@dataclass(frozen=True, slots=True)
class LiveAudit:
    """The report, the snapshot it judged (None when the policy could not be read), and whether the
    read was incomplete (→ exit code 3)."""

    report: AuditReport
    snapshot: TenantSnapshot | None
    unfinished: bool
    problems: tuple[str, ...] = ()


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


async def run_live_audit(
    connection: GraphConnection,
    *,
    expected_tenant: str | None,
    settings: AuditSettings,
    now: datetime,
    env: Mapping[str, str] | None = None,
    controls: Sequence[Control] | None = None,
    directory: bool = False,
    progress: Callable[[str, int], None] | None = None,
    **client_kwargs: Any,
) -> LiveAudit:
    """Read the tenant and audit it (see the module docstring for how failures are reported).

    ``progress(part, count)`` follows the directory read (users, registration, groups).
    """
    from mfaguard.audit.engine import audit
    from mfaguard.controls import CONTROLS
    from mfaguard.graph.connect import token_tenant
    from mfaguard.read.policy import collect_snapshot

    chosen = CONTROLS if controls is None else controls
    provider = connection.token_provider(env)
    tenant, info = await token_tenant(provider, expected_tenant)
    failed: list[str] = []
    async with connection.client(provider, env=env, **client_kwargs) as client:
        try:
            snapshot = await collect_snapshot(client, tenant=tenant, now=now)
        except (AuthError, UnreachableError):
            raise
        except (GraphError, InputError) as exc:
            reason = _reason(exc)
            report = unreadable_report(reason, tenant=tenant, controls=chosen, settings=settings, now=now)
            return LiveAudit(report, None, True, (f"the policy could not be read: {reason}",))
        if directory:
            snapshot = await _with_directory(client, snapshot, info, settings, progress, failed)
    report = audit(snapshot, chosen, settings=settings, now=now)
    problems = tuple(f"could not read {part}: {why}" for part, why in snapshot.read_errors.items())
    problems += tuple(failed)
    return LiveAudit(report, snapshot, bool(problems), problems)


DIRECTORY_HINT = "grant them to judge who is protected, or audit with --no-directory"


def missing_directory_permissions(info: TokenInfo | None) -> list[str]:
    """What the token's claims lack for the directory read (empty when they are unknown: an opaque
    token, where only trying tells)."""
    if info is None or not info.permissions:
        return []
    from mfaguard.read.doctor import NEEDS, granted

    wanted = dict.fromkeys(n.permission for n in NEEDS if n.purpose == "coverage")
    return [p for p in wanted if granted(p, info.permissions) is None]


async def _with_directory(
    client: Any,
    snapshot: TenantSnapshot,
    info: TokenInfo | None,
    settings: AuditSettings,
    progress: Callable[[str, int], None] | None,
    failed: list[str],
) -> TenantSnapshot:
    """The snapshot with the directory attached: read when permitted, else why it was not."""
    import dataclasses

    from mfaguard.model.directory import ProblemKind
    from mfaguard.read.directory import collect_directory, unread_directory

    groups = settings.break_glass_groups
    missing = missing_directory_permissions(info)
    if missing:
        reason = f"not read: the token lacks {', '.join(missing)}"
        found = unread_directory(reason, hint=DIRECTORY_HINT, kind=ProblemKind.PERMISSION, groups=groups)
        return dataclasses.replace(snapshot, directory=found)
    try:
        found = await collect_directory(client, snapshot.policy, extra_groups=groups, progress=progress)
    except (AuthError, UnreachableError):
        raise
    except GraphError as exc:  # licence and permission errors were already turned into ReadProblems
        reason = f"reading it failed: {exc}"
        failed.append(f"could not read the directory: {exc}")
        found = unread_directory(reason, hint="run again later", kind=ProblemKind.ERROR, groups=groups)
    return dataclasses.replace(snapshot, directory=found)


def _reason(exc: MfaguardError) -> str:
    if isinstance(exc, InputError):
        # A body whose known fields have the wrong type: judging it could give a false PASS.
        return f"Graph returned a policy mfaguard cannot trust ({exc.message})"
    return str(exc)
