"""The dashboard's JSON API under ``/api/``: the same data as the pages (OpenAPI at /api/openapi.json)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from mfaguard.store import record_to_json
from mfaguard.web import queries
from mfaguard.web.app import current_principal, operator_required, perform, state_of
from mfaguard.web.auth import Principal

router = APIRouter(prefix="/api")

Json = dict[str, Any]
MAX_LIMIT = 1000
Id = Annotated[int, Path(ge=1, le=2**53, description="Row id in the history store.")]


class Me(BaseModel):
    name: str
    role: str
    csrf_token: str = Field(description="Send as X-CSRF-Token on POST (cookie sessions only).")


class FleetRow(BaseModel):
    tenant: str
    tags: list[str]
    last_audit: datetime | None
    statuses: dict[str, str] = Field(description="control ID → PASS|WARN|FAIL|ERROR|NOT_APPLICABLE|NONE")
    counts: dict[str, int]


class FleetControl(BaseModel):
    id: str
    title: str
    severity: str


class Fleet(BaseModel):
    controls: list[FleetControl]
    tenants: list[FleetRow]
    tags: list[str]
    totals: dict[str, int]


class ActionOut(BaseModel):
    ok: bool
    message: str
    run_id: int | None = None
    change_id: int | None = None


def _jsonable(value: Any) -> Any:
    from mfaguard.store._base import to_jsonable

    return to_jsonable(value)


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, principal: Principal = Depends(current_principal)) -> Json:
    schema: Json = request.app.openapi()
    return schema


@router.get("/me", response_model=Me)
def me(principal: Principal = Depends(current_principal)) -> Me:
    """Who is logged in, and the CSRF token of the session."""
    return Me(name=principal.name, role=principal.role, csrf_token=principal.csrf)


@router.get("/fleet", response_model=Fleet)
def fleet(
    request: Request,
    tag: str | None = Query(None, description="Only tenants with this tag."),
    severity: str | None = Query(
        None,
        description="Only controls of this severity or higher.",
        pattern="^(critical|high|medium|low|info)$",
    ),
    principal: Principal = Depends(current_principal),
) -> Fleet:
    """The fleet grid: each tenant's newest audit, control by control."""
    o = queries.fleet_overview(state_of(request).store, tag=tag or None, severity=severity or None)
    ids = [c.id for c in o.controls]
    return Fleet(
        controls=[FleetControl(id=c.id, title=c.title, severity=c.severity) for c in o.controls],
        tenants=[
            FleetRow(
                tenant=r.tenant,
                tags=list(r.tags),
                last_audit=r.last_audit,
                statuses=dict(zip(ids, r.cells, strict=True)),
                counts=dict(r.counts),
            )
            for r in o.rows
        ],
        tags=list(o.tags),
        totals=dict(o.totals),
    )


@router.get("/tenants")
def tenants(request: Request, principal: Principal = Depends(current_principal)) -> list[Json]:
    """Every tenant in the history store."""
    return [record_to_json(t) for t in state_of(request).store.list_tenants()]


@router.get("/tenants/{name}")
def tenant(request: Request, name: str, principal: Principal = Depends(current_principal)) -> Json:
    """A tenant's current findings (with remediation), trend, drift, coverage, alerts, runs, changes."""
    d = queries.tenant_detail(state_of(request).store, name, now=datetime.now(UTC))
    if d is None:
        raise HTTPException(404, f"no tenant {name!r}")
    return {
        "tenant": record_to_json(d.tenant),
        "latest_audit": record_to_json(d.latest_audit) if d.latest_audit else None,
        "counts": dict(d.counts),
        "findings": [
            {**record_to_json(v.finding), "remediation": _jsonable(asdict(v.control)) if v.control else None}
            for v in d.findings
        ],
        "trend": [_jsonable(asdict(p)) for p in d.trend],
        "drift": [record_to_json(x) for x in d.drift],
        "coverage": record_to_json(d.coverage) if d.coverage else None,
        "alerts": [record_to_json(a) for a in d.alerts],
        "runs": [record_to_json(r) for r in d.runs],
        "changes": [record_to_json(c) for c in d.changes],
    }


@router.get("/runs/{run_id}")
def run(request: Request, run_id: Id, principal: Principal = Depends(current_principal)) -> Json:
    """A run with its findings, the drift it found and its coverage summary."""
    d = queries.run_detail(state_of(request).store, run_id)
    if d is None:
        raise HTTPException(404, f"no run {run_id}")
    return {
        "run": record_to_json(d.run),
        "counts": dict(d.counts),
        "findings": [record_to_json(v.finding) for v in d.findings],
        "drift": [record_to_json(x) for x in d.drift],
        "coverage": record_to_json(d.coverage) if d.coverage else None,
    }


@router.get("/changes")
def changes(
    request: Request,
    tenant: str | None = Query(None),
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
    principal: Principal = Depends(current_principal),
) -> list[Json]:
    """Changes (apply, rollback, remediation), newest first."""
    found = state_of(request).store.list_changes(tenant=tenant or None, limit=limit)
    return [record_to_json(c) for c in found]


@router.get("/changes/{change_id}")
def change(request: Request, change_id: Id, principal: Principal = Depends(current_principal)) -> Json:
    """A change with every object's pre-change and post-change JSON."""
    found = state_of(request).store.get_change(change_id)
    if found is None:
        raise HTTPException(404, f"no change {change_id}")
    return record_to_json(found)


@router.post("/changes/{change_id}/rollback", response_model=ActionOut)
async def rollback(
    request: Request, change_id: Id, principal: Principal = Depends(operator_required)
) -> ActionOut:
    """Roll a change back through the safe-change path (operator; same as `mfaguard rollback --to`)."""
    store = state_of(request).store
    if store.get_change(change_id) is None:
        raise HTTPException(404, f"no change {change_id}")
    return ActionOut(**asdict(await perform(request, "rollback", store, change_id, actor=principal.name)))


@router.post("/tenants/{name}/run", response_model=ActionOut)
async def run_now(
    request: Request, name: str, principal: Principal = Depends(operator_required)
) -> ActionOut:
    """Audit one tenant now (operator; same as `mfaguard fleet audit --tenant NAME`)."""
    return ActionOut(**asdict(await perform(request, "run_now", name, actor=principal.name)))


@router.get("/alerts")
def alerts(
    request: Request,
    tenant: str | None = Query(None),
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
    principal: Principal = Depends(current_principal),
) -> list[Json]:
    """Alerts, most recent activity first."""
    return [
        record_to_json(a) for a in state_of(request).store.list_alerts(tenant=tenant or None, limit=limit)
    ]


@router.get("/alerts/{alert_id}")
def alert(request: Request, alert_id: Id, principal: Principal = Depends(current_principal)) -> Json:
    """An alert with its attack timeline."""
    found = state_of(request).store.get_alert(alert_id)
    if found is None:
        raise HTTPException(404, f"no alert {alert_id}")
    return {**record_to_json(found), "timeline": [dict(e) for e in queries.timeline(found)]}
