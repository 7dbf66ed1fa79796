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
    with_directory: bool = typer.Option(
        False,
        "--with-directory",
        help="Also read users, the registration report and nested group members (what `mfaguard "
        "coverage` reads), so an offline audit can judge MFA-016..018. Needs AuditLog.Read.All, "
        "GroupMember.Read.All and User.Read.All.",
    ),
    break_glass_group: list[str] = typer.Option(
        [],
        "--break-glass-group",
        metavar="ID",
        help="With --with-directory: also read this group's members (MFA-018). Repeatable.",
    ),
    *,
    graph: GraphOptions,
) -> None:
    """Read the tenant's Authentication Methods Policy (and the groups it names) into a snapshot file.

    The file keeps Graph's raw bodies, so `mfaguard audit --snapshot FILE` gives the same report as a
    live audit at the time of the export — also with a newer mfaguard; with --with-directory it also
    holds what `mfaguard coverage` reads. Exit code 3 when a part could not be read (the file is still
    written and records what is missing).
    """
    import json
    from contextlib import nullcontext
    from datetime import UTC, datetime

    from mfaguard.read.snapshot_file import save_snapshot, snapshot_to_json
    from mfaguard.read.tenant import read_tenant

    console = stderr_console()
    with (
        console.status("Reading the tenant through Microsoft Graph…")
        if console.is_terminal
        else nullcontext()
    ):
        snapshot = graph.run(
            lambda client, tenant: read_tenant(
                client,
                tenant,
                now=datetime.now(UTC),
                directory=with_directory,
                extra_groups=[g.strip() for g in break_glass_group if g.strip()],
            )
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
    for problem in snapshot.problems:
        console.print(f"warning: {problem.sentence()}", markup=False)
    if snapshot.problems:  # the file is written and says what is missing; the read was not complete
        raise typer.Exit(EXIT_UNFINISHED)
