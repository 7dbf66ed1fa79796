"""The dashboard's FastAPI application: :func:`create_app` wires store, logins, pages and JSON API.

Everything except the login form and the static files needs a login; pages redirect to ``/login``,
``/api/`` answers 401. Every state-changing request carries the session's CSRF token (form field
``csrf_token`` or header ``X-CSRF-Token``) unless it is an API call with a bearer token. Templates
are HTML-escaped (autoescape on for every template); every response, a 500 included, carries the
security headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Depends, FastAPI, Form, Header, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from mfaguard import __version__
from mfaguard.errors import ConfigError
from mfaguard.web.auth import (
    PRELOGIN_COOKIE,
    SECRET_KEY_ENV,
    SESSION_COOKIE,
    Attempt,
    AuthSettings,
    Logins,
    LoginThrottle,
    Principal,
    SessionSigner,
    cookie_name,
    csrf_matches,
    role_of,
    signing_key,
)

if TYPE_CHECKING:
    from mfaguard.store import Store
    from mfaguard.web.actions import ActionResult, FleetActions

log = logging.getLogger("mfaguard.web")
T = TypeVar("T")

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


class LoginsUnavailable(Exception):
    """The fleet file no longer loads: every login and session is refused until it is fixed."""


class Throttled(Exception):
    """Too many failed logins for a user name (refused for ``retry_after`` seconds)."""

    def __init__(self, what: str, retry_after: int) -> None:
        super().__init__(what)
        self.what = what
        self.retry_after = retry_after


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
        logins: Logins,
        *,
        signer: SessionSigner,
        actions: FleetActions | None,
        secure_cookies: bool | None,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self.store = store
        self.logins = logins
        self.signer = signer
        self.actions = actions
        self.secure_cookies = secure_cookies
        self.throttle = throttle or LoginThrottle()
        self._logged_error: str | None = None
        self.templates = Jinja2Templates(env=template_environment())
        self.templates.env.globals["version"] = __version__
        from mfaguard.web import charts

        self.templates.env.globals["charts"] = charts

    def auth(self) -> AuthSettings:
        """The logins now (the fleet file is re-read when it changed); LoginsUnavailable when it no
        longer loads."""
        try:
            return self.logins.current()
        except ConfigError as exc:
            if str(exc) != self._logged_error:  # once per distinct problem, not per request
                self._logged_error = str(exc)
                log.error("dashboard logins refused until the fleet file loads again: %s", exc)
            raise LoginsUnavailable(str(exc)) from None


def template_environment() -> Any:
    """Jinja2 with autoescaping for every template (Starlette's default only escapes ``.html``,
    ``.htm`` and ``.xml``; the dashboard's templates are ``.html.j2``)."""
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True)


def state_of(request: Request) -> DashboardState:
    state: DashboardState = request.app.state.dashboard
    return state


def is_secure(request: Request, state: DashboardState) -> bool:
    """Cookies get ``Secure`` (and the ``__Host-`` prefix) and responses HSTS when the dashboard is
    reached over HTTPS (directly, or as a trusted proxy's ``X-Forwarded-Proto`` says) or when forced
    (``dashboard.secure_cookies``)."""
    return secure_scheme(state, request.url.scheme)


def secure_scheme(state: DashboardState, scheme: str | None) -> bool:
    """:func:`is_secure` for a bare scheme (the headers middleware has no Request)."""
    if state.secure_cookies is not None:
        return state.secure_cookies
    return scheme == "https"


def client_address(request: Request) -> str:
    """The client's address (a trusted proxy's ``X-Forwarded-For`` already applied)."""
    return request.client.host if request.client else "unknown"


async def throttled(
    request: Request, name: str | None, check: Callable[[], T], *, in_thread: bool = False
) -> T:
    """Run a credential ``check`` under the login throttle: refused (Throttled) when the user name
    is over its limit, delayed when the client's address is; a truthy result clears the record."""
    state = state_of(request)
    attempt: Attempt = state.throttle.begin(name, client_address(request))
    if attempt.refused_for:
        raise Throttled(f"too many failed logins for {name!r}", attempt.refused_for)
    if attempt.delay:
        await asyncio.sleep(attempt.delay)
    if in_thread:
        from starlette.concurrency import run_in_threadpool

        result = await run_in_threadpool(check)
    else:
        result = check()
    if result:
        state.throttle.succeeded(attempt)
    return result


def prelogin_matches(request: Request, csrf_token: str) -> bool:
    """The login form came from this dashboard: its pre-login cookie is valid and carries ``csrf_token``."""
    state = state_of(request)
    prelogin = request.cookies.get(cookie_name(PRELOGIN_COOKIE, is_secure(request, state)))
    expected = state.signer.read_prelogin(prelogin) if prelogin else None
    return expected is not None and csrf_matches(expected, csrf_token)


async def authenticate(
    request: Request, *, username: str, password: str, token: str
) -> tuple[str, str] | None:
    """Who logs in — ``(name, credential)``, the credential versioning the session — or None for a wrong
    user name, password or token. Under the login throttle (raises Throttled when over the limit)."""
    from mfaguard.web.auth import TOKEN_USER, check_password, check_token

    settings = state_of(request).auth()
    name: str | None = None
    if token:
        # A token has no per-name limit (a stranger's guesses must not lock scripts out); the
        # client's address is still slowed down after repeated failures.
        if await throttled(request, None, lambda: check_token(settings, token)):
            name = TOKEN_USER
    elif await throttled(
        request,
        username,
        lambda: bool(username and password and check_password(settings, username, password)),
        in_thread=True,  # scrypt takes ~0.4 s: off the event loop
    ):
        name = username
    credential = settings.credential_of(name) if name is not None else None
    return None if name is None or credential is None else (name, credential)


async def current_principal(request: Request) -> Principal:
    """The logged-in user (session cookie, or a bearer token on ``/api/``); raises NotAuthenticated."""
    state = state_of(request)
    settings = state.auth()
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer ") and request.url.path.startswith("/api/"):
        from mfaguard.web.auth import TOKEN_USER, check_token

        given = header[7:].strip()
        if await throttled(request, None, lambda: check_token(settings, given)):
            return Principal(TOKEN_USER, "operator", via_bearer=True)
        raise NotAuthenticated()
    cookie = request.cookies.get(cookie_name(SESSION_COOKIE, is_secure(request, state)))
    session = state.signer.read_session(cookie) if cookie else None
    if session is None:
        raise NotAuthenticated()
    name, csrf, version = session
    role = role_of(settings, name)
    credential = settings.credential_of(name)
    # A session ends when its user is removed or their password (or the token) changes.
    if (
        role is None
        or credential is None
        or not hmac.compare_digest(version, state.signer.version(credential))
    ):
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
    logins: Logins | None = None,
    actions: FleetActions | None = None,
    env: Mapping[str, str] | None = None,
    secret_key: str | None = None,
    secure_cookies: bool | None = None,
    trusted_proxies: Iterable[str] | None = None,
    throttle: LoginThrottle | None = None,
) -> FastAPI:
    """The dashboard over ``store``.

    ``config`` is the fleet file (:class:`~mfaguard.fleet.config.FleetConfig`) or its ``dashboard``
    section; its users (and the token variable it names) are the logins unless ``auth`` (fixed) or
    ``logins`` (e.g. :meth:`Logins.from_file`, re-read on change) is given. ``actions`` runs audits and
    rollbacks (None: the dashboard is read-only). ``secret_key`` signs the session cookies (default:
    ``MFAGUARD_DASHBOARD_SECRET_KEY``, else random per process, which logs everyone out on restart; at
    least 32 characters). ``secure_cookies`` forces the cookies' Secure flag (default: the config's
    ``secure_cookies``, else when the request came over HTTPS). ``trusted_proxies`` are the addresses
    whose forwarding headers are believed (default: the config's, else loopback).
    """
    from mfaguard.fleet.config import DEFAULT_TRUSTED_PROXIES
    from mfaguard.web import api, views
    from mfaguard.web.auth import auth_settings
    from mfaguard.web.proxy import ForwardedHeaders

    environ = os.environ if env is None else env
    dashboard = getattr(config, "dashboard", config)
    if logins is None:
        logins = Logins(auth if auth is not None else auth_settings(dashboard, environ))
    if secret_key is not None:
        key = signing_key(secret_key, source="the dashboard secret key")
    else:
        key = signing_key(environ.get(SECRET_KEY_ENV), source=SECRET_KEY_ENV)
    if secure_cookies is None and getattr(dashboard, "secure_cookies", False):
        secure_cookies = True
    if trusted_proxies is None:
        trusted_proxies = getattr(dashboard, "trusted_proxies", None) or DEFAULT_TRUSTED_PROXIES
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
    state = DashboardState(
        store,
        logins,
        signer=SessionSigner(key),
        actions=actions,
        secure_cookies=secure_cookies,
        throttle=throttle,
    )
    app.state.dashboard = state
    with contextlib.suppress(LoginsUnavailable):
        # The dummy hash for unknown names is built once, now: a first login with an unknown name
        # must not take longer than a wrong password (no user enumeration by timing).
        state.auth().dummy_hash()
    # Outermost first: the forwarding headers decide the client and scheme the headers layer sees.
    app.add_middleware(SecurityHeaders, state=state)
    app.add_middleware(ForwardedHeaders, trusted=trusted_proxies)

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

    @app.exception_handler(Throttled)
    async def throttled_handler(request: Request, exc: Throttled) -> Response:
        message = f"{exc.what}: try again in {exc.retry_after // 60 + 1} minute(s)"
        headers = {"Retry-After": str(exc.retry_after)}
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=429, headers=headers)
        response = views.error_page(request, 429, message)
        response.headers.update(headers)
        return response

    @app.exception_handler(LoginsUnavailable)
    async def logins_unavailable(request: Request, exc: LoginsUnavailable) -> Response:
        # The detail (file, line, key) is in the server log; the browser gets no configuration.
        message = "the dashboard's fleet file has an error, so nobody can log in until it is fixed"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=503)
        return views.error_page(request, 503, message)

    @app.exception_handler(ActionRefused)
    async def action_refused(request: Request, exc: ActionRefused) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.message}, status_code=409)
        return views.error_page(request, 409, exc.message)

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(views.router)
    app.include_router(api.router)
    return app


_INTERNAL_ERROR_PAGE = (
    b"<!doctype html><html lang=en><meta charset=utf-8><title>500 - mfaguard dashboard</title>"
    b"<link rel=stylesheet href=/static/dashboard.css><main><h1>500</h1>"
    b"<p class=error role=alert>internal error: the details are in the dashboard's log</p>"
    b'<p><a href="/">Back to the fleet</a></p></main>'
)


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` (and HSTS over HTTPS) to every response.

    It also answers an unhandled exception with a plain 500 page itself (and logs it): Starlette's
    own error handler sits outside every middleware, so its 500 would carry none of the headers.
    """

    def __init__(self, app: Any, state: DashboardState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = secure_scheme(self.state, scope.get("scheme"))
        extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        if secure:
            extra.append((b"strict-transport-security", b"max-age=31536000"))
        started = False

        async def send_with_headers(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {name.lower() for name, _ in message.get("headers", ())}
                message = {
                    **message,
                    "headers": [*message.get("headers", ()), *(h for h in extra if h[0] not in present)],
                }
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("internal error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise  # too late for an error page; the server closes the connection
            api = str(scope.get("path", "")).startswith("/api/")
            body = b'{"detail":"internal error"}' if api else _INTERNAL_ERROR_PAGE
            kind = b"application/json" if api else b"text/html; charset=utf-8"
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})
