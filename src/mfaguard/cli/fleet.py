"""``mfaguard fleet audit|plan|apply|coverage|detect``: one operation over the tenants of a fleet file."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mfaguard.cli import app
from mfaguard.cli._common import choice, handle_errors, stderr_console
from mfaguard.errors import UsageError
from mfaguard.model.report import Severity

if TYPE_CHECKING:
    from mfaguard.fleet.runner import FleetOutcome

fleet_app = typer.Typer(
    name="fleet",
    help="Run audit, plan, apply, coverage or detect over every tenant of a fleet file (mfaguard.yaml).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(fleet_app, name="fleet")


EXIT_HELP = """
\b
Exit codes:
  0  every tenant read, no FAIL at or above --fail-on
  1  a tenant has a FAIL finding at or above --fail-on (default medium) that no exception covers
  2  usage or configuration error (the fleet file's line and key are named)
  3  a tenant could not be read (credential, permission, Graph) or changed; the others still ran
"""

CONFIG = typer.Option(
    ..., "--config", "-c", metavar="FILE", help="The fleet file (mfaguard.yaml).", dir_okay=False
)
TENANT = typer.Option([], "--tenant", metavar="NAME", help="Only this tenant (repeatable).")
TAG = typer.Option([], "--tag", metavar="TAG", help="Only tenants with this tag (repeatable).")
CONCURRENCY = typer.Option(
    32, "--concurrency", min=1, max=1024, metavar="N", help="Tenants worked on at once."
)
FAIL_ON = typer.Option(
    "medium", "--fail-on", metavar="SEVERITY", help="Exit 1 for a FAIL at this severity or higher."
)
STORE = typer.Option(
    None,
    "--store",
    metavar="URL",
    help="History store URL (default: the file's `store:`, else a local SQLite file).",
)
OUTPUT = typer.Option(
    None, "--output", "-o", metavar="FILE", help="Write the document to FILE.", dir_okay=False
)


def _progress_callbacks(total: int) -> tuple[Any, Any]:
    """A rich progress bar on stderr when it is a terminal (else nothing)."""
    console = stderr_console()
    if not console.is_terminal or total == 0:
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("[bold]fleet[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("", total=total)
    errors = [0]

    def update(event: str, tenant: Any, outcome: Any) -> None:
        if event == "done":
            if outcome is not None and outcome.status == "error":
                errors[0] += 1
            progress.update(task, advance=1, description=f"{tenant.name}  (errors: {errors[0]})")

    return progress, update


def run(
    operation: str,
    *,
    config: Path,
    tenant: list[str],
    tag: list[str],
    concurrency: int | None,
    fail_on: str,
    store: str | None,
    output_format: str,
    output: Path | None,
    options: Mapping[str, Any] | None = None,
) -> None:
    """The one body of the fleet commands: check the options, run, render, summarise on stderr, exit."""
    from contextlib import nullcontext

    from mfaguard.fleet.load import load_fleet
    from mfaguard.fleet.model import select_tenants
    from mfaguard.fleet.render import OPERATION_FORMATS
    from mfaguard.fleet.runner import Operation
    from mfaguard.fleet.session import FleetRequest, execute
    from mfaguard.formats import RenderOptions
    from mfaguard.formats.fleet import FLEET_FORMATS

    op = Operation(operation)
    if op is Operation.AUDIT:
        FLEET_FORMATS.get(output_format)  # unknown format → usage error before any work
    else:
        output_format = choice("--format", output_format, OPERATION_FORMATS)
    threshold = Severity.parse(fail_on, option="--fail-on")
    total = len(select_tenants(load_fleet(config).tenants, names=tenant, tags=tag))
    progress, callback = _progress_callbacks(total)
    request = FleetRequest(
        config=config,
        operation=op,
        names=tuple(tenant),
        tags=tuple(tag),
        store_url=store,
        concurrency=concurrency,
        fail_on=threshold,
        options=options,
    )
    with progress if progress is not None else nullcontext():
        outcome = execute(request, progress=callback)
    _emit(outcome, output_format, output, RenderOptions)
    raise typer.Exit(outcome.exit_code)


def fleet_command(
    operation: str, *, formats: str = "table or json.", fail_on: Any = None
) -> Callable[[Callable[..., Mapping[str, Any] | None]], Callable[..., None]]:
    """Give a fleet command the options every one of them has (``--config``, ``--tenant``, ``--tag``,
    ``--format``, ``--output``, ``--concurrency``, ``--store`` and, when ``fail_on`` is an option,
    ``--fail-on``) and run it through :func:`run`. The command itself takes only its own options and
    returns the operation's options (or None)."""

    def decorate(func: Callable[..., Mapping[str, Any] | None]) -> Callable[..., None]:
        shared = [
            ("config", Path, CONFIG),
            ("tenant", list[str], TENANT),
            ("tag", list[str], TAG),
        ]
        after = [
            ("output_format", str, typer.Option("table", "--format", "-f", metavar="NAME", help=formats)),
            ("output", Path | None, OUTPUT),
            ("concurrency", int | None, CONCURRENCY),
            *([("fail_on", str, fail_on)] if fail_on is not None else []),
            ("store", str | None, STORE),
        ]
        own = list(inspect.signature(func, eval_str=True).parameters.values())

        def param(name: str, annotation: Any, default: Any) -> inspect.Parameter:
            return inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
            )

        parameters = [param(*p) for p in shared] + [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own
        ]
        parameters += [param(*p) for p in after]
        names = {name for name, _, _ in (*shared, *after)}

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> None:
            common = {name: kwargs.pop(name) for name in names}
            run(operation, fail_on=common.pop("fail_on", "medium"), options=func(**kwargs), **common)

        wrapper.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper

    return decorate


def _emit(outcome: FleetOutcome, output_format: str, output: Path | None, options_cls: Any) -> None:
    from mfaguard.fleet.render import render_outcome, summary_table

    options = options_cls.for_stream(sys.stdout if output is None else None)
    text = render_outcome(outcome, output_format, options=options)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        from mfaguard.config.files import write_text_atomic

        write_text_atomic(output, text)
        stderr_console().print(f"wrote the {output_format} document to {output}", markup=False)
    # The summary (drift, notifications, remediation, errors) goes to stderr, except when the table
    # on stdout already is it (non-audit operations).
    if output_format != "table" or outcome.operation.value == "audit" or output is not None:
        summary_table(stderr_console(), outcome)


@fleet_app.command("audit", help="Audit every tenant; record the runs, drift and notifications." + EXIT_HELP)
@handle_errors
@fleet_command("audit", formats="table, json, csv, sarif, junit, markdown, html.", fail_on=FAIL_ON)
def fleet_audit() -> None:
    return None


@fleet_app.command(
    "plan", help="What `fleet apply` would change in each tenant (its baseline). Writes nothing."
)
@handle_errors
@fleet_command("plan")
def fleet_plan() -> None:
    return None


@fleet_app.command(
    "apply",
    help="Apply each tenant's baseline through the safe-change path (pilot group from the file, lock-out "
    "guard, verify, undo on failure). Needs --yes.",
)
@handle_errors
@fleet_command("apply")
def fleet_apply(
    yes: bool = typer.Option(
        False, "--yes", help="Apply without asking (required: there is no per-tenant prompt)."
    ),
    force: bool = typer.Option(False, "--force", help="Apply even when the lock-out guard objects."),
    no_pilot: bool = typer.Option(
        False, "--no-pilot", help="Ignore the file's pilot_group: widen every change to everyone."
    ),
) -> Mapping[str, Any]:
    if not yes:
        raise UsageError(
            "fleet apply changes tenants and does not ask per tenant",
            hint="review `mfaguard fleet plan` first, then add --yes",
        )
    return {"force": force, "pilot": not no_pilot}


@fleet_app.command(
    "coverage", help="Per-user MFA protection levels in every tenant (stored as coverage summaries)."
)
@handle_errors
@fleet_command("coverage", fail_on=FAIL_ON)
def fleet_coverage(
    below: str | None = typer.Option(
        None, "--below", metavar="LEVEL", help="Threshold for the users listed."
    ),
) -> Mapping[str, Any]:
    from mfaguard.model.directory import Level

    if below is not None:
        below = choice("--below", below, tuple(level.value for level in Level))
    return {"below": below}


@fleet_app.command(
    "detect", help="Push-spam detections over every tenant's sign-ins; new alerts notified once."
)
@handle_errors
@fleet_command(
    "detect",
    fail_on=typer.Option("high", "--fail-on", metavar="SEVERITY", help="Exit 1 for an alert this severe."),
)
def fleet_detect(
    since: str = typer.Option(
        "24h", "--since", metavar="DURATION", help="How far back to look (e.g. 24h, 7d)."
    ),
) -> Mapping[str, Any]:
    from mfaguard.fleet.schedule import interval

    return {"since": interval(since)}
