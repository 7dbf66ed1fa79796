"""Pytest fixtures for the Graph + Entra emulator (registered from tests/conftest.py).

- ``emulator``: an in-process :class:`~mfaguard.emulator.Emulator` (scenario ``weak``); its
  ``asgi_app`` plugs into ``httpx.ASGITransport``. :func:`graph_client` builds such a client.
- ``emulator_factory``: build more in-process emulators (``emulator_factory("compliant", tenants=3)``).
- ``emulator_server``: the ``weak`` emulator served over HTTPS on 127.0.0.1 (a
  :class:`~mfaguard.emulator.RunningEmulator`: ``graph_endpoint``, ``ca_path``, ``env()``, ``emulator``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mfaguard.emulator import Emulator, RunningEmulator, running_emulator


def graph_client(
    emu: Emulator,
    *,
    roles: Iterable[str] | None = None,
    tenant: str | None = None,
    token: str | None = None,
    base_url: str = "https://graph.emulator.test",
) -> httpx.AsyncClient:
    """An httpx client wired to ``emu`` in-process, carrying a bearer token for ``roles``."""
    bearer = token if token is not None else emu.issue_token(tenant, roles)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emu.asgi_app),
        base_url=base_url,
        headers={"Authorization": f"Bearer {bearer}"} if bearer else {},
    )


@pytest.fixture
def emulator() -> Emulator:
    """An in-process emulator with one tenant from the ``weak`` scenario."""
    return Emulator("weak")


@pytest.fixture
def emulator_factory() -> Callable[..., Emulator]:
    """Build emulators: ``emulator_factory("compliant", tenants=3, clock=...)``."""

    def make(scenarios: Any = "weak", **kwargs: Any) -> Emulator:
        return Emulator(scenarios, **kwargs)

    return make


@pytest.fixture
def emulator_server(tmp_path: Path) -> Iterator[RunningEmulator]:
    """The ``weak`` emulator over HTTPS on a free 127.0.0.1 port (CA in ``tmp_path``)."""
    with running_emulator(Emulator("weak"), cert_dir=tmp_path / "emulator-tls") as server:
        yield server
