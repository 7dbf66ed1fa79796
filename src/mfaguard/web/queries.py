"""What the dashboard shows, read through the history store's typed methods and shaped for display.

The web layer (pages and JSON API) only calls these functions; the aggregation helpers
(:func:`trend_points`, :func:`grid_rows`, ...) are pure functions over store records, so they are
tested without a server. ``now`` is always passed in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mfaguard.model.report import Severity, Status

if TYPE_CHECKING:
    from mfaguard.store import (
        AlertRecord,
        ChangeRecord,
        CoverageRecord,
        DriftRecord,
        FindingPoint,
        FindingRecord,
        RunRecord,
        Store,
        TenantRecord,
    )

STATUS_ORDER: tuple[str, ...] = tuple(
    s.value for s in (Status.FAIL, Status.WARN, Status.ERROR, Status.PASS, Status.NOT_APPLICABLE)
)
"""Worst first: the order of legends, counts and stacked bars."""
MISSING = "NONE"
"""Grid cell of a control the tenant's newest audit did not report (never audited, or skipped)."""
TREND_DAYS = 90
SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)


@dataclass(frozen=True, slots=True)
class ControlInfo:
    """A control's metadata (from the registry; the store keeps only its id)."""

    id: str
    title: str
    severity: str
    portal: tuple[str, ...] = ()
    method: str = ""
    path: str = ""
    body: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""


def control_catalogue() -> dict[str, ControlInfo]:
    """Every registered control by id, in registry order."""
    from mfaguard.controls import CONTROLS

    return {
        c.id: ControlInfo(
            id=c.id,
            title=c.title,
            severity=c.severity.value,
            portal=tuple(c.remediation.portal),
            method=c.remediation.method,
            path=c.remediation.path,
            body=dict(c.remediation.body),
            note=c.remediation.note,
        )
        for c in CONTROLS
    }


# ---- fleet overview ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GridRow:
    tenant: str
    tags: tuple[str, ...]
    last_audit: datetime | None
    cells: tuple[str, ...]
    """One status per column of :attr:`FleetOverview.controls` (``NONE`` when not reported)."""
    counts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class FleetOverview:
    controls: tuple[ControlInfo, ...]
    rows: tuple[GridRow, ...]
    tags: tuple[str, ...]
    """Every tag of the fleet (for the filter)."""
    tag: str | None
    severity: str | None
    totals: Mapping[str, int]


def grid_rows(
    tenants: Sequence[TenantRecord],
    grid: Mapping[str, Mapping[str, str]],
    last_audits: Mapping[str, datetime],
    control_ids: Sequence[str],
    *,
    tag: str | None = None,
) -> list[GridRow]:
    """One row per tenant (optionally only those tagged ``tag``), worst first, then by name."""
    rows = []
    for tenant in tenants:
        if tag and tag not in tenant.tags:
            continue
        statuses = grid.get(tenant.name, {})
        cells = tuple(statuses.get(c, MISSING) for c in control_ids)
        rows.append(
            GridRow(
                tenant=tenant.name,
                tags=tenant.tags,
                last_audit=last_audits.get(tenant.name),
                cells=cells,
                counts=dict(Counter(cells)),
            )
        )
    rows.sort(
        key=lambda r: (
            -r.counts.get("FAIL", 0),
            -r.counts.get("ERROR", 0),
            -r.counts.get("WARN", 0),
            r.tenant,
        )
    )
    return rows


def fleet_overview(store: Store, *, tag: str | None = None, severity: str | None = None) -> FleetOverview:
    """The fleet grid: tenants × controls, coloured by the status of each tenant's newest audit.

    ``severity`` keeps the controls of that severity or higher; ``tag`` keeps the tenants tagged so.
    """
    catalogue = control_catalogue()
    grid, last = store.latest_audit_grid()
    tenants = store.list_tenants()
    known = list(catalogue.values())
    extra = sorted({c for statuses in grid.values() for c in statuses} - set(catalogue))
    known += [ControlInfo(id=c, title=c, severity="info") for c in extra]
    if severity:
        floor = Severity.parse(severity).rank
        known = [c for c in known if Severity.rank_of(c.severity) >= floor]
    rows = grid_rows(tenants, grid, last, [c.id for c in known], tag=tag)
    totals: Counter[str] = Counter()
    for row in rows:
        totals.update(row.counts)
    return FleetOverview(
        controls=tuple(known),
        rows=tuple(rows),
        tags=tuple(sorted({t for tenant in tenants for t in tenant.tags})),
        tag=tag,
        severity=severity,
        totals=dict(totals),
    )


# ---- tenant detail ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """Status counts of one audit run: a bar of the trend chart."""

    run_id: int
    at: datetime
    counts: Mapping[str, int]


def trend_points(points: Iterable[FindingPoint]) -> list[TrendPoint]:
    """Per-run status counts, oldest first (``points`` come oldest first from the store)."""
    by_run: dict[int, tuple[datetime, Counter[str]]] = {}
    for p in points:
        entry = by_run.get(p.run_id)
        if entry is None:
            entry = by_run[p.run_id] = (p.started_at, Counter())
        entry[1][p.status] += 1
    ordered = sorted(by_run.items(), key=lambda item: (item[1][0], item[0]))
    return [TrendPoint(run_id=run_id, at=at, counts=dict(c)) for run_id, (at, c) in ordered]


@dataclass(frozen=True, slots=True)
class FindingView:
    finding: FindingRecord
    control: ControlInfo | None


@dataclass(frozen=True, slots=True)
class TenantDetail:
    tenant: TenantRecord
    latest_audit: RunRecord | None
    findings: tuple[FindingView, ...]
    counts: Mapping[str, int]
    trend: tuple[TrendPoint, ...]
    drift: tuple[DriftRecord, ...]
    coverage: CoverageRecord | None
    alerts: tuple[AlertRecord, ...]
    runs: tuple[RunRecord, ...]
    changes: tuple[ChangeRecord, ...]


def _finding_order(view: FindingView) -> tuple[int, int, str]:
    status = view.finding.status
    rank = STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)
    sev = Severity.rank_of(view.finding.severity, unknown=0)
    return rank, -sev, view.finding.control_id


def finding_views(
    findings: Iterable[FindingRecord], catalogue: Mapping[str, ControlInfo]
) -> list[FindingView]:
    """Findings with their control's remediation, worst first."""
    return sorted((FindingView(f, catalogue.get(f.control_id)) for f in findings), key=_finding_order)


def tenant_detail(store: Store, name: str, *, now: datetime) -> TenantDetail | None:
    """Everything the tenant page shows (None when the store has no such tenant)."""
    tenant = store.get_tenant(name)
    if tenant is None:
        return None
    latest = store.previous_run(name, "audit")
    findings = store.findings_for_run(latest.id) if latest else []
    views = finding_views(findings, control_catalogue())
    history = store.findings_history(tenant=name, since=now - timedelta(days=TREND_DAYS))
    return TenantDetail(
        tenant=tenant,
        latest_audit=latest,
        findings=tuple(views),
        counts=dict(Counter(f.status for f in findings)),
        trend=tuple(trend_points(history)),
        drift=tuple(store.list_drift(tenant=name, limit=50)),
        coverage=store.latest_coverage(name),
        alerts=tuple(store.list_alerts(tenant=name, limit=20)),
        runs=tuple(store.list_runs(tenant=name, limit=20)),
        changes=tuple(store.list_changes(tenant=name, limit=20)),
    )


# ---- runs, changes, alerts -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunDetail:
    run: RunRecord
    findings: tuple[FindingView, ...]
    counts: Mapping[str, int]
    drift: tuple[DriftRecord, ...]
    coverage: CoverageRecord | None


def run_detail(store: Store, run_id: int) -> RunDetail | None:
    run = store.get_run(run_id)
    if run is None:
        return None
    findings = store.findings_for_run(run_id)
    coverage = next(iter(store.coverage_history(run.tenant, run_id=run_id, limit=1)), None)
    drift = store.list_drift(tenant=run.tenant, run_id=run_id, limit=None)
    return RunDetail(
        run=run,
        findings=tuple(finding_views(findings, control_catalogue())),
        counts=dict(Counter(f.status for f in findings)),
        drift=tuple(drift),
        coverage=coverage,
    )


def can_roll_back(change: ChangeRecord) -> bool:
    """A change with recorded pre-change objects that is not itself rolled back."""
    return change.status.restorable and bool(change.objects)


def timeline(alert: AlertRecord) -> list[Mapping[str, Any]]:
    """The attack timeline kept with an alert (time order), or [] for alerts stored without one."""
    entries = alert.data.get("timeline") or []
    return sorted((e for e in entries if isinstance(e, Mapping)), key=lambda e: str(e.get("time", "")))


def coverage_levels(coverage: CoverageRecord) -> list[tuple[str, int, int]]:
    """(level, users, admins) in the order of DESIGN §9, strongest first."""
    from mfaguard.model.directory import LEVELS

    names = [lvl.value for lvl in LEVELS]
    names += sorted(set(coverage.levels) - set(names))
    return [(n, int(coverage.levels.get(n, 0)), int(coverage.admins.get(n, 0))) for n in names]
