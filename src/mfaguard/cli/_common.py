"""Shared plumbing for CLI commands: error handling, exit codes, consoles.

The CLI parses, wires, renders and picks the exit code; it holds no business logic. Keep this module
cheap to import (``mfaguard --help`` must start fast): heavy imports go inside command bodies.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from mfaguard.errors import EXIT_OK, EXIT_UNFINISHED, EXIT_USAGE, MfaguardError, bad_value, one_of

if TYPE_CHECKING:
    from rich.console import Console

P = ParamSpec("P")
R = TypeVar("R")


class _State:
    debug: bool = False


STATE = _State()


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def stdout_console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def fail(message: str, code: int) -> typer.Exit:
    """Print one error line on stderr and return the Exit to raise."""
    stderr_console().print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    return typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn mfaguard errors into one line and the right exit code; a bug shows a short message.

    With ``--debug`` (or ``MFAGUARD_DEBUG=1``) the traceback is printed too.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except MfaguardError as exc:
            if exc.exit_code == EXIT_OK:  # declined at a prompt: nothing changed, not a failure
                stderr_console().print(str(exc), markup=False, highlight=False)
                raise typer.Exit(EXIT_OK) from None
            if STATE.debug:
                import traceback

                traceback.print_exc(file=sys.stderr)
            raise fail(_escape(str(exc)), exc.exit_code) from None
        except KeyboardInterrupt:
            raise fail("interrupted", EXIT_UNFINISHED) from None
        except Exception as exc:  # a bug: still one line unless --debug
            if STATE.debug:
                import traceback

                traceback.print_exc(file=sys.stderr)
            raise fail(
                _escape(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"),
                EXIT_UNFINISHED,
            ) from None

    return wrapper


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def usage_error(message: str) -> typer.Exit:
    return fail(message, EXIT_USAGE)


STORE_OPTION: Any = typer.Option(
    None,
    "--store",
    envvar="MFAGUARD_STORE",
    show_envvar=True,
    help="History store URL: sqlite:///PATH or postgresql://USER@HOST/DB (default: a SQLite file in "
    "your data directory). Every live run is recorded there, and apply's pre-change JSON that rollback "
    "restores.",
    metavar="URL",
)
NO_STORE_OPTION: Any = typer.Option(
    False,
    "--no-store",
    help="Do not record this run in the history store (nor check it for unfinished changes).",
)


def record_and_warn(
    no_store: bool, store_url: str | None, tenant_id: str | None, kind: str, **kwargs: Any
) -> None:
    """Record a finished live run in the history store (after the output is written: the store is
    imported only now) and print its warnings: unfinished changes, a store that could not be written."""
    if no_store:
        return
    from mfaguard.store.history import record_run, warn_recorded

    console = stderr_console()
    recorded = record_run(store_url, tenant_id, kind, **kwargs)
    warn_recorded(recorded, lambda text: console.print(text, markup=False))


def break_glass_groups(values: list[str] | tuple[str, ...]) -> list[str]:
    """``--break-glass-group`` values, trimmed; a value that is not one id is a usage error."""
    for group in values:
        if not group.strip() or "," in group:
            raise bad_value(
                "--break-glass-group",
                group,
                "one group id per option: --break-glass-group ID1 --break-glass-group ID2",
            )
    return [g.strip() for g in values]


def choice(option: str, value: str, allowed: tuple[str, ...]) -> str:
    """``value`` (trimmed, lower-case) when it is one of ``allowed``; else the usage error every
    command words the same way (:func:`mfaguard.errors.bad_value`)."""
    normalised = value.strip().lower()
    if normalised not in allowed:
        raise bad_value(option, value, one_of(allowed))
    return normalised


def option_env(name: str) -> dict[str, Any]:
    """Keyword arguments that bind an option to an environment variable (shown in --help)."""
    return {"envvar": name, "show_envvar": True}


def bad_parameter_line(exc: typer.BadParameter) -> str:
    """A bad option value that typer itself caught (an enum, a number out of range), in the same
    wording as :func:`mfaguard.errors.bad_value` — one wording for every command."""
    import re

    param = exc.param
    opts = [o for o in getattr(param, "opts", None) or () if o.startswith("--")]
    option = max(opts, key=len) if opts else (getattr(param, "name", None) or "an option")
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    value: object = "?"
    if callable(errors):
        details = errors()
        if details and "input" in details[0]:
            value = details[0]["input"]
    message = re.sub(r"^Value error, ", "", exc.message).rstrip(".")
    listed = re.search(r"is not one of (.+)$", message)
    hint = one_of(re.findall(r"'([^']*)'", listed.group(1))) if listed else message[:1].lower() + message[1:]
    return str(bad_value(option, value if isinstance(value, str) else str(value), hint))


class ReadProgress:
    """Counts of users, registrations and groups read, on stderr when it is a terminal (``coverage``,
    ``explain``, and a live ``audit`` that reads the directory)."""

    def __init__(self) -> None:
        import sys

        self._bar = None
        self._tasks: dict[str, object] = {}
        if sys.stderr.isatty():
            from rich.progress import Progress, SpinnerColumn, TextColumn

            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}: {task.completed:,}"),
                console=stderr_console(),
            )

    def __enter__(self) -> ReadProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, part: str, count: int) -> None:
        if self._bar is None:
            return
        task = self._tasks.get(part)
        if task is None:
            task = self._tasks[part] = self._bar.add_task(f"reading {part}", total=None)
        self._bar.update(task, completed=count)  # type: ignore[arg-type]
