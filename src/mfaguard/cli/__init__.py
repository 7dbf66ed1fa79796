"""The ``mfaguard`` command line (typer). Parse, wire, render, exit code; no business logic.

Each command lives in its own module under this package and registers itself on :data:`app`
when imported; the list of imports below is the registry.
"""

from __future__ import annotations

import os

import typer

from mfaguard import __version__
from mfaguard.cli._common import STATE

__all__ = ["app", "main"]

app = typer.Typer(
    name="mfaguard",
    help=(
        "Protect Microsoft Entra ID tenants against MFA fatigue (push-spam) attacks: audit the "
        "Authentication Methods Policy, change it safely, watch a fleet for drift, detect attacks.\n\n"
        "Exit codes: 0 clean; 1 a FAIL finding at or above --fail-on; 2 usage, configuration or input "
        "error; 3 the tool could not finish (auth, Graph, store) or, with --strict, an ERROR finding."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mfaguard {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and HTTP diagnostics on errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    STATE.debug = debug or os.environ.get("MFAGUARD_DEBUG") == "1"


# Command registry: one import per command module (each registers itself on `app`).
from mfaguard.cli import apply as _apply_cmd  # noqa: E402,F401
from mfaguard.cli import audit as _audit_cmd  # noqa: E402,F401
from mfaguard.cli import baseline as _baseline_cmd  # noqa: E402,F401
from mfaguard.cli import coverage as _coverage_cmd  # noqa: E402,F401
from mfaguard.cli import demo as _demo_cmd  # noqa: E402,F401
from mfaguard.cli import detect as _detect_cmd  # noqa: E402,F401
from mfaguard.cli import doctor as _doctor_cmd  # noqa: E402,F401
from mfaguard.cli import emulator as _emulator_cmd  # noqa: E402,F401
from mfaguard.cli import explain as _explain_cmd  # noqa: E402,F401
from mfaguard.cli import export as _export_cmd  # noqa: E402,F401
from mfaguard.cli import fleet as _fleet_cmd  # noqa: E402,F401
from mfaguard.cli import history as _history_cmd  # noqa: E402,F401
from mfaguard.cli import plan as _plan_cmd  # noqa: E402,F401
from mfaguard.cli import rollback as _rollback_cmd  # noqa: E402,F401
from mfaguard.cli import serve as _serve_cmd  # noqa: E402,F401
from mfaguard.cli import version as _version_cmd  # noqa: E402,F401
from mfaguard.cli import watch as _watch_cmd  # noqa: E402,F401


def main() -> None:
    """Console-script entry point.

    Runs typer in non-standalone mode only to word a bad option value that typer itself rejects
    (an enum, a number out of range) like mfaguard's own checks do; everything else is shown as
    typer would.
    """
    import sys

    from mfaguard.cli._common import _escape, bad_parameter_line, fail
    from mfaguard.errors import EXIT_USAGE

    command = typer.main.get_command(app)
    try:
        code = command.main(prog_name="mfaguard", standalone_mode=False)
    except typer.BadParameter as exc:
        if type(exc).__name__ == "MissingParameter":  # missing, not bad: typer's usage text says it best
            exc.show()
            sys.exit(exc.exit_code)
        fail(_escape(bad_parameter_line(exc)), EXIT_USAGE)
        sys.exit(EXIT_USAGE)
    except typer.TyperException as exc:
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            sys.stderr.write(f"Error: {exc.format_message()}\n")
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("Aborted!\n")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
