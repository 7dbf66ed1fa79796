"""``mfaguard audit``: judge the Authentication Methods Policy against the control catalogue."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mfaguard.cli import app
from mfaguard.cli._common import (
    NO_STORE_OPTION,
    STORE_OPTION,
    ReadProgress,
    break_glass_groups,
    choice,
    handle_errors,
    record_and_warn,
)
from mfaguard.cli._graphopts import GraphOptions, graph_options
from mfaguard.errors import EXIT_OK
from mfaguard.model.report import Severity

if TYPE_CHECKING:
    from mfaguard.model.policy import TenantSnapshot
    from mfaguard.model.report import AuditReport
    from mfaguard.model.settings import AuditSettings


HELP = """Audit the tenant's Authentication Methods Policy against the control catalogue.

\b
Input: without --snapshot, the tenant is read live through Microsoft Graph (see the connection
options below: --graph-endpoint, --cloud, --auth, MFAGUARD_ACCESS_TOKEN, ...), with the directory
for MFA-016..018 unless --no-directory. With --snapshot FILE:
  - an mfaguard snapshot file (mfaguard export), or
  - the raw JSON body of GET https://graph.microsoft.com/beta/policies/authenticationMethodsPolicy
    as saved from Graph Explorer (a v1.0 body works too; beta-only fields then give ERROR).

\b
Formats (--format):
  table     coloured terminal table grouped by status (default)
  json      the stable audit document: schema_version, tenant, captured_at, summary, findings
  csv       one row per finding
  sarif     SARIF 2.1.0 for code-scanning tools
  junit     JUnit XML, one test case per finding, for CI test reports
  markdown  for pull-request comments
  html      one self-contained page with a chart and every finding's remediation

\b
Exit codes:
  0  no FAIL finding at or above --fail-on (WARN and ERROR do not fail the run)
  1  a FAIL finding at or above --fail-on (default medium) that no exception covers
  2  usage, configuration or input error (names the file, line and key)
  3  the tool could not finish (auth, Graph, store; a live read that missed a part — the report
     is still written, with the affected controls ERROR), or with --strict any ERROR finding

\b
Example:
  mfaguard audit --snapshot policy.json --format json --break-glass-group 5f0e... --fail-on high
"""


@app.command("audit", help=HELP)
@handle_errors
@graph_options
def audit_command(
    snapshot: Path | None = typer.Option(
        None,
        "--snapshot",
        metavar="FILE",
        help="Judge this file offline: an mfaguard snapshot or a raw Graph Explorer policy body.",
        dir_okay=False,
    ),
    output_format: str = typer.Option(
        "table",
        "--format",
        "-f",
        metavar="NAME",
        help="Output format: table, json, csv, sarif, junit, markdown, html.",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE",
        help="Write the report to this file instead of standard output.",
        dir_okay=False,
    ),
    fail_on: str = typer.Option(
        "medium",
        "--fail-on",
        metavar="SEVERITY",
        help="Exit 1 when a FAIL finding has this severity or higher: critical, high, medium, low, info.",
    ),
    strict: bool = typer.Option(False, "--strict", help="Exit 3 when any control gives ERROR."),
    break_glass_group: list[str] = typer.Option(
        [],
        "--break-glass-group",
        metavar="ID",
        help="Group id that may be excluded (MFA-014). Repeatable, one id each; adds to --config.",
    ),
    config: Path | None = typer.Option(
        None,
        "--config",
        metavar="FILE",
        help="YAML audit config: break_glass_groups, number_matching, exceptions.",
        dir_okay=False,
    ),
    number_matching: str | None = typer.Option(
        None,
        "--number-matching",
        metavar="MODE",
        help="service_enforced (default: Microsoft enforces it since 2023-05-08) or configurable.",
    ),
    store_url: str | None = STORE_OPTION,
    no_store: bool = NO_STORE_OPTION,
    directory: bool = typer.Option(
        True,
        "--directory/--no-directory",
        help="Live audits also read the directory (users, registration report, nested group members; "
        "read at Graph's pace like `coverage`) so MFA-016..018 are judged. Needs User.Read.All, "
        "GroupMember.Read.All and AuditLog.Read.All; without them those controls say so (ERROR). "
        "--no-directory skips the read (they are N/A).",
    ),
    *,
    graph: GraphOptions,
) -> None:
    from mfaguard.formats.audit import AUDIT_FORMATS
    from mfaguard.model.settings import NumberMatchingMode

    fmt = AUDIT_FORMATS.get(choice("--format", output_format, AUDIT_FORMATS.names))
    threshold = Severity.parse(fail_on, option="--fail-on")
    mode = (
        choice("--number-matching", number_matching, tuple(NumberMatchingMode)) if number_matching else None
    )
    from mfaguard.audit.run import resolve_settings

    settings = resolve_settings(
        config=config,
        break_glass_groups=break_glass_groups(break_glass_group),
        number_matching=NumberMatchingMode(mode) if mode else None,
    )
    if snapshot is None:
        code = _live(graph, settings, fmt.name, output, threshold, strict, store_url, no_store, directory)
        if code != EXIT_OK:
            raise typer.Exit(code)
        return
    from mfaguard.read.snapshot_file import load_snapshot

    code = finish(
        load_snapshot(snapshot),
        settings=settings,
        output_format=fmt.name,
        output=output,
        fail_on=threshold,
        strict=strict,
        source_uri=str(snapshot),
    )
    if code != EXIT_OK:
        raise typer.Exit(code)


def _live(
    graph: GraphOptions,
    settings: AuditSettings,
    output_format: str,
    output: Path | None,
    fail_on: Severity,
    strict: bool,
    store_url: str | None,
    no_store: bool,
    directory: bool,
) -> int:
    """Read the tenant through Graph, judge and emit; then record the run in the history store and
    warn about unfinished changes."""
    from contextlib import nullcontext
    from datetime import UTC, datetime

    from mfaguard.audit.run import run_live_audit
    from mfaguard.cli._common import stderr_console
    from mfaguard.store.history import audit_record

    console = stderr_console()
    started = datetime.now(UTC)
    # Progress on stderr only for people at a terminal; pipes and CI logs stay clean. Reading the
    # directory of a large tenant takes minutes (the registration report is paced): show counts.
    with (
        ReadProgress()
        if directory
        else (
            console.status("Reading the tenant through Microsoft Graph…")
            if console.is_terminal
            else nullcontext()
        )
    ) as progress:
        outcome = graph.run(
            lambda client, tenant: run_live_audit(
                client,
                tenant,
                settings=settings,
                now=datetime.now(UTC),
                fail_on=fail_on,
                strict=strict,
                directory=directory,
                progress=progress.update if isinstance(progress, ReadProgress) else None,
            )
        )
    emit(outcome.report, output_format=output_format, output=output, source_uri=None)
    _exception_notes(outcome.report, settings)
    for problem in outcome.problems:
        console.print(f"warning: {problem}", markup=False)
    record_and_warn(
        no_store,
        store_url,
        outcome.report.tenant_id,
        "audit",
        started_at=started,
        finished_at=datetime.now(UTC),
        check_pending=True,
        **audit_record(outcome),
    )
    return outcome.exit_code


def finish(
    snapshot: TenantSnapshot,
    *,
    settings: AuditSettings,
    output_format: str,
    output: Path | None,
    fail_on: Severity,
    strict: bool,
    source_uri: str | None = None,
) -> int:
    """Judge ``snapshot``, render the report, write it and return the exit code.

    The live audit path calls this with a snapshot read from Graph.
    """
    from datetime import UTC, datetime

    from mfaguard.audit.run import run_audit

    outcome = run_audit(snapshot, settings=settings, now=datetime.now(UTC), fail_on=fail_on, strict=strict)
    emit(outcome.report, output_format=output_format, output=output, source_uri=source_uri)
    _exception_notes(outcome.report, settings)
    return outcome.exit_code


def _exception_notes(report: AuditReport, settings: AuditSettings) -> None:
    """Tell the owner about expired exceptions and ones that cover nothing (stderr; never fails the run)."""
    from datetime import UTC, datetime

    from mfaguard.audit.engine import exception_notes

    now = report.generated_at or datetime.now(UTC)
    for note in exception_notes(report, settings.exceptions, now.astimezone(UTC).date()):
        sys.stderr.write(f"note: {note}\n")


def emit(report: AuditReport, *, output_format: str, output: Path | None, source_uri: str | None) -> None:
    """Render ``report`` and write it to ``output`` (atomically) or standard output."""
    from mfaguard.formats import RenderOptions
    from mfaguard.formats.audit import AUDIT_FORMATS

    options = RenderOptions.for_stream(sys.stdout if output is None else None, source_uri=source_uri)
    text = AUDIT_FORMATS.render(output_format, report, options=options)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        from mfaguard.config.files import write_text_atomic

        write_text_atomic(output, text)
        from mfaguard.formats._common import tally

        counts = ", ".join(tally(report.findings)[:4])
        sys.stderr.write(f"wrote the {output_format} report to {output} ({counts})\n")
