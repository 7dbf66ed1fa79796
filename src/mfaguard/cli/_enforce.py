"""Shared options and rendering of ``plan``, ``apply`` and ``rollback`` (no logic: parse and render)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mfaguard.cli._common import STORE_OPTION, choice, stderr_console, stdout_console
from mfaguard.cli._common import break_glass_groups as checked_groups
from mfaguard.enforce.values import format_value
from mfaguard.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from mfaguard.enforce.apply import ApplyOutcome
    from mfaguard.enforce.lockout import LockoutVerdict
    from mfaguard.enforce.plan import Plan, PlanSettings
    from mfaguard.model.settings import AuditSettings

FORMATS = ("table", "json")

BASELINE_OPTION = typer.Option(
    ...,
    "--baseline",
    "-b",
    help="Built-in baseline (recommended, cisa-scuba, cis-l1) or a baseline YAML file.",
    metavar="NAME|FILE",
)
PILOT_OPTION = typer.Option(
    None,
    "--pilot-group",
    help="Apply each change to this group only (object id). Apply again without it to widen to everyone.",
    metavar="GROUP_ID",
)
FORMAT_OPTION = typer.Option("table", "--format", "-f", help="table or json.")
NUMBER_MATCHING_OPTION = typer.Option(
    None,
    "--number-matching",
    help="service_enforced (default; number matching is never written) or configurable (a pre-2023 "
    "tenant where it is still a setting).",
)
CONFIG_OPTION = typer.Option(
    None, "--config", help="YAML audit config (its number_matching is used).", metavar="FILE"
)


__all__ = ["STORE_OPTION", "choice"]  # re-exported: plan, apply and rollback import them from here


def plan_settings(
    pilot_group: str | None,
    number_matching: str | None,
    config: Path | None,
    break_glass_groups: Sequence[str] = (),
) -> PlanSettings:
    """Settings from --pilot-group, --number-matching, --break-glass-group and the audit --config
    (flags win; break-glass groups add up)."""
    return enforce_settings(pilot_group, number_matching, config, break_glass_groups)[0]


def enforce_settings(
    pilot_group: str | None,
    number_matching: str | None,
    config: Path | None,
    break_glass_groups: Sequence[str] = (),
) -> tuple[PlanSettings, AuditSettings]:
    """The option values checked; the planner's settings and the audit settings they come from are
    :func:`mfaguard.enforce.session.enforce_settings`'s."""
    from mfaguard.enforce.session import enforce_settings as resolve
    from mfaguard.model.settings import NumberMatchingMode

    mode = (
        choice("--number-matching", number_matching, tuple(NumberMatchingMode)) if number_matching else None
    )
    return resolve(
        pilot_group=pilot_group,
        number_matching=NumberMatchingMode(mode) if mode else None,
        config=config,
        break_glass_groups=checked_groups(list(break_glass_groups)),
    )


BREAK_GLASS_OPTION = typer.Option(
    [],
    "--break-glass-group",
    metavar="ID",
    help="A break-glass group that may stay excluded (baseline `exclusions: break_glass_only`, MFA-014). "
    "Repeatable, one id each; adds to --config.",
)


def print_plan(p: Plan, *, tenant: str | None, to_stderr: bool = False) -> None:
    """The plan as a table: one row per change, grouped by the Graph object it PATCHes."""
    from rich.table import Table

    console = stderr_console() if to_stderr else stdout_console()
    where = f" for tenant {tenant}" if tenant else ""
    pilot = f", pilot group {p.settings.pilot_group}" if p.settings.pilot_group else ""
    if p.empty:
        console.print(
            f"No changes{where}: the tenant already matches baseline {p.baseline}{pilot}.", markup=False
        )
    else:
        table = Table(title=f"Plan: baseline {p.baseline}{where}{pilot}", title_justify="left")
        for column in ("Object", "Field", "Before", "After", "Control"):
            table.add_column(column, overflow="fold")
        for obj in p.objects:
            for index, change in enumerate(obj.changes):
                table.add_row(
                    f"PATCH {obj.object_id}" if index == 0 else "",
                    change.field,
                    format_value(change.before),
                    format_value(change.after),
                    change.control_id or "",
                )
            table.add_section()
        console.print(table)
        console.print(
            f"{len(p.changes)} change(s) to {len(p.objects)} object(s). "
            "`--format json` shows the exact PATCH body of each.",
            markup=False,
        )
    for note in p.notes:
        console.print(f"note: {note}", markup=False)


def print_lockout(verdict: LockoutVerdict | None, *, to_stderr: bool = False) -> None:
    if verdict is None:
        return
    console = stderr_console() if to_stderr else stdout_console()
    if not verdict.checked:
        console.print(f"lock-out guard: could not check ({verdict.reason})", markup=False)
    elif verdict.users:
        console.print(
            f"lock-out guard: {len(verdict.users)} user(s) would have no usable MFA method:", markup=False
        )
        for upn, why in verdict.users[:50]:
            console.print(f"  {upn}: {why}", markup=False)
        if len(verdict.users) > 50:
            console.print(
                f"  … and {len(verdict.users) - 50} more (`--format json` lists every one)", markup=False
            )
    else:
        console.print("lock-out guard: nobody loses their last usable MFA method", markup=False)


def print_outcome(outcome: ApplyOutcome, output_format: str, extra: dict[str, Any] | None = None) -> None:
    if output_format == "json":
        document = outcome.to_json()
        document.update(extra or {})
        typer.echo(json.dumps(document, indent=2, default=str))
        return
    console = stdout_console()
    change = f" (change {outcome.change_id})" if outcome.change_id is not None else ""
    verified = "verified" if outcome.verified else "NOT verified"
    if outcome.result == "interrupted":  # the message says it all: what was restored, what is left
        console.print(outcome.message or "interrupted", markup=False)
    else:
        console.print(f"{outcome.result}{change}, {verified}: {outcome.message or ''}", markup=False)
    for obj in outcome.objects:
        console.print(f"  {obj['status']:<12} {obj['path']}", markup=False)
    for note in outcome.notes:
        console.print(f"note: {note}", markup=False)


def make_confirm(yes: bool) -> Any:
    """--yes answers every question; otherwise ask on the terminal (never guess on a pipe)."""
    import sys

    def confirm(question: str) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            raise UsageError(
                f"{question} — cannot ask: standard input is not a terminal",
                hint="review `mfaguard plan` and pass --yes to proceed without asking",
            )
        return bool(typer.confirm(question, default=False, err=True))

    return confirm


def progress_log(output_format: str) -> Any:
    console = stderr_console()

    def log(message: str) -> None:
        if console.is_terminal:
            console.print(message, markup=False, style="dim")

    return log


def actor(token_hint: str | None = None) -> str:
    """Who made a change, for the history: the OS user and host (never a secret)."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}" + (f" via {token_hint}" if token_hint else "")


def record_outcome(
    store: Any, tenant: str, kind: str, started: datetime, outcome: ApplyOutcome, **summary: Any
) -> None:
    """Keep an apply or rollback as a run in the (already open) history store."""
    from datetime import UTC, datetime

    from mfaguard.cli._common import record_and_warn
    from mfaguard.enforce.journal import tenant_id_of

    ok = outcome.exit_code == 0
    record_and_warn(
        False,
        None,
        tenant_id_of(tenant),
        kind,
        store=store,
        started_at=started,
        finished_at=datetime.now(UTC),
        status="ok" if ok else "error",
        error=None if ok else outcome.message,
        summary={
            **summary,
            "result": outcome.result,
            "verified": outcome.verified,
            "change_id": outcome.change_id,
        },
    )


def interrupts() -> Any:
    """Ctrl-C / SIGTERM handling for the writer; what it will do is said on stderr at once."""
    from mfaguard.enforce.interrupt import Interrupts

    console = stderr_console()
    return Interrupts(say=lambda text: console.print(text, markup=False))
