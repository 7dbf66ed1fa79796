"""``mfaguard detect`` reading Graph: the real CLI against the emulator over a socket (scenario ``weak``),
and the Graph source in-process (windows, licence errors, optional parts)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mfaguard.detect.collect import Collector
from mfaguard.detect.graph_source import halves, read_graph, signin_filter
from mfaguard.errors import LicenseError
from mfaguard.graph.auth import StaticTokenProvider
from mfaguard.graph.client import GraphClient
from tests.conftest import run_cli


@pytest.mark.e2e
def test_detect_reads_graph_and_finds_the_push_spam_attack(emulator_server: Any) -> None:
    res = run_cli(["detect", "--format", "json"], env=emulator_server.env())
    assert res.returncode == 1, res.stderr
    doc = json.loads(res.stdout)
    found = {a["detection_id"] for a in doc["alerts"]}
    assert {"DET-001", "DET-002"} <= found, doc["alerts"]
    assert doc["input"]["records"] > 0 and doc["input"]["skipped_total"] == 0


@pytest.mark.e2e
def test_detect_on_a_tenant_without_p1_explains_the_licence(emulator_server: Any) -> None:
    emulator_server.emulator.set_premium(False)
    res = run_cli(["detect"], env=emulator_server.env())
    assert res.returncode == 3
    assert "Traceback" not in res.stderr
    assert "P1" in res.stderr or "licen" in res.stderr.lower()


def _client(emulator: Any, roles: list[str] | None = None) -> GraphClient:
    token = emulator.issue_token(None, roles) if roles is not None else emulator.issue_token()
    return GraphClient(
        "https://graph.emulator.test",
        StaticTokenProvider(token),
        transport=httpx.ASGITransport(app=emulator.asgi_app),
        report_pacing=False,
    )


@pytest.mark.anyio
async def test_missing_audit_permission_is_a_note_not_a_failure(emulator: Any) -> None:
    collector = Collector()
    now = datetime.now(UTC)
    async with _client(emulator, ["AuditLog.Read.All"]) as client:
        await read_graph(client, collector, start=now - timedelta(days=15), end=now + timedelta(hours=1))
    ev = collector.evidence()
    assert ev.denials  # sign-ins were read
    assert any("risk detections" in n for n in ev.stats.notes)


@pytest.mark.anyio
async def test_licence_error_on_sign_ins_stops_the_run(emulator: Any) -> None:
    emulator.set_premium(False)
    now = datetime.now(UTC)
    async with _client(emulator) as client:
        with pytest.raises(LicenseError):
            await read_graph(client, Collector(), start=now - timedelta(days=1), end=now)


def test_windows_halve_without_overlap() -> None:
    end = datetime(2026, 11, 21, tzinfo=UTC)
    start = end - timedelta(days=2)
    (a, b), (c, d) = halves(start, end)
    assert b == end and d == a and c == start
    assert "le 2026-11-21T00:00:00Z" in signin_filter(a, b, interactive=True, first=True)
    older = signin_filter(c, d, interactive=False, first=False)
    assert "lt 2026-11-20T00:00:00Z" in older and "nonInteractiveUser" in older
