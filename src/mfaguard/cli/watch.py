"""``mfaguard watch``: audit the fleet on the file's schedule until stopped (SIGTERM / Ctrl-C)."""

from __future__ import annotations

from pathlib import Path

import typer

from mfaguard.cli import app
from mfaguard.cli._common import handle_errors, stderr_console

HELP = """Audit every tenant of the fleet file on its schedule, record each run, notify new drift and (in
remediate mode) fix it. One watcher per history store: a second one refuses to start.

\b
SIGTERM or Ctrl-C stops it gracefully: the tenants being audited finish, the rest are skipped, the
lock is released (exit 0). A run missed while it was down is made up once at start.

\b
Exit codes: 0 stopped; 2 configuration error; 3 another watcher holds the store, or the store failed.
"""


@app.command("watch", help=HELP)
@handle_errors
def watch_command(
    config: Path = typer.Option(
        ..., "--config", "-c", metavar="FILE", help="The fleet file (mfaguard.yaml).", dir_okay=False
    ),
    store: str | None = typer.Option(
        None, "--store", metavar="URL", help="History store URL (default: the file's `store:`)."
    ),
    every: str | None = typer.Option(
        None, "--every", metavar="DURATION", help="Override the file's schedule with an interval (e.g. 15m)."
    ),
    concurrency: int = typer.Option(
        32, "--concurrency", min=1, max=1024, metavar="N", help="Tenants worked on at once."
    ),
    max_runs: int | None = typer.Option(None, "--max-runs", min=1, metavar="N", help="Stop after N runs."),
) -> None:
    from mfaguard.fleet.schedule import Schedule, interval, parse_schedule
    from mfaguard.fleet.session import watch_fleet

    console = stderr_console()

    def say(text: str) -> None:
        console.print(f"watch: {text}", markup=False)

    def schedule_of(file_schedule: Schedule | None) -> Schedule:
        return Schedule(every=every_interval) if every_interval is not None else parse_schedule(file_schedule)

    every_interval = None
    if every:
        from mfaguard.errors import ConfigError, bad_value

        try:
            every_interval = interval(every)
        except ConfigError as exc:
            raise bad_value("--every", every, exc.hint or "write a duration such as 15m or 12h") from None

    watch_fleet(
        config, store_url=store, schedule_of=schedule_of, concurrency=concurrency, max_runs=max_runs, say=say
    )
