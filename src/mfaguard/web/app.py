"""The dashboard's FastAPI application: :func:`create_app` wires store, logins, pages and JSON API.

Everything except the login form and the static files needs a login; pages redirect to ``/login``,
``/api/`` answers 401. Every state-changing request carries the session's CSRF token (form field
``csrf_token`` or header ``X-CSRF-Token``) unless it is an API call with a bearer token.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, Form, Header, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from mfaguard import __version__
from mfaguard.web.auth import (
    SECRET_KEY_ENV,
    SESSION_COOKIE,
    AuthSettings,
    LoginThrottle,
    Principal,
    SessionSigner,
    csrf_matches,
    role_of,
)

if TYPE_CHECKING:
    from mfaguard.store import Store
    from mfaguard.web.actions import ActionResult, FleetActions

HERE = Path(__file__).parent
PUBLIC_PATHS = ("/login", "/static/")
"""Reachable without a login (the form itself and CSS/JS, which hold no data)."""

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}


class NotAuthenticated(Exception):
    """No valid session or bearer token."""


class Forbidden(Exception):
    """Logged in, but not allowed (a viewer asking to change something, or no CSRF token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ActionRefused(Exception):
    """An operator action that could not run (read-only dashboard, unknown tenant, refused change)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


READ_ONLY = "this dashboard was started read-only (no fleet file): use the CLI, or serve with --config"


async def perform(request: Request, action: str, *args: Any, actor: str) -> ActionResult:
    """Run ``actions.<action>(*args, actor=...)`` on a worker thread (the fleet runner and the
    safe-change path drive their own event loop); errors become :class:`ActionRefused`."""
    from starlette.concurrency import run_in_threadpool

    from mfaguard.errors import MfaguardError

    actions = state_of(request).actions
    if actions is None:
        raise ActionRefused(READ_ONLY)
    try:
        result: ActionResult = await run_in_threadpool(getattr(actions, action), *args, actor=actor)
    except MfaguardError as exc:
        hint = f" — {exc.hint}" if getattr(exc, "hint", None) else ""
        raise ActionRefused(" ".join(f"{exc.message}{hint}".split())) from exc
    return result


class DashboardState:
    """What every request handler needs (kept on ``app.state.dashboard``)."""

    def __init__(
        self,
        store: Store,
        auth: AuthSettings,
        *,
        signer: SessionSigner,
        actions: FleetActions | None,
        secure_cookies: bool | None,
    ) -> None:
        self.store = store
        self.auth = auth
        self.signer = signer
        self.actions = actions
        self.secure_cookies = secure_cookies
        self.throttle = LoginThrottle()
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals["version"] = __version__
        from mfaguard.web import charts

        self.templates.env.globals["charts"] = charts


def state_of(request: Request) -> DashboardState:
    state: DashboardState = request.app.state.dashboard
    return state


def is_secure(request: Request, state: DashboardState) -> bool:
    """Cookies get ``Secure`` when the dashboard is reached over HTTPS (directly, or through a proxy
    uvicorn trusts for ``X-Forwarded-Proto``) or when forced by the caller."""
    if state.secure_cookies is not None:
        return state.secure_cookies
    return request.url.scheme == "https"


def current_principal(request: Request) -> Principal:
    """The logged-in user (session cookie, or a bearer token on ``/api/``); raises NotAuthenticated."""
    state = state_of(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer ") and request.url.path.startswith("/api/"):
        from mfaguard.web.auth import TOKEN_USER, check_token

        if check_token(state.auth, header[7:].strip()):
            return Principal(TOKEN_USER, "operator", via_bearer=True)
        raise NotAuthenticated()
    cookie = request.cookies.get(SESSION_COOKIE)
    session = state.signer.read_session(cookie) if cookie else None
    if session is None:
        raise NotAuthenticated()
    name, csrf = session
    role = role_of(state.auth, name)
    if role is None:
        raise NotAuthenticated()
    return Principal(name, role, csrf=csrf)


def csrf_checked(
    request: Request,
    principal: Principal = Depends(current_principal),
    csrf_token: str | None = Form(None, include_in_schema=False),
    x_csrf_token: str | None = Header(None, include_in_schema=False),
) -> Principal:
    """A state-changing request: the session's CSRF token must come with it (form or header)."""
    if principal.via_bearer:
        return principal
    if not csrf_matches(principal.csrf, csrf_token or x_csrf_token):
        raise Forbidden("missing or wrong CSRF token: reload the page and try again")
    return principal


def operator_required(principal: Principal = Depends(csrf_checked)) -> Principal:
    """Only operators may roll back or run audits."""
    if not principal.is_operator:
        raise Forbidden(f"{principal.name} is a viewer: only operators may change tenants or start runs")
    return principal


def create_app(
    store: Store,
    config: Any | None = None,
    *,
    auth: AuthSettings | None = None,
    actions: FleetActions | None = None,
    env: Mapping[str, str] | None = None,
    secret_key: str | None = None,
    secure_cookies: bool | None = None,
) -> FastAPI:
    """The dashboard over ``store``.

    ``config`` is the fleet file (:class:`~mfaguard.fleet.config.FleetConfig`) or its ``dashboard``
    section; its users (and the token variable it names) are the logins unless ``auth`` is given.
    ``actions`` runs audits and rollbacks (None: the dashboard is read-only). ``secret_key`` signs the
    session cookies (default: ``MFAGUARD_DASHBOARD_SECRET_KEY``, else random per process, which logs
    everyone out on restart). ``secure_cookies`` forces the cookies' Secure flag (default: when the
    request came over HTTPS).
    """
    from mfaguard.web import api, views
    from mfaguard.web.auth import auth_settings

    environ = os.environ if env is None else env
    if auth is None:
        dashboard = getattr(config, "dashboard", config)
        auth = auth_settings(dashboard, environ)
    key = secret_key or environ.get(SECRET_KEY_ENV) or secrets.token_urlsafe(32)
    app = FastAPI(
        title="mfaguard dashboard API",
        version=__version__,
        description="The fleet's audits, drift, coverage, changes and alerts from the mfaguard history "
        "store. Authenticate with the dashboard's session cookie (and X-CSRF-Token on POST) or "
        "`Authorization: Bearer <token>` (MFAGUARD_DASHBOARD_TOKEN).",
        docs_url=None,  # Swagger UI loads from a CDN; the schema is at /api/openapi.json
        redoc_url=None,
        openapi_url=None,
    )
    app.state.dashboard = DashboardState(
        store, auth, signer=SessionSigner(key), actions=actions, secure_cookies=secure_cookies
    )

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if is_secure(request, state_of(request)):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"detail": "login required"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.reason}, status_code=403)
        return views.error_page(request, 403, exc.reason)

    @app.exception_handler(ActionRefused)
    async def action_refused(request: Request, exc: ActionRefused) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.message}, status_code=409)
        return views.error_page(request, 409, exc.message)

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(views.router)
    app.include_router(api.router)
    return app
