"""Every page and API route refuses a request without a login (walks the app's route table)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Mount

from mfaguard.web.app import PUBLIC_PATHS
from tests.passwords import SECRET_KEY


def _concrete(path: str) -> str:
    # Path parameters get a plausible value (ids exist in the seeded store; names too).
    return re.sub(r"\{[^}]+\}", "1", path)


def _routes(routes: list[Any]) -> list[Any]:
    """The app's routes, with included routers flattened (FastAPI may keep them as one entry)."""
    flat = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        flat.extend(_routes(inner.routes) if inner is not None else [route])
    return flat


def test_every_route_requires_a_login(app: Any, client_for: Any) -> None:
    client = client_for(None)
    checked = 0
    for route in _routes(app.routes):
        if isinstance(route, Mount):
            assert route.path == "/static", f"unexpected mount {route.path}"
            continue
        assert isinstance(route, APIRoute), route
        if route.path == "/login":
            continue
        assert not route.path.startswith(PUBLIC_PATHS), route.path
        for method in sorted(route.methods):
            response = client.request(method, _concrete(route.path), follow_redirects=False)
            if route.path.startswith("/api/"):
                assert response.status_code == 401, (method, route.path, response.status_code)
                assert response.json() == {"detail": "login required"}
            else:
                assert response.status_code == 303, (method, route.path, response.status_code)
                assert response.headers["location"] == "/login"
            checked += 1
    assert checked >= 20  # the table really was walked


def test_a_forged_or_expired_cookie_is_not_a_login(app: Any, client_for: Any) -> None:
    from mfaguard.web.auth import SESSION_COOKIE, SessionSigner

    client = client_for(None)
    otto = app.state.dashboard.auth().credential_of("otto")
    forged, _ = SessionSigner("another-key-0123456789abcdef-0123").new_session("otto", otto)
    client.cookies.set(SESSION_COOKIE, forged)
    assert client.get("/api/me").status_code == 401
    # A valid signature for a user no longer in the config is not a login either.
    removed, _ = SessionSigner(SECRET_KEY).new_session("ghost", otto)
    client.cookies.set(SESSION_COOKIE, removed)
    assert client.get("/api/me").status_code == 401


def test_static_files_hold_no_data(client_for: Any) -> None:
    client = client_for(None)
    assert client.get("/static/dashboard.css").status_code == 200
    assert client.get("/static/dashboard.js").status_code == 200
