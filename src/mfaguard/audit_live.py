"""A live audit: read the tenant through Graph, judge it, and say whether the read was complete.

Used by ``mfaguard audit`` (without ``--snapshot``) and ``mfaguard demo``. Honest statuses (DESIGN §1):

- the policy cannot be read (denied, licence, throttled past the budget, Graph failing, or a body
  whose fields cannot be trusted) → every control is ERROR with the reason, and the run is unfinished
  (exit 3) — a failed read never looks like "nothing to check";
- a secondary part cannot be read (the groups the policy names) → the snapshot records it in
  ``read_errors``, the controls that need it are ERROR, and the run is unfinished;
- the credential itself fails (no token, 401) → :class:`~mfaguard.errors.AuthError` is raised, and
  Graph cannot be reached at all (refused, DNS, TLS, timeout) → :class:`~mfaguard.errors.UnreachableError`:
  there is nothing to report on, so the CLI says it in one line (exit 3) instead of one ERROR row
  per control repeating the connection error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mfaguard.errors import AuthError, GraphError, InputError, MfaguardError, UnreachableError
from mfaguard.models import TenantInfo, TenantSnapshot
from mfaguard.report import AuditReport, Finding, Status

if TYPE_CHECKING:
    from mfaguard.controls.base import Control
    from mfaguard.graph.connect import GraphConnection
    from mfaguard.settings import AuditSettings


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
    **client_kwargs: Any,
) -> LiveAudit:
    """Read the tenant and audit it (see the module docstring for how failures are reported)."""
    from mfaguard.collect import collect_snapshot
    from mfaguard.controls import CONTROLS
    from mfaguard.engine import audit
    from mfaguard.graph.connect import token_tenant

    chosen = CONTROLS if controls is None else controls
    provider = connection.token_provider(env)
    tenant, _ = await token_tenant(provider, expected_tenant)
    async with connection.client(provider, env=env, **client_kwargs) as client:
        try:
            snapshot = await collect_snapshot(client, tenant=tenant, now=now)
        except (AuthError, UnreachableError):
            raise
        except (GraphError, InputError) as exc:
            reason = _reason(exc)
            report = unreadable_report(reason, tenant=tenant, controls=chosen, settings=settings, now=now)
            return LiveAudit(report, None, True, (f"the policy could not be read: {reason}",))
    report = audit(snapshot, chosen, settings=settings, now=now)
    problems = tuple(f"could not read {part}: {why}" for part, why in snapshot.read_errors.items())
    return LiveAudit(report, snapshot, bool(problems), problems)


def _reason(exc: MfaguardError) -> str:
    if isinstance(exc, InputError):
        # A body whose known fields have the wrong type: judging it could give a false PASS.
        return f"Graph returned a policy mfaguard cannot trust ({exc.message})"
    return str(exc)
