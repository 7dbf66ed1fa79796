"""``mfaguard plan``: what applying a baseline would change. Reads the tenant; never writes."""

from __future__ import annotations

from pathlib import Path

from mfaguard.cli import app
from mfaguard.cli._common import NO_STORE_OPTION, STORE_OPTION, handle_errors, record_and_warn
from mfaguard.cli._enforce import (
    BASELINE_OPTION,
    BREAK_GLASS_OPTION,
    CONFIG_OPTION,
    FORMAT_OPTION,
    FORMATS,
    NUMBER_MATCHING_OPTION,
    PILOT_OPTION,
    choice,
    enforce_settings,
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
    break_glass_group: list[str] = BREAK_GLASS_OPTION,
    store_url: str | None = STORE_OPTION,
    no_store: bool = NO_STORE_OPTION,
    *,
    graph: GraphOptions,
) -> None:
    """Show the minimal changes that bring the tenant to a baseline, with the PATCH body of each object.

    Pure diff of the tenant as read now and the baseline: sends GET requests only, never a write.
    A group id in the baseline (or --pilot-group) that does not exist is an error naming the file,
    line and key (exit 2). Ends with what the plan leaves failing among MFA-001..015 ("still FAIL
    after this plan: … — fix by hand: …"), judged like `audit` with the same --config.
    """
    import json
    from datetime import UTC, datetime

    import typer

    from mfaguard.enforce.baseline import load_baseline
    from mfaguard.enforce.live import live_plan

    output_format = choice("--format", output_format, FORMATS)
    loaded = load_baseline(baseline)
    settings, audit_settings = enforce_settings(pilot_group, number_matching, config, break_glass_group)
    started = datetime.now(UTC)
    result = graph.run(lambda client, tenant: live_plan(client, tenant, loaded, settings, audit_settings))
    if output_format == "json":
        document = {
            "tenant": result.tenant,
            **result.plan.to_json(),
            "still_failing": [r.to_json() for r in result.still_failing],
        }
        typer.echo(json.dumps(document, indent=2))
    else:
        from mfaguard.enforce.residual import residual_lines

        print_plan(result.plan, tenant=result.tenant)
        for line in residual_lines(result.still_failing):
            typer.echo(line)
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
            "still_failing": sorted({r.control_id for r in result.still_failing}),
        },
        check_pending=True,
    )
