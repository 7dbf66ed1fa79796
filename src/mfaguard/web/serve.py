"""``mfaguard serve`` wiring: fleet file → logins, store, actions → uvicorn (kept out of ``cli/``)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mfaguard.errors import ConfigError
from mfaguard.fleet.passwords import HASH_COMMAND

if TYPE_CHECKING:
    from fastapi import FastAPI

    from mfaguard.store import Store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


@dataclass(frozen=True, slots=True)
class Dashboard:
    app: FastAPI
    store: Store
    host: str
    port: int
    public_url: str | None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_dashboard(
    config: Path | None,
    *,
    store_url: str | None = None,
    host: str | None = None,
    port: int | None = None,
    env: Mapping[str, str] | None = None,
) -> Dashboard:
    """The app for ``mfaguard serve``; refuses (ConfigError, exit 2) when nobody could log in."""
    from mfaguard.store import open_store
    from mfaguard.web.actions import FleetActions
    from mfaguard.web.app import create_app
    from mfaguard.web.auth import DEFAULT_TOKEN_ENV, Logins, auth_settings

    environ = os.environ if env is None else env
    fleet = None
    if config is not None:
        from mfaguard.fleet.config import load_fleet_config

        fleet = load_fleet_config(config)
    dashboard = fleet.dashboard if fleet is not None else None
    # With a fleet file the logins follow it: removing, demoting or re-passwording a user takes
    # effect on the next request, no restart.
    logins = Logins.from_file(config, environ) if config is not None else Logins(auth_settings(None, environ))
    auth = logins.current()
    if not auth.configured:
        token_env = (dashboard.token_env if dashboard else None) or DEFAULT_TOKEN_ENV
        raise ConfigError(
            "no dashboard login is configured: refusing to serve the history without one",
            hint=f"add users under `dashboard: users:` in the fleet file (password_hash from "
            f"`{HASH_COMMAND}`), or export {token_env}=<a long random token>",
        )
    url = store_url or (fleet.store_url(environ) if fleet is not None else None)
    store = open_store(url)
    actions = (
        FleetActions(config, url, env=None if env is None else dict(env)) if config is not None else None
    )
    app = create_app(store, fleet, logins=logins, actions=actions, env=environ)
    bind = host or (dashboard.bind if dashboard else None) or DEFAULT_HOST
    return Dashboard(
        app=app,
        store=store,
        host=bind,
        port=port or (dashboard.port if dashboard else None) or DEFAULT_PORT,
        public_url=dashboard.public_url if dashboard else None,
    )


def run(dashboard: Dashboard, **uvicorn_options: Any) -> None:
    """Serve until interrupted. Forwarding headers are handled by the app itself, from
    ``dashboard.trusted_proxies`` only (:mod:`mfaguard.web.proxy`), so uvicorn's are off."""
    import uvicorn

    try:
        uvicorn.run(
            dashboard.app,
            host=dashboard.host,
            port=dashboard.port,
            proxy_headers=False,
            server_header=False,
            log_level="info",
            **uvicorn_options,
        )
    finally:
        dashboard.store.close()
