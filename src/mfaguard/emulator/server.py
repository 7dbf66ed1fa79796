"""Serving the emulator over HTTPS on loopback (uvicorn in a background thread).

:func:`running_emulator` binds 127.0.0.1 on a free port (or the one given), generates a CA and a
server certificate, and yields a :class:`RunningEmulator` with ``graph_endpoint``, ``authority_host``,
``ca_path`` and ``env()``. The ``reset`` fault aborts the TCP connection with SO_LINGER 0 (an RST).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mfaguard.emulator.app import Receive, Scope, Send, create_app
from mfaguard.emulator.state import Emulator, Knobs
from mfaguard.emulator.tls import TlsFiles, generate_tls_files


def _abort_transport(transport: Any) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class _AbortableApp:
    """Gives the app a way to reset the connection: uvicorn's ``receive`` is a bound method of the
    request cycle, which holds the asyncio transport."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cycle = getattr(receive, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if transport is not None:
            scope["mfaguard.abort"] = lambda: _abort_transport(transport)
        await self.app(scope, receive, send)


@dataclass
class RunningEmulator:
    """A served emulator: where it listens and how to trust it."""

    emulator: Emulator
    host: str
    port: int
    tls: TlsFiles | None

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def graph_endpoint(self) -> str:
        return self.base_url

    @property
    def authority_host(self) -> str:
        return self.base_url

    @property
    def ca_path(self) -> Path | None:
        return self.tls.ca_path if self.tls else None

    def env(self, tenant: str | None = None) -> dict[str, str]:
        """MFAGUARD_GRAPH_ENDPOINT, MFAGUARD_AUTHORITY_HOST, MFAGUARD_CA_BUNDLE, AZURE_* for ``tenant``."""
        return self.emulator.env(self.base_url, self.ca_path or "", tenant)

    def token_url(self, tenant: str | None = None) -> str:
        return f"{self.base_url}/{self.emulator.tenant(tenant).id}/oauth2/v2.0/token"


@contextlib.contextmanager
def running_emulator(
    emulator: Emulator | None = None,
    *,
    scenarios: str | Path | Sequence[str | Path] = "weak",
    tenants: int = 1,
    port: int = 0,
    tls: bool = True,
    cert_dir: Path | None = None,
    knobs: Knobs | None = None,
    seed: int = 0,
) -> Iterator[RunningEmulator]:
    """Serve an emulator on 127.0.0.1 until the block ends (a background thread runs uvicorn)."""
    import uvicorn

    emu = emulator or Emulator(scenarios, tenants=tenants, knobs=knobs, seed=seed)
    with contextlib.ExitStack() as stack:
        directory = cert_dir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="mfaguard-emulator-"))
        )
        files = generate_tls_files(directory) if tls else None
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto is TCP, and
        # accepted sockets inherit proto 0 from socket(AF_INET, SOCK_STREAM). Without NODELAY every
        # response waits ~40 ms for the client's delayed ACK (Nagle), i.e. ~20 requests/s.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit TCP_NODELAY on Linux: without it the separate writes of headers and
        # body meet the client's delayed ACK and every keep-alive request costs ~40 ms.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(2048)
        real_port = sock.getsockname()[1]
        running = RunningEmulator(emu, "127.0.0.1", real_port, files)
        emu.base_url = running.base_url
        emu.validator.audiences.add(running.base_url)
        config = uvicorn.Config(
            _AbortableApp(create_app(emu)),
            lifespan="off",
            log_level="critical",
            access_log=False,
            ssl_certfile=str(files.cert_path) if files else None,
            ssl_keyfile=str(files.key_path) if files else None,
            date_header=False,
            server_header=False,
            timeout_graceful_shutdown=0.3,  # type: ignore[arg-type]  # a float works (asyncio.wait_for); keeps test teardown short
            timeout_keep_alive=30,
            backlog=2048,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True, name="mfaguard-emulator"
        )
        thread.start()
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the emulator server failed to start")
            threading.Event().wait(0.01)
        try:
            yield running
        finally:
            server.should_exit = True
            thread.join(timeout=5)
            sock.close()
