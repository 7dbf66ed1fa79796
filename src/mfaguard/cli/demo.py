"""``mfaguard demo``: walk the whole cycle against the embedded emulator (no Azure tenant needed)."""

from __future__ import annotations

import typer

from mfaguard.cli import app
from mfaguard.cli._common import handle_errors, stdout_console


@app.command("demo")
@handle_errors
def demo_command(
    scenario: str = typer.Option(
        "weak",
        "--scenario",
        help="Emulator scenario: weak, compliant, fresh-tenant, legacy-2022, big, or a scenario JSON file.",
        metavar="NAME",
    ),
    steps: list[str] = typer.Option(
        [],
        "--step",
        help="Run only this step (repeatable; see the list printed by a full run).",
        metavar="KEY",
    ),
) -> None:
    """Start the embedded Microsoft Graph emulator on a realistic tenant and walk the cycle a new user
    should see, with narration: connect, audit, export and re-audit offline, and the later steps
    (plan, pilot apply, verify, coverage, detect) as they exist. Touches no real tenant."""
    import tempfile
    from pathlib import Path

    from mfaguard.demo import DEMO_STEPS, demo_context, run_steps
    from mfaguard.errors import bad_value, one_of

    chosen = list(DEMO_STEPS)
    if steps:
        known = {s.key for s in DEMO_STEPS}
        unknown = [key for key in steps if key not in known]
        if unknown:
            raise bad_value("--step", unknown[0], one_of(sorted(known)))
        chosen = [s for s in DEMO_STEPS if s.key in steps]
    console = stdout_console()
    with (
        tempfile.TemporaryDirectory(prefix="mfaguard-demo-") as workdir,
        demo_context(console, Path(workdir), scenario=scenario) as ctx,
    ):
        console.print(
            f"mfaguard demo — emulator serving tenant {ctx.expected_tenant} ({scenario}) at "
            f"{ctx.connection.endpoint}",
            markup=False,
        )
        console.print(f"Steps: {', '.join(s.key for s in chosen)}", markup=False)
        run_steps(ctx, chosen)
        console.print(
            "Done. Try it yourself against the emulator: `mfaguard emulator` prints the environment "
            "variables; then `mfaguard audit`, `mfaguard export -o snap.json`, `mfaguard doctor`.",
            markup=False,
        )
