"""``mfaguard baseline show|validate|schema``: look at and check hardening baselines (offline)."""

from __future__ import annotations

import typer

from mfaguard.cli import app
from mfaguard.cli._common import handle_errors

baseline_app = typer.Typer(
    name="baseline",
    help=(
        "Hardening baselines (desired state of the Authentication Methods Policy). Built-ins: "
        "recommended, cisa-scuba, cis-l1. Start your own with `mfaguard baseline show recommended`."
    ),
    no_args_is_help=True,
)
app.add_typer(baseline_app, name="baseline")


@baseline_app.command("show")
@handle_errors
def show(name: str = typer.Argument(..., help="recommended, cisa-scuba or cis-l1.")) -> None:
    """Print a built-in baseline as YAML, with comments naming the benchmark behind every key."""
    from mfaguard.enforce.baseline import builtin_text

    typer.echo(builtin_text(name), nl=False)


@baseline_app.command("validate")
@handle_errors
def validate_cmd(
    file: str = typer.Argument(..., help="A baseline YAML file (or a built-in name)."),
) -> None:
    """Check a baseline file offline: exit 0 if valid, else exit 2 naming file, line and key.

    Group ids are checked against the tenant by `plan` and `apply`, which read the directory.
    """
    from mfaguard.enforce.baseline import covered_controls, load_baseline

    loaded = load_baseline(file)
    covered = sorted(covered_controls(loaded.baseline))
    settings = len(loaded.baseline.model_dump(exclude_unset=True, exclude={"description"}))
    typer.echo(
        f"{loaded.name}: valid baseline ({settings} top-level setting{'s' if settings != 1 else ''}; "
        f"makes {', '.join(covered) if covered else 'no control'} pass when applied)"
    )
    groups = loaded.baseline.group_ids()
    if groups:
        typer.echo(f"group ids to be checked against the tenant by plan/apply: {', '.join(groups)}")


@baseline_app.command("schema")
@handle_errors
def schema() -> None:
    """Print the JSON Schema of baseline files (also published as docs/schema/baseline.schema.json)."""
    import json

    from mfaguard.enforce.baseline import baseline_json_schema

    typer.echo(json.dumps(baseline_json_schema(), indent=2))
