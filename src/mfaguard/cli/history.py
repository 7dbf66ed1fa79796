"""``mfaguard store upgrade`` and ``mfaguard history runs|changes|alerts|drift``: look into the history store."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from mfaguard.cli import app
from mfaguard.cli._common import handle_errors, option_env, stdout_console

STORE_HELP = (
    "History store: sqlite:///PATH, postgresql://USER@HOST/DB, or a file path "
    "(default: a SQLite file in the user data dir, $XDG_DATA_HOME/mfaguard/history.db)."
)

store_app = typer.Typer(help="Manage the history store.", no_args_is_help=True)
history_app = typer.Typer(help="Show what the history store recorded.", no_args_is_help=True)
app.add_typer(store_app, name="store")
app.add_typer(history_app, name="history")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


# Options shared by every command here (typer reads them as parameter defaults).
_STORE: Any = typer.Option(None, "--store", help=STORE_HELP, **option_env("MFAGUARD_STORE"))
# history reads MFAGUARD_STORE itself: a fleet file named with --config decides the store, as it does
# for `mfaguard fleet` (which ignores MFAGUARD_* variables).
_HISTORY_STORE: Any = typer.Option(
    None,
    "--store",
    metavar="URL",
    help=STORE_HELP
    + " Order: --store, else the --config file's store:, else MFAGUARD_STORE, else the default.",
)
_CONFIG: Any = typer.Option(
    None,
    "--config",
    metavar="FILE",
    help="A fleet file (mfaguard.yaml): read the history store its `store:` names.",
    dir_okay=False,
)
_TENANT: Any = typer.Option(None, "--tenant", help="Only this tenant (its name in the store).")
_LIMIT: Any = typer.Option(50, "--limit", min=1, help="How many, most recent first.")
_FORMAT: Any = typer.Option(OutputFormat.table, "--format", help="table or json.")


@store_app.command("upgrade")
@handle_errors
def store_upgrade(store: str | None = _STORE) -> None:
    """Create the history store or migrate it to this mfaguard's schema, then show its state."""
    from mfaguard.store import open_store

    with open_store(store) as opened:
        info = opened.info()
    typer.echo(f"store: {info.url} ({info.backend})")
    typer.echo(f"schema revision: {info.revision} (newest: {info.head})")
    for table, count in sorted(info.counts.items()):
        typer.echo(f"  {table}: {count}")


@store_app.command("prune")
@handle_errors
def store_prune(
    older_than: str = typer.Option(
        ..., "--older-than", help="Age of history to delete, e.g. 180d or 12h (units s, m, h, d)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count what would be deleted."),
    store: str | None = _STORE,
) -> None:
    """Delete history older than --older-than (changes and each tenant's newest runs are kept)."""
    from datetime import UTC, datetime

    from mfaguard.errors import bad_value
    from mfaguard.fleet.config import file_duration
    from mfaguard.store import open_store
    from mfaguard.store.history import prune_cutoff

    try:
        age = file_duration(older_than)
    except ValueError as exc:
        raise bad_value("--older-than", older_than, str(exc)) from None
    before = prune_cutoff(age, now=datetime.now(UTC))
    with open_store(store) as opened:
        counts = opened.prune(before=before, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    typer.echo(f"{verb}: " + ", ".join(f"{count} {what}" for what, count in counts.items()))


def history_store(store: str | None, config: Path | None) -> str | None:
    """The store ``history`` reads: ``--store``, else the fleet file's ``store:``, else
    ``MFAGUARD_STORE``, else None (the default SQLite file)."""
    import os

    if store:
        return store
    if config is not None:
        from mfaguard.fleet.load import load_fleet

        return load_fleet(config).store_url
    return os.environ.get("MFAGUARD_STORE") or None


def _show(
    store: str | None,
    config: Path | None,
    read: Any,
    fmt: OutputFormat,
    columns: list[tuple[str, Any]],
    title: str,
) -> None:
    """Open the store, say which one it is (stderr, so JSON stays clean), read the rows, print them."""
    from mfaguard.store import open_store

    with open_store(history_store(store, config)) as opened:
        typer.echo(f"store: {opened.url}", err=True)
        rows = read(opened)
    _emit(rows, fmt, columns, title)


def _emit(rows: list[Any], fmt: OutputFormat, columns: list[tuple[str, Any]], title: str) -> None:
    from mfaguard.store import record_to_json

    if fmt is OutputFormat.json:
        typer.echo(json.dumps([record_to_json(r) for r in rows], indent=2, sort_keys=True))
        return
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for header, _ in columns:
        table.add_column(header)
    for row in rows:
        table.add_row(*(_cell(get(row)) for _, get in columns))
    stdout_console().print(table)
    if not rows:
        typer.echo("(nothing recorded yet)")


def _cell(value: Any) -> str:
    from datetime import datetime

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%SZ")
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items() if v)
    return str(value)


@dataclass(frozen=True)
class View:
    """One ``history`` listing: what to read from the opened store and the table columns."""

    name: str
    help: str
    title: str
    read: Callable[[Any, str | None, int], list[Any]]
    """(opened store, --tenant, --limit) -> rows, newest first."""
    columns: tuple[tuple[str, Callable[[Any], Any]], ...]


def _changes(opened: Any, tenant: str | None, limit: int) -> list[Any]:
    return list(opened.list_changes(tenant=tenant, limit=limit, with_objects=True))


VIEWS: tuple[View, ...] = (
    View(
        "changes",
        "Changes made by apply / rollback / remediation: who, when, what, and how it ended.",
        "Changes",
        _changes,
        (
            ("id", lambda c: c.id),
            ("tenant", lambda c: c.tenant),
            ("kind", lambda c: c.kind.value + (f" of {c.reverts_id}" if c.reverts_id else "")),
            ("status", lambda c: c.status.value),
            ("created (UTC)", lambda c: c.created_at),
            ("actor", lambda c: c.actor),
            ("baseline", lambda c: c.baseline),
            ("pilot group", lambda c: c.pilot_group),
            ("objects", lambda c: "\n".join(o.path for o in c.objects)),
            ("error", lambda c: c.error),
        ),
    ),
    View(
        "alerts",
        "Detection alerts (push-spam attacks) recorded by detect runs, deduplicated.",
        "Alerts",
        lambda opened, tenant, limit: list(opened.list_alerts(tenant=tenant, limit=limit)),
        (
            ("id", lambda a: a.id),
            ("tenant", lambda a: a.tenant),
            ("detection", lambda a: a.detection_id),
            ("severity", lambda a: a.severity),
            ("user", lambda a: a.user),
            ("first seen (UTC)", lambda a: a.first_seen),
            ("last seen (UTC)", lambda a: a.last_seen),
        ),
    ),
    View(
        "drift",
        "Drift: controls whose status or watched value changed between two runs, with before/after.",
        "Drift",
        lambda opened, tenant, limit: list(opened.list_drift(tenant=tenant, limit=limit)),
        (
            ("id", lambda d: d.id),
            ("tenant", lambda d: d.tenant),
            ("control", lambda d: d.control_id),
            ("what", lambda d: d.field),
            ("before", lambda d: json.dumps(d.before)),
            ("after", lambda d: json.dumps(d.after)),
            ("detected (UTC)", lambda d: d.detected_at),
            ("runs", lambda d: f"{d.previous_run_id} → {d.run_id}"),
            ("notified", lambda d: d.notified_at),
            ("remediation", lambda d: d.change_id),
        ),
    ),
)

RUN_COLUMNS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("id", lambda r: r.id),
    ("tenant", lambda r: r.tenant),
    ("kind", lambda r: r.kind.value),
    ("status", lambda r: r.status.value),
    ("started (UTC)", lambda r: r.started_at),
    ("finished (UTC)", lambda r: r.finished_at),
    ("summary / error", lambda r: r.error or r.summary),
)


@history_app.command("runs")
@handle_errors
def history_runs(
    tenant: str | None = _TENANT,
    kind: str | None = typer.Option(None, "--kind", help="audit, plan, apply, rollback, coverage or detect."),
    limit: int = _LIMIT,
    fmt: OutputFormat = _FORMAT,
    store: str | None = _HISTORY_STORE,
    config: Path | None = _CONFIG,
) -> None:
    """Runs (audit, plan, apply, coverage, detect), newest first."""
    from mfaguard.cli._common import choice
    from mfaguard.store import RunKind

    if kind is not None:
        kind = choice("--kind", kind, tuple(k.value for k in RunKind))
    _show(
        store,
        config,
        lambda opened: opened.list_runs(tenant=tenant, kind=kind, limit=limit),
        fmt,
        list(RUN_COLUMNS),
        "Runs",
    )


def _register(view: View) -> None:
    """``mfaguard history <view.name>``: the shared options, then ``_show``."""

    def command(
        tenant: str | None = _TENANT,
        limit: int = _LIMIT,
        fmt: OutputFormat = _FORMAT,
        store: str | None = _HISTORY_STORE,
        config: Path | None = _CONFIG,
    ) -> None:
        _show(
            store,
            config,
            lambda opened: view.read(opened, tenant, limit),
            fmt,
            list(view.columns),
            view.title,
        )

    command.__doc__ = view.help
    command.__name__ = f"history_{view.name}"
    history_app.command(view.name)(handle_errors(command))


for _view in VIEWS:
    _register(_view)
