"""What the single-tenant commands keep in the history store: one run per live ``audit``, ``plan``,
``apply``, ``rollback``, ``coverage`` and ``detect`` (DESIGN §7: every run is kept), and the warning
that a change is still unfinished.

The commands call :func:`record_run` *after* their work is done and their output written: the store
(SQLAlchemy, Alembic) is imported only then, so it never delays the answer, and a store that cannot be
written costs a warning, never the run's own result. Where: ``--store`` (or ``MFAGUARD_STORE``), else
the default SQLite file in the user's data directory; ``--no-store`` records nothing. Runs that judge a
file (``audit --snapshot``, ``detect --signins``) read no tenant and are not recorded.

The tenant is named in the store by its id (:func:`~mfaguard.enforce.journal.tenant_key`), as ``apply`` and ``rollback`` have
always named it, so a tenant's runs and changes sit together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mfaguard.enforce.journal import tenant_key
from mfaguard.errors import MfaguardError, UsageError

if TYPE_CHECKING:
    from mfaguard.audit.run import AuditOutcome
    from mfaguard.model.report import Finding
    from mfaguard.store import Store


@dataclass(frozen=True, slots=True)
class RunDetails:
    """What one run produced, for the store (each part optional)."""

    findings: Sequence[Finding] = ()
    snapshot: Mapping[str, Any] | None = None
    snapshot_captured_at: datetime | None = None
    snapshot_api_version: str | None = None
    coverage: Mapping[str, Any] | None = None
    """``save_coverage`` keyword arguments: total_users, levels, admins, below_threshold, captured_at."""
    alerts: Sequence[Mapping[str, Any]] = ()
    """Detection alerts (their JSON, each with an ``id`` used as the dedupe key)."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """Where a run went (``store``: the redacted URL), or why it was not recorded (``problem``)."""

    store: str | None
    run_id: int | None = None
    pending: tuple[str, ...] = field(default=())
    """One warning per change left unfinished for this tenant (see :func:`pending_warnings`)."""
    problem: str | None = None


def pending_warnings(store: Store, tenant: str) -> tuple[str, ...]:
    """The tenant's changes an interrupted or killed ``apply`` left ``pending``, as warnings."""
    out = []
    for change in store.pending_changes(tenant):
        paths = ", ".join(o.path.rsplit("/", 1)[-1] for o in change.objects) or "no recorded object"
        out.append(
            f"change {change.id} ({change.kind.value}, started {change.created_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"objects {paths}) did not finish and may have left the tenant half-changed; "
            f"`mfaguard rollback --to {change.id}` restores it (`mfaguard apply` offers to first)"
        )
    return tuple(out)


def record_run(
    store_url: str | None,
    tenant_id: str | None,
    kind: str,
    *,
    started_at: datetime,
    finished_at: datetime,
    status: str = "ok",
    error: str | None = None,
    summary: Mapping[str, Any] | None = None,
    details: RunDetails | None = None,
    check_pending: bool = False,
    store: Store | None = None,
) -> Recorded:
    """Record one finished run (and what it produced) in the history store; with ``check_pending``
    also say which changes of the tenant are unfinished. Never raises for the store: a store that
    cannot be opened or written is reported in ``problem``.

    ``store`` is an already open store (``apply`` and ``rollback`` have one); else ``store_url`` is
    opened and closed here.
    """
    from mfaguard.store import open_store

    tenant = tenant_key(tenant_id)
    details = details or RunDetails()
    opened: Store | None = None
    where = None
    try:
        opened = store if store is not None else open_store(store_url)
        where = opened.url
        if tenant_id:
            opened.upsert_tenant(tenant, tenant_id=tenant_id)
        run_id = opened.record_completed_run(
            tenant,
            kind,
            started_at=started_at,
            finished_at=finished_at,
            status=status,
            findings=details.findings,
            summary=summary,
            error=" ".join(error.split()) if error else None,
            trigger="cli",
        )
        if details.snapshot is not None:
            opened.save_snapshot(
                run_id,
                details.snapshot,
                captured_at=details.snapshot_captured_at,
                api_version=details.snapshot_api_version,
            )
        if details.coverage is not None:
            opened.save_coverage(run_id, **dict(details.coverage))
        if details.alerts:
            opened.save_alerts(
                tenant, [{**a, "dedupe_key": a["id"]} for a in details.alerts], run_id=run_id, at=finished_at
            )
        pending = pending_warnings(opened, tenant) if check_pending else ()
        return Recorded(where, run_id, pending)
    except MfaguardError as exc:
        return Recorded(where, problem=str(exc))
    finally:
        if opened is not None and store is None:
            opened.close()


def warn_recorded(recorded: Recorded | None, say: Any) -> None:
    """Tell the user about unfinished changes and a store that could not be written (``say(text)``)."""
    if recorded is None:
        return
    for warning in recorded.pending:
        say(f"warning: {warning}")
    if recorded.problem:
        say(f"warning: the run was not recorded in the history store: {recorded.problem}")


def audit_record(outcome: AuditOutcome) -> dict[str, Any]:
    """What the store keeps of a live audit (:func:`record_run` keyword arguments): its findings, the
    policy snapshot (the directory — every user — is coverage's to keep, in counts), what the read
    missed and the exit code."""
    report, snap = outcome.report, outcome.snapshot
    details = RunDetails(report.findings)
    if snap is not None:
        from dataclasses import replace

        from mfaguard.read.snapshot_file import snapshot_to_json

        details = RunDetails(
            report.findings,
            snapshot_to_json(replace(snap, directory=None)),
            snap.captured_at,
            snap.api_version.value,
        )
    return {
        "status": "ok" if snap is not None else "error",
        "error": "; ".join(outcome.problems) or None,
        "summary": {**report.summary(), "problems": list(outcome.problems), "exit_code": outcome.exit_code},
        "details": details,
    }


MIN_PRUNE_AGE = timedelta(days=1)
"""History younger than this is never pruned: it is cheap to keep, and a typo (``12m`` for months)
must not erase today's runs."""


def prune_cutoff(older_than: timedelta, *, now: datetime, option: str = "--older-than") -> datetime:
    """The moment before which ``store prune`` deletes history; a usage error (naming ``option``)
    for an age under :data:`MIN_PRUNE_AGE`."""
    if older_than < MIN_PRUNE_AGE:
        raise UsageError(
            f"{option} {_age(older_than)} is less than a day", hint="history is cheap; keep at least 1d"
        )
    return now - older_than


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
