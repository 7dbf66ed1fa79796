"""``mfaguard apply``: bring the tenant to a baseline safely (the only command that writes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from mfaguard.cli import app
from mfaguard.cli._common import handle_errors
from mfaguard.cli._enforce import (
    BASELINE_OPTION,
    BREAK_GLASS_OPTION,
    CONFIG_OPTION,
    FORMAT_OPTION,
    FORMATS,
    NUMBER_MATCHING_OPTION,
    PILOT_OPTION,
    STORE_OPTION,
    actor,
    choice,
    interrupts,
    make_confirm,
    plan_settings,
    print_lockout,
    print_outcome,
    print_plan,
    progress_log,
    record_outcome,
)
from mfaguard.cli._graphopts import GraphOptions, graph_options


@app.command("apply")
@handle_errors
@graph_options
def apply_command(
    baseline: str = BASELINE_OPTION,
    pilot_group: str | None = PILOT_OPTION,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask before writing."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Apply even when the lock-out guard finds users who would lose their last method.",
    ),
    overwrite_concurrent: bool = typer.Option(
        False,
        "--overwrite-concurrent",
        help="When an earlier apply did not finish and its change is restored first: restore even objects "
        "someone else edited since (their edits are lost). --force does not imply this.",
    ),
    store_url: str | None = STORE_OPTION,
    output_format: str = FORMAT_OPTION,
    number_matching: str | None = NUMBER_MATCHING_OPTION,
    config: Path | None = CONFIG_OPTION,
    break_glass_group: list[str] = BREAK_GLASS_OPTION,
    *,
    graph: GraphOptions,
) -> None:
    """Apply a baseline: plan, ask, record the pre-change JSON, PATCH, re-read until verified.

    Each object is re-read right before its PATCH; if it changed since the plan, nothing more is
    written. If a PATCH fails, the objects already written are restored. A change that would leave
    users with no usable MFA method is refused (exit 3) unless --force. With --pilot-group the
    change applies to that group only; apply again without it to widen to everyone. Undo with
    `mfaguard rollback`. Ctrl-C (or SIGTERM) while writing: the request in flight finishes, what
    was written is restored and verified; a second Ctrl-C stops the restore and names what is left.
    Exit 0 when applied and verified (or nothing to do, or declined at the prompt), 3 otherwise.
    """
    from datetime import UTC, datetime

    from mfaguard.enforce.baseline import load_baseline
    from mfaguard.enforce.journal import tenant_key
    from mfaguard.enforce.live import live_apply
    from mfaguard.store import open_store

    output_format = choice("--format", output_format, FORMATS)
    loaded = load_baseline(baseline)
    settings = plan_settings(pilot_group, number_matching, config, break_glass_group)
    quiet = output_format == "json"

    def show(p: object, verdict: object) -> None:
        print_plan(p, tenant=None, to_stderr=quiet)  # type: ignore[arg-type]
        print_lockout(verdict, to_stderr=quiet)  # type: ignore[arg-type]

    store = open_store(store_url)
    started = datetime.now(UTC)
    try:

        async def apply(client: Any, info: Any) -> tuple[str, Any]:
            tenant = tenant_key(info.id)
            return tenant, await live_apply(
                client,
                tenant,
                store,
                loaded,
                settings,
                confirm=make_confirm(yes),
                show_plan=show,
                force=force,
                actor=actor(),
                log=progress_log(output_format),
                overwrite_concurrent=overwrite_concurrent,
                interrupts=interrupts(),
            )

        tenant, (outcome, _plan, verdict) = graph.run(apply)
        record_outcome(store, tenant, "apply", started, outcome, baseline=loaded.name)
    finally:
        store.close()
    extra = {"tenant": tenant, "baseline": loaded.name, "lockout": verdict.to_json() if verdict else None}
    print_outcome(outcome, output_format, extra)
    raise typer.Exit(outcome.exit_code)
