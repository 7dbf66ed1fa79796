"""Read sign-ins, directory audits and risk detections from Microsoft Graph into a collector.

Beta ``/auditLogs/signIns`` (the MFA step detail and ``authenticationRequirement`` are beta-only),
once for interactive records and once filtered on ``signInEventTypes`` for non-interactive ones (beta
returns only interactive sign-ins unless asked). The range is asked for with a ``createdDateTime``
window; when Graph times out or fails on it (5xx), the window is halved and each half read again,
down to an hour, as Graph advises for the report APIs ("window createdDateTime, then shrink").
One window first keeps the request count low: reports allow 5 requests per 10 s, which the client
paces. Audits and risk detections are optional evidence: a missing
permission or licence for them is noted and the run goes on; for sign-ins it stops the run with the
client's hint (P1/P2 licence, AuditLog.Read.All).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mfaguard.detect.alerts import iso
from mfaguard.detect.collect import Collector, Evidence
from mfaguard.detect.context import DetectOptions
from mfaguard.errors import (
    GraphError,
    LicenseError,
    NotFoundError,
    PermissionError_,
    ServiceError,
    UnreachableError,
)

if TYPE_CHECKING:
    from mfaguard.graph.client import GraphClient

MIN_WINDOW = timedelta(hours=1)
PAGE = 1000
NON_INTERACTIVE = "signInEventTypes/any(t: t eq 'nonInteractiveUser')"


def halves(lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
    """The newer and the older half of a window (Graph lists newest first too)."""
    mid = lo + (hi - lo) / 2
    return [(mid, hi), (lo, mid)]


def signin_filter(lo: datetime, hi: datetime, *, interactive: bool, first: bool) -> str:
    # Windows touch at their edges: the newest window includes its upper bound, the others not,
    # so a record exactly on an edge is read once.
    upper = "le" if first else "lt"
    text = f"createdDateTime ge {iso(lo)} and createdDateTime {upper} {iso(hi)}"
    return text if interactive else f"{text} and {NON_INTERACTIVE}"


async def read_graph(
    client: GraphClient,
    collector: Collector,
    *,
    start: datetime,
    end: datetime,
    include_non_interactive: bool = True,
    include_audits: bool = True,
    include_risks: bool = True,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Read everything the detections use between ``start`` (the baseline's beginning) and ``end``."""
    for interactive in (True, False) if include_non_interactive else (True,):
        label = "interactive" if interactive else "non-interactive"
        await _read_signins(client, collector, start, end, interactive, True, label, progress)
    if include_audits:
        if progress:
            progress("Reading directory audits")
        params = {"$filter": f"activityDateTime ge {iso(start)} and activityDateTime le {iso(end)}"}
        await _optional(
            collector,
            "directory audits (DET-005, DET-007 use them; needs AuditLog.Read.All)",
            lambda: _collect(
                client, "/auditLogs/directoryAudits", params, collector.add_audits, "Graph audits"
            ),
        )
    if include_risks:
        if progress:
            progress("Reading risk detections")
        params = {
            "$filter": f"riskEventType eq 'userReportedSuspiciousActivity' and activityDateTime ge {iso(start)}",
            "$top": "500",
        }
        await _optional(
            collector,
            "risk detections (DET-005 uses them; needs IdentityRiskEvent.Read.All and Entra ID P1/P2)",
            lambda: _collect(
                client,
                "/identityProtection/riskDetections",
                params,
                collector.add_risks,
                "Graph risk detections",
            ),
        )


async def _read_signins(
    client: GraphClient,
    collector: Collector,
    lo: datetime,
    hi: datetime,
    interactive: bool,
    newest: bool,
    label: str,
    progress: Callable[[str], None] | None,
) -> None:
    if progress:
        progress(f"Reading {label} sign-ins {iso(lo)} .. {iso(hi)}")
    params = {"$filter": signin_filter(lo, hi, interactive=interactive, first=newest), "$top": str(PAGE)}
    source = f"Graph {label} sign-ins"
    batch: list[tuple[Any, int]] = []
    read = 0
    try:
        async for item in client.iter_items("/auditLogs/signIns", version="beta", params=params):
            read += 1
            batch.append((item, read))
            if len(batch) >= PAGE:
                collector.add_signins(batch, source=source, default_interactive=interactive)
                batch = []
    except ServiceError as exc:
        # Timeouts and 5xx on a wide window: read the halves instead (records already added are
        # deduplicated by id when the halves bring them again). Smaller windows cannot help when
        # Graph cannot be reached at all.
        if hi - lo <= MIN_WINDOW or isinstance(exc, UnreachableError):
            raise
        collector.add_signins(batch, source=source, default_interactive=interactive)
        for n, (a, b) in enumerate(halves(lo, hi)):
            await _read_signins(client, collector, a, b, interactive, newest and n == 0, label, progress)
        return
    collector.add_signins(batch, source=source, default_interactive=interactive)


async def _collect(
    client: GraphClient,
    path: str,
    params: dict[str, str],
    add: Callable[..., None],
    source: str,
) -> None:
    items: list[tuple[Any, int]] = []
    async for item in client.iter_items(path, version="beta", params=params):
        items.append((item, len(items) + 1))
    add(items, source=source)


async def _optional(collector: Collector, what: str, read: Callable[[], Any]) -> None:
    try:
        await read()
    except (PermissionError_, LicenseError, NotFoundError) as exc:
        collector.note(f"could not read {what}: {exc}")
    except GraphError as exc:
        if exc.status is not None and 400 <= exc.status < 500:
            collector.note(f"could not read {what}: {exc}")
        else:
            raise


GRAPH_WINDOW = timedelta(hours=24)
"""How far back the detections look when sign-ins come from Graph and no ``since`` is given."""


async def read_recent(
    client: GraphClient,
    options: DetectOptions,
    *,
    now: datetime,
    progress: Callable[[str], None] | None = None,
) -> tuple[Evidence, DetectOptions]:
    """Read the ``since`` window (:data:`GRAPH_WINDOW` when the options give none) and the baseline
    lookback before it; returns the evidence and the options the window was read with."""
    if options.since is None:
        options = replace(options, since=GRAPH_WINDOW)
    assert options.since is not None
    collector = Collector(lookback=options.lookback)
    start = now - options.since - options.lookback
    await read_graph(client, collector, start=start, end=now, progress=progress)
    return collector.evidence(), options
