"""One connection pool shared by many :class:`~mfaguard.graph.client.GraphClient` instances.

The fleet runner opens one client per tenant (each with its own token and pacing), but all of them
talk to the same Graph host. Sharing the pool keeps TLS sessions and keep-alive connections across
tenants instead of a handshake per tenant, which is most of the cost of a small read.
"""

from __future__ import annotations

import ssl
from functools import lru_cache
from pathlib import Path
from types import TracebackType

import httpx

__all__ = ["SharedTransports"]


class _Borrowed(httpx.AsyncBaseTransport):
    """A transport a client may use but not close (the pool outlives the client)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:  # the owner closes the pool
        return None


def _ssl_context(ca_bundle: str | None) -> ssl.SSLContext:
    """One TLS context per trust anchor (and version of its file) for the whole process: loading
    the certifi bundle costs ~35 ms of CPU, and the fleet runner opens several pools (shards)."""
    return _cached_context(ca_bundle, Path(ca_bundle).stat().st_mtime_ns if ca_bundle else None)


@lru_cache(maxsize=8)
def _cached_context(ca_bundle: str | None, _mtime: int | None) -> ssl.SSLContext:
    if ca_bundle:
        return ssl.create_default_context(cafile=ca_bundle)
    return httpx.create_ssl_context()  # what ``verify=True`` builds, once


class SharedTransports:
    """Pools keyed by CA bundle (the TLS trust decides which connections may be shared).

    Use as ``async with SharedTransports(max_connections=N) as pools:`` and pass
    ``transport=pools.get(ca_bundle)`` to each client.
    """

    def __init__(self, *, max_connections: int = 64) -> None:
        self._limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._pools: dict[str | None, httpx.AsyncHTTPTransport] = {}

    def get(self, ca_bundle: str | None) -> httpx.AsyncBaseTransport:
        pool = self._pools.get(ca_bundle)
        if pool is None:
            pool = httpx.AsyncHTTPTransport(verify=_ssl_context(ca_bundle), limits=self._limits)
            self._pools[ca_bundle] = pool
        return _Borrowed(pool)

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()

    async def __aenter__(self) -> SharedTransports:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
