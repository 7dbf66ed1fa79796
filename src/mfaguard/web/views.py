"""The dashboard's HTML pages: thin handlers that call :mod:`mfaguard.web.queries` and render a template."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mfaguard.web import queries
from mfaguard.web.app import (
    authenticate,
    csrf_checked,
    current_principal,
    is_secure,
    operator_required,
    perform,
    prelogin_matches,
    state_of,
)
from mfaguard.web.auth import (
    PRELOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    Principal,
    cookie_name,
)

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**53)]


def render(
    request: Request, template: str, principal: Principal | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    state = state_of(request)
    return state.templates.TemplateResponse(
        request,
        template,
        {"user": principal, "can_act": state.actions is not None, **context},
        status_code=status_code,
    )


def error_page(
    request: Request, status_code: int, message: str, principal: Principal | None = None
) -> HTMLResponse:
    return render(
        request, "error.html.j2", principal, status_code=status_code, message=message, code=status_code
    )


def _now() -> datetime:
    return datetime.now(UTC)


# ---- login --------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    state = state_of(request)
    settings = state.auth()
    value, csrf = state.signer.new_prelogin()
    response = render(request, "login.html.j2", None, csrf=csrf, error=None, token_login=bool(settings.token))
    _set_cookie(request, response, PRELOGIN_COOKIE, value, max_age=3600)
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    token: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    state = state_of(request)
    if not prelogin_matches(request, csrf_token):
        return error_page(
            request, 403, "the login form expired or lacks its CSRF token: reload it and try again"
        )
    found = await authenticate(request, username=username, password=password, token=token)
    if found is None:
        settings = state.auth()
        value, csrf = state.signer.new_prelogin()
        response = render(
            request,
            "login.html.j2",
            None,
            status_code=401,
            csrf=csrf,
            error="wrong user name, password or token",
            token_login=bool(settings.token),
        )
        _set_cookie(request, response, PRELOGIN_COOKIE, value, max_age=3600)
        return response
    name, credential = found
    session, _csrf = state.signer.new_session(name, credential)
    redirect = RedirectResponse("/", status_code=303)
    _set_cookie(request, redirect, SESSION_COOKIE, session, max_age=SESSION_MAX_AGE)
    _delete_cookie(request, redirect, PRELOGIN_COOKIE)
    return redirect


@router.post("/logout")
def logout(request: Request, principal: Principal = Depends(csrf_checked)) -> Response:
    redirect = RedirectResponse("/login", status_code=303)
    _delete_cookie(request, redirect, SESSION_COOKIE)
    return redirect


def _set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int) -> None:
    secure = is_secure(request, state_of(request))
    response.set_cookie(
        cookie_name(name, secure),
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def _delete_cookie(request: Request, response: Response, name: str) -> None:
    # A __Host- cookie is only replaced by one with the same attributes (Secure, Path=/).
    secure = is_secure(request, state_of(request))
    response.delete_cookie(
        cookie_name(name, secure), path="/", secure=secure, httponly=True, samesite="strict"
    )


# ---- pages --------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def fleet_page(
    request: Request,
    tag: str | None = Query(None),
    severity: str | None = Query(None),
    principal: Principal = Depends(current_principal),
) -> Response:
    if severity and severity not in queries.SEVERITIES:
        return error_page(request, 400, f"unknown severity {severity!r}", principal)
    overview = queries.fleet_overview(state_of(request).store, tag=tag or None, severity=severity or None)
    return render(request, "fleet.html.j2", principal, overview=overview, severities=queries.SEVERITIES)


@router.get("/tenants/{name}", response_class=HTMLResponse)
def tenant_page(request: Request, name: str, principal: Principal = Depends(current_principal)) -> Response:
    detail = queries.tenant_detail(state_of(request).store, name, now=_now())
    if detail is None:
        return error_page(request, 404, f"no tenant {name!r} in the history store", principal)
    levels = queries.coverage_levels(detail.coverage) if detail.coverage else []
    return render(request, "tenant.html.j2", principal, d=detail, levels=levels)


@router.post("/tenants/{name}/run", response_class=HTMLResponse)
async def run_now(request: Request, name: str, principal: Principal = Depends(operator_required)) -> Response:
    result = await perform(request, "run_now", name, actor=principal.name)
    return render(request, "result.html.j2", principal, result=result, back=f"/tenants/{name}")


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: Id, principal: Principal = Depends(current_principal)) -> Response:
    detail = queries.run_detail(state_of(request).store, run_id)
    if detail is None:
        return error_page(request, 404, f"no run {run_id}", principal)
    return render(request, "run.html.j2", principal, d=detail)


@router.get("/changes", response_class=HTMLResponse)
def changes_page(
    request: Request, tenant: str | None = Query(None), principal: Principal = Depends(current_principal)
) -> Response:
    changes = state_of(request).store.list_changes(tenant=tenant or None, limit=200, with_objects=True)
    return render(
        request,
        "changes.html.j2",
        principal,
        changes=changes,
        tenant=tenant,
        can_roll_back=queries.can_roll_back,
    )


@router.get("/changes/{change_id}", response_class=HTMLResponse)
def change_page(
    request: Request, change_id: Id, principal: Principal = Depends(current_principal)
) -> Response:
    change = state_of(request).store.get_change(change_id)
    if change is None:
        return error_page(request, 404, f"no change {change_id}", principal)
    return render(
        request,
        "change.html.j2",
        principal,
        change=change,
        diffs=change.diffs(),
        rollbackable=queries.can_roll_back(change),
    )


@router.get("/changes/{change_id}/rollback", response_class=HTMLResponse)
def rollback_confirm(
    request: Request, change_id: Id, principal: Principal = Depends(current_principal)
) -> Response:
    change = state_of(request).store.get_change(change_id)
    if change is None:
        return error_page(request, 404, f"no change {change_id}", principal)
    if not principal.is_operator:
        return error_page(
            request, 403, f"{principal.name} is a viewer: only operators may roll back", principal
        )
    return render(request, "rollback.html.j2", principal, change=change, diffs=change.diffs())


@router.post("/changes/{change_id}/rollback", response_class=HTMLResponse)
async def rollback(
    request: Request, change_id: Id, principal: Principal = Depends(operator_required)
) -> Response:
    result = await perform(request, "rollback", state_of(request).store, change_id, actor=principal.name)
    back = f"/changes/{result.change_id}" if result.change_id else f"/changes/{change_id}"
    return render(request, "result.html.j2", principal, result=result, back=back)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request, tenant: str | None = Query(None), principal: Principal = Depends(current_principal)
) -> Response:
    alerts = state_of(request).store.list_alerts(tenant=tenant or None, limit=200)
    return render(request, "alerts.html.j2", principal, alerts=alerts, tenant=tenant)


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, alert_id: Id, principal: Principal = Depends(current_principal)) -> Response:
    alert = state_of(request).store.get_alert(alert_id)
    if alert is None:
        return error_page(request, 404, f"no alert {alert_id}", principal)
    return render(request, "alert.html.j2", principal, alert=alert, timeline=queries.timeline(alert))
