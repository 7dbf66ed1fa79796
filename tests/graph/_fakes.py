"""Helpers for client tests: a fake clock/sleep and a scripted httpx transport."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx

from mfaguard.graph.auth import StaticTokenProvider
from mfaguard.graph.client import GraphClient, RetryPolicy

T = TypeVar("T")
ENDPOINT = "https://graph.test"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """An httpx MockTransport that records requests and answers from a handler."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx.Request] = []
        self._handler = handler
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._handler(request)


def scripted(*responses: httpx.Response | Exception) -> Handler:
    """A handler that answers with ``responses`` in order (an exception is raised instead)."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler


def graph_error(
    status: int, code: str, message: str = "msg", *, request_id: str = "rid-1", **headers: str
) -> httpx.Response:
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"request-id": request_id, "date": "2026-01-01T00:00:00"},
        }
    }
    return httpx.Response(status, json=body, headers=headers)


def ok(body: Any = None, status: int = 200, **headers: str) -> httpx.Response:
    if body is None and status == 204:
        return httpx.Response(204, headers=headers)
    return httpx.Response(
        status, content=json.dumps(body).encode(), headers={"content-type": "application/json", **headers}
    )


def make_client(
    recorder: Recorder,
    fake: FakeTime | None = None,
    *,
    retry: RetryPolicy | None = None,
    token: str = "tok-123",
    report_pacing: bool = True,
) -> GraphClient:
    fake = fake or FakeTime()
    return GraphClient(
        ENDPOINT,
        StaticTokenProvider(token),
        transport=recorder.transport,
        retry=retry,
        sleep=fake.sleep,
        clock=fake.clock,
        report_pacing=report_pacing,
    )
