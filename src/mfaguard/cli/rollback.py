"""``mfaguard rollback``: restore the state recorded before a change."""

from __future__ import annotations

from typing import Any

import typer

from mfaguard.cli import app
from mfaguard.cli._common import handle_errors
from mfaguard.cli._enforce import (
    FORMAT_OPTION,
    FORMATS,
    STORE_OPTION,
    actor,
    choice,
    interrupts,
    make_confirm,
    print_outcome,
    progress_log,
    record_outcome,
)
from mfaguard.cli._graphopts import GraphOptions, graph_options


@app.command("rollback")
@handle_errors
@graph_options
def rollback_command(
    to: int | None = typer.Option(
        None,
        "--to",
        help="Change id to undo (see `mfaguard history changes`); default: the newest one.",
        metavar="CHANGE_ID",
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask before writing."),
    overwrite_concurrent: bool = typer.Option(
        False,
        "--overwrite-concurrent",
        "--force",
        help="Restore even objects someone else edited after the change (their edits are lost). "
        "--force is the older name of this flag.",
    ),
    store_url: str | None = STORE_OPTION,
    output_format: str = FORMAT_OPTION,
    *,
    graph: GraphOptions,
) -> None:
    """Put every object a change touched back to its pre-change JSON, then re-read until verified.

    Works for changes left unfinished by a killed or interrupted process too (their pre-change JSON
    was recorded before the first write). Refuses (exit 3, nothing written) when an object was edited
    after the change, unless --overwrite-concurrent. The rollback is itself recorded as a change.
    """
    from datetime import UTC, datetime

    from mfaguard.enforce.journal import tenant_key
    from mfaguard.enforce.live import live_rollback
    from mfaguard.store import open_store

    output_format = choice("--format", output_format, FORMATS)
    from mfaguard.enforce.plan import PlanSettings

    settings = PlanSettings()  # the change's recorded number-matching mode is used
    store = open_store(store_url)
    started = datetime.now(UTC)
    try:

        async def rollback(client: Any, info: Any) -> tuple[str, Any]:
            tenant = tenant_key(info.id)
            return tenant, await live_rollback(
                client,
                tenant,
                store,
                settings,
                to=to,
                confirm=make_confirm(yes),
                force=overwrite_concurrent,
                actor=actor(),
                log=progress_log(output_format),
                interrupts=interrupts(),
            )

        tenant, outcome = graph.run(rollback)
        record_outcome(store, tenant, "rollback", started, outcome)
    finally:
        store.close()
    print_outcome(outcome, output_format, {"tenant": tenant})
    raise typer.Exit(outcome.exit_code)
