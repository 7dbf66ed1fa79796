"""Read sign-ins, directory audits and risk detections from Microsoft Graph into a collector.

Beta ``/auditLogs/signIns`` (the MFA step detail and ``authenticationRequirement`` are beta-only),
once for interactive records and once filtered on ``signInEventTypes`` for non-interactive ones (beta
returns only interactive sign-ins unless asked). The time range is read in day-long
``createdDateTime`` windows, as Graph advises for the report APIs; paging and report pacing (5
requests / 10 s) are the client's. Audits and risk detections are optional evidence: a missing
permission or licence for them is noted and the run goes on; for sign-ins it stops the run with the
client's hint (P1/P2 licence, AuditLog.Read.All).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mfaguard.detect.alerts import iso
from mfaguard.detect.collect import Collector
from mfaguard.errors import GraphError, LicenseError, NotFoundError, PermissionError_

if TYPE_CHECKING:
    from mfaguard.graph.client import GraphClient

WINDOW = timedelta(days=1)
PAGE = 1000
NON_INTERACTIVE = "signInEventTypes/any(t: t eq 'nonInteractiveUser')"


def windows(start: datetime, end: datetime, width: timedelta = WINDOW) -> list[tuple[datetime, datetime]]:
    """``[start, end]`` cut into consecutive windows, newest first (Graph lists newest first too)."""
    out: list[tuple[datetime, datetime]] = []
    hi = end
    while hi > start:
        lo = max(start, hi - width)
        out.append((lo, hi))
        hi = lo
    return out


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
        for n, (lo, hi) in enumerate(windows(start, end)):
            if progress:
                progress(f"Reading {label} sign-ins {iso(lo)} .. {iso(hi)}")
            params = {
                "$filter": signin_filter(lo, hi, interactive=interactive, first=n == 0),
                "$top": str(PAGE),
            }
            batch: list[tuple[Any, int]] = []
            async for item in client.iter_items("/auditLogs/signIns", version="beta", params=params):
                batch.append((item, len(batch) + 1))
                if len(batch) >= PAGE:
                    collector.add_signins(
                        batch, source=f"Graph {label} sign-ins", default_interactive=interactive
                    )
                    batch = []
            collector.add_signins(batch, source=f"Graph {label} sign-ins", default_interactive=interactive)
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
