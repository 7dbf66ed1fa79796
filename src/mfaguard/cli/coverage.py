"""``mfaguard coverage``: who is actually protected, per user, and the coverage controls MFA-016..018."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mfaguard.cli import app
from mfaguard.cli._common import (
    NO_STORE_OPTION,
    STORE_OPTION,
    ReadProgress,
    handle_errors,
    record_and_warn,
    stderr_console,
)
from mfaguard.cli._graphopts import GraphOptions, graph_options
from mfaguard.model.report import Severity
from mfaguard.model.settings import NumberMatchingMode

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mfaguard.formats import RenderOptions
    from mfaguard.model.directory import Level, ReadProblem
    from mfaguard.model.policy import TenantSnapshot
    from mfaguard.model.settings import AuditSettings

LEVEL_NAMES = "phishing_resistant, push_with_context, push, otp, phone_only, none"


def load_settings(
    config: Path | None, break_glass_group: list[str] | None, number_matching: NumberMatchingMode | None
) -> AuditSettings:
    """Defaults ← the --config file ← command-line flags."""
    from mfaguard.audit.run import resolve_settings

    return resolve_settings(
        config=config, break_glass_groups=break_glass_group or (), number_matching=number_matching
    )


def read_tenant(
    snapshot: Path | None, graph: GraphOptions, settings: AuditSettings, *, only_user: str | None = None
) -> TenantSnapshot:
    """The snapshot with directory data: from a file (offline) or read live through Graph
    (``only_user``: just that user and their report row, for explain)."""
    if snapshot is not None:
        from mfaguard.read.snapshot_file import load_snapshot

        return load_snapshot(snapshot, directory=True)
    from datetime import UTC, datetime

    from mfaguard.read import tenant as read

    with ReadProgress() as progress:
        return graph.run(
            lambda client, tenant: read.read_tenant(
                client,
                tenant,
                now=datetime.now(UTC),
                directory=True,
                extra_groups=settings.break_glass_groups,
                progress=progress.update,
                only_user=only_user,
            )
        )


def render_options(output: Path | None) -> RenderOptions:
    """For standard output (a terminal's width and colours) or a file (wide, plain)."""
    import sys
    from dataclasses import replace

    from mfaguard.formats import RenderOptions

    options = RenderOptions.for_stream(sys.stdout if output is None else None)
    return options if output is None else replace(options, width=160)


def write_output(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        from mfaguard.config.files import write_text_atomic

        write_text_atomic(output, text)  # 0600: it lists who lacks strong MFA


@app.command("coverage")
@handle_errors
@graph_options
def coverage_command(
    graph: GraphOptions,
    snapshot: Path | None = typer.Option(
        None, "--snapshot", help="Judge an mfaguard snapshot file that holds directory data instead of Graph."
    ),
    format: str = typer.Option("table", "--format", "-f", help="table, json, csv or html."),
    below: str | None = typer.Option(
        None, "--below", metavar="LEVEL", help=f"List only members below this level ({LEVEL_NAMES})."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the output to this file."),
    fail_on: Severity = typer.Option(
        Severity.MEDIUM,
        "--fail-on",
        help="Exit 1 for a FAIL at or above this severity.",
        case_sensitive=False,
    ),
    strict: bool = typer.Option(False, "--strict", help="Exit 3 when a coverage control is ERROR."),
    break_glass_group: list[str] | None = typer.Option(
        None, "--break-glass-group", help="Break-glass group id (repeatable), checked by MFA-018."
    ),
    config: Path | None = typer.Option(None, "--config", help="Audit config YAML (break-glass groups, ...)."),
    number_matching: NumberMatchingMode | None = typer.Option(
        None, "--number-matching", help="service_enforced (default) or configurable.", case_sensitive=False
    ),
    store_url: str | None = STORE_OPTION,
    no_store: bool = NO_STORE_OPTION,
) -> None:
    """Who is actually protected: each enabled member's strongest usable MFA method, and why.

    Counts per level (admins split out), the members below a level, and the coverage controls
    MFA-016..018. Exits like audit over those controls.
    """
    from datetime import UTC, datetime

    from mfaguard.audit.coverage import judge_coverage
    from mfaguard.audit.engine import exit_code
    from mfaguard.cli._common import choice
    from mfaguard.formats.coverage import COVERAGE_FORMATS, CoverageDocument

    format = choice("--format", format, COVERAGE_FORMATS.names)
    threshold = parse_level(below)
    settings = load_settings(config, break_glass_group, number_matching)
    started = datetime.now(UTC)
    snap = read_tenant(snapshot, graph, settings)
    report, findings = judge_coverage(snap, settings, now=datetime.now(UTC))
    warn_problems(report.problems)
    document = CoverageDocument(report, findings.findings, threshold)
    write_output(COVERAGE_FORMATS.render(format, document, options=render_options(output)), output)
    code = exit_code(findings, fail_on=fail_on, strict=strict)
    if snapshot is None:  # a live read: keep it in the history
        from mfaguard.audit.coverage import stored_coverage
        from mfaguard.model.directory import Level
        from mfaguard.store.history import RunDetails

        now = datetime.now(UTC)
        stored = stored_coverage(report, threshold or Level.PUSH_WITH_CONTEXT, captured_at=now)
        record_and_warn(
            no_store,
            store_url,
            snap.tenant.id,
            "coverage",
            started_at=started,
            finished_at=now,
            summary={
                "users": len(report.users),
                "below": len(stored["below_threshold"]),
                "levels_known": report.levels_known,
                "exit_code": code,
            },
            details=RunDetails(findings=findings.findings, coverage=stored),
        )
    raise typer.Exit(code)


def warn_problems(problems: Sequence[ReadProblem]) -> None:
    """What could not be read, on stderr (the outputs carry it too)."""
    console = stderr_console()
    for problem in problems:
        hint = f" — {problem.hint}" if problem.hint else ""
        console.print(f"warning: could not read {problem.what}: {problem.reason}{hint}", markup=False)


def parse_level(value: str | None) -> Level | None:
    from mfaguard.cli._common import choice
    from mfaguard.model.directory import Level

    if value is None:
        return None
    return Level(choice("--below", value, tuple(level.value for level in Level)))
