"""``mfaguard export``: read the tenant and save a snapshot file (re-auditable offline)."""

from __future__ import annotations

from pathlib import Path

import typer

from mfaguard.cli import app
from mfaguard.cli._common import handle_errors, stderr_console
from mfaguard.cli._graphopts import GraphOptions, graph_options
from mfaguard.errors import EXIT_UNFINISHED


@app.command("export")
@handle_errors
@graph_options
def export_command(
    output: Path = typer.Option(
        ...,
        "--output",
        "-o",
        help="Snapshot file to write ('-' for standard output). Audit it later with "
        "`mfaguard audit --snapshot FILE`.",
        metavar="FILE",
    ),
    *,
    graph: GraphOptions,
) -> None:
    """Read the tenant's Authentication Methods Policy (and the groups it names) into a snapshot file.

    The file keeps Graph's raw bodies, so `mfaguard audit --snapshot FILE` gives the same report as a
    live audit at the time of the export — also with a newer mfaguard. Exit code 3 when a part could
    not be read (the file is still written and records what is missing).
    """
    import asyncio
    import json
    from contextlib import nullcontext
    from datetime import UTC, datetime

    from mfaguard.collect import collect_live
    from mfaguard.snapshot import save_snapshot, snapshot_to_json

    console = stderr_console()
    connection = graph.connection()
    with (
        console.status("Reading the tenant through Microsoft Graph…")
        if console.is_terminal
        else nullcontext()
    ):
        snapshot = asyncio.run(
            collect_live(connection, expected_tenant=graph.expected_tenant(), now=datetime.now(UTC))
        )
    if str(output) == "-":
        typer.echo(json.dumps(snapshot_to_json(snapshot), indent=2))
    else:
        save_snapshot(snapshot, output)
        groups = len(snapshot.groups or {})
        console.print(
            f"Wrote the snapshot of tenant {snapshot.tenant.id or '(unknown)'} "
            f"({snapshot.api_version.value}, {len(snapshot.policy.configurations)} method configurations, "
            f"{groups} groups) to {output}",
            markup=False,
        )
    for part, reason in snapshot.read_errors.items():
        console.print(f"warning: could not read {part}: {reason}", markup=False)
    if snapshot.read_errors:
        raise typer.Exit(EXIT_UNFINISHED)
