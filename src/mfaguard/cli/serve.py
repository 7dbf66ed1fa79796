"""``mfaguard serve``: the dashboard over the history store."""

from __future__ import annotations

from pathlib import Path

import typer

from mfaguard.cli import app
from mfaguard.cli._common import handle_errors, option_env, stderr_console


@app.command("serve")
@handle_errors
def serve_command(
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        metavar="FILE",
        dir_okay=False,
        help="The fleet file (logins, store, tenants).",
    ),
    store: str | None = typer.Option(
        None,
        "--store",
        metavar="URL",
        help="History store URL (default: the file's `store:`, else the local SQLite file).",
        **option_env("MFAGUARD_STORE"),
    ),
    host: str | None = typer.Option(
        None, "--host", help="Address to listen on (default: the file's dashboard.bind, else 127.0.0.1)."
    ),
    port: int | None = typer.Option(None, "--port", min=1, max=65535, help="Port (default 8080)."),
) -> None:
    """Serve the dashboard: fleet grid, tenant detail, trends, drift, coverage, changes, alerts.

    A login is required: users from the fleet file's `dashboard:` section (scrypt hashes; role viewer
    or operator), or a token in MFAGUARD_DASHBOARD_TOKEN (single user, operator). Binds 127.0.0.1
    unless told otherwise; put an HTTPS reverse proxy in front before exposing it.
    """
    from mfaguard.config.extras import require_extra

    require_extra("dashboard", needed_by="mfaguard serve")
    from mfaguard.web.serve import build_dashboard, is_loopback, run

    dashboard = build_dashboard(config, store_url=store, host=host, port=port)
    console = stderr_console()
    if not is_loopback(dashboard.host):
        console.print(
            f"[yellow]warning:[/] listening on {dashboard.host}, not loopback: serve it behind HTTPS "
            "(a reverse proxy) so passwords and session cookies are not sent in clear text"
        )
    console.print(
        f"mfaguard dashboard on http://{dashboard.host}:{dashboard.port}/ (store {dashboard.store.url})"
    )
    run(dashboard)
