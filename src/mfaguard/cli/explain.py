"""``mfaguard explain USER``: one user's protection level with the full reason chain."""

from __future__ import annotations

from pathlib import Path

import typer

from mfaguard.cli import app
from mfaguard.cli._common import handle_errors
from mfaguard.cli._graphopts import GraphOptions, graph_options
from mfaguard.cli.coverage import load_settings, read_tenant, warn_problems, write_output
from mfaguard.model.settings import NumberMatchingMode


@app.command("explain")
@handle_errors
@graph_options
def explain_command(
    graph: GraphOptions,
    user: str = typer.Argument(..., help="The user's UPN or object id."),
    snapshot: Path | None = typer.Option(
        None, "--snapshot", help="Read an mfaguard snapshot file that holds directory data instead of Graph."
    ),
    format: str = typer.Option("text", "--format", "-f", help="text or json."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the output to this file."),
    strict: bool = typer.Option(False, "--strict", help="Exit 3 when the user's level cannot be known."),
    break_glass_group: list[str] | None = typer.Option(
        None, "--break-glass-group", help="Break-glass group id (repeatable); its membership is read too."
    ),
    config: Path | None = typer.Option(None, "--config", help="Audit config YAML."),
    number_matching: NumberMatchingMode | None = typer.Option(
        None, "--number-matching", help="service_enforced (default) or configurable.", case_sensitive=False
    ),
) -> None:
    """Why one user has the protection level they have: registered methods, the groups that include
    or exclude them (with the nesting chain), the Authenticator features that apply."""
    from mfaguard.cli._common import choice
    from mfaguard.coverage.evaluate import explain_user
    from mfaguard.errors import EXIT_UNFINISHED, InputError
    from mfaguard.formats.coverage import EXPLAIN_FORMATS

    format = choice("--format", format, EXPLAIN_FORMATS.names)
    settings = load_settings(config, break_glass_group, number_matching)
    snap = read_tenant(snapshot, graph, settings, only_user=user)
    assert snap.directory is not None
    found = snap.directory.find_user(user)
    if found is None:
        raise InputError(
            f"no user '{user}' in the directory (looked up by object id and userPrincipalName)",
            hint="check the spelling; guests' UPNs look like name_domain#EXT#@tenant.onmicrosoft.com",
        )
    explanation = explain_user(
        snap.policy, snap.directory, found, number_matching_mode=settings.number_matching
    )
    warn_problems(explanation.problems)
    write_output(EXPLAIN_FORMATS.render(format, explanation), output)
    if strict and explanation.level is None:
        raise typer.Exit(EXIT_UNFINISHED)
