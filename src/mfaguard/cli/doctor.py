"""``mfaguard doctor``: check the endpoint, the token and what each command needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from mfaguard.cli import app
from mfaguard.cli._common import choice, handle_errors, stdout_console
from mfaguard.cli._graphopts import GraphOptions, graph_options
from mfaguard.errors import EXIT_OK, EXIT_UNFINISHED

if TYPE_CHECKING:
    from mfaguard.read.doctor import DoctorReport


@app.command("doctor")
@handle_errors
@graph_options
def doctor_command(
    output_format: str = typer.Option(
        "table", "--format", help="table or json.", metavar="FORMAT", case_sensitive=False
    ),
    *,
    graph: GraphOptions,
) -> None:
    """Check that mfaguard can reach Graph, get a token, and has what each command needs.

    Shows the endpoint, the credential, the tenant and app the token is for, each permission the
    read / write / coverage / detect commands need (✓ granted, ✗ what to grant), and live probes
    (policy, groups, sign-in logs — which also shows a missing Entra ID P1/P2 licence — and risk
    detections). Exit code 0 when `audit` will work, 3 when it will not.
    """
    import asyncio
    import json

    from mfaguard.read.doctor import run_doctor

    output_format = choice("--format", output_format, ("table", "json"))
    report = asyncio.run(run_doctor(graph.connection(), expected_tenant=graph.expected_tenant()))
    if output_format == "json":
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        _print_table(report)
    raise typer.Exit(EXIT_OK if report.can_read else EXIT_UNFINISHED)


def _print_table(report: DoctorReport) -> None:
    from rich.table import Table

    console = stdout_console()
    console.print(f"Endpoint:   {report.endpoint}", markup=False)
    console.print(f"Credential: {report.credential}", markup=False)
    table = Table(show_lines=False)
    table.add_column("")
    table.add_column("Check", overflow="fold")
    table.add_column("Area")
    table.add_column("Detail / what to do", overflow="fold")
    for check in report.checks:
        mark = "✓" if check.ok else ("?" if check.ok is None else "✗")
        text = check.detail if check.ok or not check.fix else f"{check.detail} — {check.fix}"
        table.add_row(mark, check.name, check.area, text)
    console.print(table)
    verdict = "audit will work." if report.can_read else "audit will NOT work; fix the ✗ lines above."
    console.print(verdict, markup=False)
