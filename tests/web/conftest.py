"""Dashboard fixtures: a seeded SQLite store, logins for a viewer and an operator, logged-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.passwords import SECRET_KEY, hashed
from tests.web.seed import seed

PASSWORDS = {"vera": "viewer-password-1", "otto": "operator-password-1"}
TOKEN = "single-user-token-0123456789abcdef"


@pytest.fixture(scope="session")
def auth() -> Any:
    from mfaguard.web.auth import AuthSettings, UserEntry

    return AuthSettings(
        users={
            "vera": UserEntry(hashed(PASSWORDS["vera"]), "viewer"),
            "otto": UserEntry(hashed(PASSWORDS["otto"]), "operator"),
        },
        token=TOKEN,
    )


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[Any, dict[str, Any]]]:
    from mfaguard.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'history.db'}")
    try:
        yield store, seed(store)
    finally:
        store.close()


@pytest.fixture
def app(seeded: tuple[Any, dict[str, Any]], auth: Any) -> Any:
    from mfaguard.web import create_app

    return create_app(seeded[0], auth=auth, secret_key=SECRET_KEY)


def login(client: Any, name: str) -> Any:
    """Log ``client`` in through the form (as a browser does); returns it."""
    import re

    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    response = client.post(
        "/login",
        data={"username": name, "password": PASSWORDS[name], "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def csrf_of(client: Any) -> str:
    token: str = client.get("/api/me").json()["csrf_token"]
    return token


@pytest.fixture
def client_for(app: Any) -> Callable[[str | None], Any]:
    from fastapi.testclient import TestClient

    def make(name: str | None = None) -> Any:
        client = TestClient(app, base_url="http://127.0.0.1")
        return login(client, name) if name else client

    return make
