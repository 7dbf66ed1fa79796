"""``mfaguard detect``: find MFA fatigue (push-spam) attacks in sign-in logs (DESIGN §6)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer

from mfaguard.cli import app
from mfaguard.cli._common import NO_STORE_OPTION, STORE_OPTION, handle_errors, record_and_warn, stderr_console
from mfaguard.cli._graphopts import GraphOptions, graph_options
from mfaguard.errors import EXIT_FINDINGS, EXIT_OK, UsageError

if TYPE_CHECKING:
    from mfaguard.detect.collect import Evidence
    from mfaguard.detect.context import DetectOptions


@app.command("detect")
@handle_errors
@graph_options
def detect_command(
    signins: list[Path] = typer.Option(
        [],
        "--signins",
        help="Sign-in file (JSON array, Graph page, JSON Lines, Log Analytics export or portal "
        "CSV). Repeatable. Without it, sign-ins are read from Graph.",
    ),
    auth_details: Path | None = typer.Option(
        None,
        "--auth-details",
        help="Portal AuthDetails CSV to join on Request ID (found automatically "
        "next to InteractiveSignIns_*.csv).",
    ),
    audits: list[Path] = typer.Option(
        [], "--audits", help="directoryAudit objects (same shapes). Repeatable."
    ),
    risk_detections: list[Path] = typer.Option(
        [], "--risk-detections", help="riskDetection objects (same shapes). Repeatable."
    ),
    input_format: str = typer.Option(
        "auto",
        "--input-format",
        help="Force the sign-in file format: auto, json, page, jsonl, object, la or csv.",
        metavar="FORMAT",
    ),
    since: str | None = typer.Option(
        None,
        "--since",
        help="Only alert on the last DURATION (e.g. 24h). Files: counted back from the newest "
        "sign-in record (all records when omitted). Graph: counted back from now (default 24h).",
    ),
    lookback: str = typer.Option(
        "14d", "--lookback", help="Baseline of known countries/IPs before each event."
    ),
    profile: str = typer.Option(
        "default",
        "--profile",
        metavar="NAME",
        help="default = mfaguard's rules; sentinel/splunk/elastic reproduce "
        "those SIEM rules (quirks included) for comparison.",
    ),
    vip: list[str] = typer.Option([], "--vip", help="Privileged/VIP user (UPN or id). Repeatable."),
    known_ip: list[str] = typer.Option([], "--known-ip", help="Expected source range (CIDR). Repeatable."),
    known_country: list[str] = typer.Option(
        [], "--known-country", help="Country known for everyone (CC). Repeatable."
    ),
    campaign_prefix: int | None = typer.Option(
        None, "--campaign-prefix", min=8, max=32, help="Group DET-008 sources by this IPv4 prefix (e.g. 24)."
    ),
    jobs: int = typer.Option(
        0,
        "--jobs",
        min=0,
        max=64,
        help="Processes reading a large JSON Lines file (0 = one per core, up to 4).",
    ),
    hunt: bool = typer.Option(False, "--hunt", help="Also report MFA interrupt noise per user (JSON only)."),
    output_format: str = typer.Option(
        "table", "--format", help="Output format: table, json, csv, sarif or markdown.", metavar="NAME"
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the output to FILE (default stdout)."
    ),
    fail_on: str = typer.Option(
        "high",
        "--fail-on",
        help="Exit 1 when an alert at or above this severity exists: critical, high, medium, low, info.",
        metavar="SEVERITY",
    ),
    store_url: str | None = STORE_OPTION,
    no_store: bool = NO_STORE_OPTION,
    *,
    graph: GraphOptions,
) -> None:
    """Find MFA fatigue (push-spam) attacks in Entra ID sign-in logs: bursts of denied pushes,
    spam followed by an approval, user fraud reports, attempts while blocked, a new MFA method
    after an attack, campaigns from one IP, TOTP brute force (DET-001..DET-009).

    Exit codes: 0 no alert at or above --fail-on; 1 an alert at or above --fail-on (default high);
    2 usage or input error (a file that cannot be read, an unknown format, no usable record);
    3 the tool could not finish (Graph, auth, licence).
    """
    from mfaguard.cli._common import choice
    from mfaguard.detect import collect_files, require_usable
    from mfaguard.detect.context import detect_options
    from mfaguard.detect.engine import analyse
    from mfaguard.detect.loaders import LOADERS
    from mfaguard.detect.parallel import default_jobs
    from mfaguard.detect.profiles import PROFILES
    from mfaguard.formats.alerts import ALERT_FORMATS
    from mfaguard.model.report import Severity

    output_format = choice("--format", output_format, ALERT_FORMATS.names)
    threshold = Severity.parse(fail_on, option="--fail-on")
    profile = choice("--profile", profile, tuple(PROFILES))
    input_format = choice("--input-format", input_format, ("auto", *LOADERS))
    options = detect_options(
        vip=vip,
        known_ip=known_ip,
        known_country=known_country,
        lookback=lookback,
        since=since,
        campaign_prefix=campaign_prefix,
        hunt=hunt,
    )
    now = datetime.now(UTC)
    tenant_id: str | None = None
    if signins:
        with _file_progress() as progress:
            evidence = collect_files(
                signins,
                audits=audits,
                risks=risk_detections,
                options=options,
                input_format=input_format,
                auth_details=auth_details,
                progress=progress,
                jobs=jobs or default_jobs(),
            )
        require_usable(evidence, signins)
        anchor: Literal["input", "now"] = "input"
    else:
        if audits or risk_detections or auth_details:
            raise UsageError("--audits, --risk-detections and --auth-details go with --signins FILE")
        evidence, options, tenant_id = _read_graph(options, now, graph)
        anchor = "now"
    result = analyse(evidence, now=now, options=options, profile=profile, since_anchor=anchor)
    _warn_skipped(result.stats)
    text = ALERT_FORMATS.render(output_format, result)
    if output is not None:
        from mfaguard.config.files import write_text_atomic

        write_text_atomic(output, text)  # 0600: alerts name users and their IP addresses
    else:
        sys.stdout.write(text)
    code = EXIT_FINDINGS if result.at_or_above(threshold) else EXIT_OK
    if not signins:  # read from the tenant: keep the run and its alerts in the history
        from mfaguard.store.history import RunDetails

        record_and_warn(
            no_store,
            store_url,
            tenant_id,
            "detect",
            started_at=now,
            finished_at=datetime.now(UTC),
            summary={**result.counts(), "exit_code": code},
            details=RunDetails(alerts=[a.to_json() for a in result.alerts]),
        )
    raise typer.Exit(code)


@contextlib.contextmanager
def _file_progress() -> Iterator[Callable[[Path, int, int], None] | None]:
    """A rich progress bar on stderr while files are read (only when stderr is a terminal)."""
    console = stderr_console()
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    tasks: dict[Path, Any] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
        console=console, transient=True,
    ) as bar:  # fmt: skip

        def update(path: Path, done: int, total: int) -> None:
            if path not in tasks:
                tasks[path] = bar.add_task(f"Reading {path.name}", total=total)
            bar.update(tasks[path], completed=done)

        yield update


def _warn_skipped(stats: object) -> None:
    from mfaguard.detect.model import InputStats

    assert isinstance(stats, InputStats)
    console = stderr_console()
    if stats.skipped_total:
        console.print(
            f"warning: skipped {stats.skipped_total} of {stats.records} record(s): "
            + ", ".join(f"{k} ({v})" for k, v in sorted(stats.skipped.items())),
            markup=False,
        )
        for example in stats.examples[:5]:
            console.print(f"  {example}", markup=False)
    for note in stats.notes:
        console.print(f"note: {note}", markup=False)


def _read_graph(
    options: DetectOptions, now: datetime, graph: GraphOptions
) -> tuple[Evidence, DetectOptions, str | None]:
    """Read the window from Graph (:func:`mfaguard.detect.graph_source.read_recent`), with a status line
    on a terminal; also say which tenant."""
    from contextlib import nullcontext

    from mfaguard.detect.graph_source import read_recent

    console = stderr_console()
    status = (
        console.status("Reading sign-ins from Microsoft Graph…") if console.is_terminal else nullcontext()
    )
    progress = (lambda text: status.update(text)) if hasattr(status, "update") else None

    async def read(client: Any, tenant: Any) -> tuple[Evidence, DetectOptions, str | None]:
        evidence, used = await read_recent(client, options, now=now, progress=progress)
        return evidence, used, tenant.id

    with status:
        return graph.run(read)
