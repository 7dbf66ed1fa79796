"""``mfaguard emulator``: serve the Graph + Entra emulator on loopback and print how to use it."""

from __future__ import annotations

import shlex
from pathlib import Path

import typer

from mfaguard.cli import app
from mfaguard.cli._common import handle_errors, stderr_console, usage_error


@app.command("emulator")
@handle_errors
def emulator_command(
    scenario: list[str] = typer.Option(
        ["weak"],
        "--scenario",
        "-s",
        help="Scenario name (compliant, fresh-tenant, weak, legacy-2022, big) or a scenario JSON file. Repeatable.",
    ),
    tenants: int = typer.Option(
        1, "--tenants", min=1, max=5000, help="Tenants per scenario (derived ids after the first)."
    ),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0 = a free port)."),
    latency_ms: float = typer.Option(0.0, "--latency-ms", min=0, help="Added latency per Graph request."),
    consistency_delay: float = typer.Option(
        0.0,
        "--consistency-delay",
        min=0,
        help="Seconds a PATCH stays invisible to GETs (eventual consistency).",
    ),
    fault_rate: float = typer.Option(
        0.0,
        "--fault-rate",
        min=0,
        max=1,
        help="Share of Graph requests answered 429/503 (seeded, reproducible).",
    ),
    no_throttling: bool = typer.Option(
        False, "--no-throttling", help="Turn off report throttling (5 req/10 s)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed for generated data and rate-based faults."),
    cert_dir: Path | None = typer.Option(
        None, "--cert-dir", help="Write the CA and server certificate here (default: a temporary directory)."
    ),
) -> None:
    """Serve a local Microsoft Graph + Entra ID emulator over HTTPS until Ctrl-C.

    Prints `export` lines (graph endpoint, authority host, CA bundle, tenant, client id and secret) that
    point mfaguard and azure-identity at it. The secret is the emulator's own, not a real one.
    """
    import threading
    from pathlib import Path

    from mfaguard.emulator import Emulator, Knobs, ScenarioError, running_emulator
    from mfaguard.emulator.scenarios import BUILTIN
    from mfaguard.errors import bad_value

    for name in scenario:
        if name not in BUILTIN and not Path(name).is_file():
            raise bad_value("--scenario", name, f"use one of: {', '.join(BUILTIN)}, or a scenario JSON file")
    try:
        knobs = Knobs(
            latency_ms=latency_ms, consistency_delay_s=consistency_delay, report_throttling=not no_throttling
        )
        emu = Emulator(scenario, tenants=tenants, seed=seed, knobs=knobs)
    except ScenarioError as exc:
        raise usage_error(str(exc)) from None
    if fault_rate > 0:
        half = fault_rate / 2
        emu.add_fault(kind="status", status=429, rate=half, retry_after=1)
        emu.add_fault(kind="status", status=503, rate=half / (1 - half) if half < 1 else 1.0)
    err = stderr_console()
    with running_emulator(emu, port=port, cert_dir=cert_dir) as server:
        for name, value in server.env().items():
            typer.echo(f"export {name}={shlex.quote(value)}")
        err.print(
            f"mfaguard emulator on {server.base_url}: {len(emu.tenants)} tenant(s) "
            f"({', '.join(dict.fromkeys(t.scenario for t in emu.tenants.values()))}); "
            f"control plane at {server.base_url}/_emulator/ — Ctrl-C to stop.",
            highlight=False,
        )
        for tenant in list(emu.tenants.values())[:10]:
            err.print(f"  tenant {tenant.id}  {tenant.domain}  ({tenant.scenario})", highlight=False)
        if len(emu.tenants) > 10:
            err.print(
                f"  ... and {len(emu.tenants) - 10} more (GET {server.base_url}/_emulator/)", highlight=False
            )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            err.print("stopped.")
