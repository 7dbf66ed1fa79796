"""``mfaguard plan``: what applying a baseline would change. Reads the tenant; never writes."""

from __future__ import annotations

from pathlib import Path

from mfaguard.cli import app
from mfaguard.cli._common import NO_STORE_OPTION, STORE_OPTION, handle_errors, record_and_warn
from mfaguard.cli._enforce import (
    BASELINE_OPTION,
    CONFIG_OPTION,
    FORMAT_OPTION,
    FORMATS,
    NUMBER_MATCHING_OPTION,
    PILOT_OPTION,
    choice,
    plan_settings,
    print_plan,
)
from mfaguard.cli._graphopts import GraphOptions, graph_options


@app.command("plan")
@handle_errors
@graph_options
def plan_command(
    baseline: str = BASELINE_OPTION,
    output_format: str = FORMAT_OPTION,
    pilot_group: str | None = PILOT_OPTION,
    number_matching: str | None = NUMBER_MATCHING_OPTION,
    config: Path | None = CONFIG_OPTION,
    store_url: str | None = STORE_OPTION,
    no_store: bool = NO_STORE_OPTION,
    *,
    graph: GraphOptions,
) -> None:
    """Show the minimal changes that bring the tenant to a baseline, with the PATCH body of each object.

    Pure diff of the tenant as read now and the baseline: sends GET requests only, never a write.
    A group id in the baseline (or --pilot-group) that does not exist is an error naming the file,
    line and key (exit 2).
    """
    import asyncio
    import json
    from datetime import UTC, datetime

    import typer

    from mfaguard.enforce.baseline import load_baseline
    from mfaguard.enforce.live import live_plan

    output_format = choice("--format", output_format, FORMATS)
    loaded = load_baseline(baseline)
    settings = plan_settings(pilot_group, number_matching, config)
    connection = graph.connection()
    started = datetime.now(UTC)
    result = asyncio.run(live_plan(connection, graph.expected_tenant(), loaded, settings))
    if output_format == "json":
        document = {"tenant": result.tenant, **result.plan.to_json()}
        typer.echo(json.dumps(document, indent=2))
    else:
        print_plan(result.plan, tenant=result.tenant)
    record_and_warn(
        no_store,
        store_url,
        result.tenant_id,
        "plan",
        started_at=started,
        finished_at=datetime.now(UTC),
        summary={
            "baseline": loaded.name,
            "changes": len(result.plan.changes),
            "objects": len(result.plan.objects),
        },
        check_pending=True,
    )
