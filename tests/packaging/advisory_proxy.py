"""A stand-in for PyPI's vulnerability feed, reached the way pip-audit reaches the real one.

pip-audit asks ``https://pypi.org/pypi/NAME/VERSION/json``. This loopback HTTPS proxy accepts its
CONNECT, terminates TLS for ``pypi.org`` with a throw-away CA (the client trusts it through
``REQUESTS_CA_BUNDLE``) and answers from a table: the JSON PyPI serves (``vulnerabilities`` in
PyPI's format) for a known release, 404 for an unknown one. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mfaguard.emulator.tls import generate_tls_files

Advisories = Mapping[tuple[str, str], list[dict[str, Any]]]
"""(canonical name, version) → PyPI's ``vulnerabilities`` list for that release."""


def _read_head(stream: Any) -> list[bytes]:
    lines = []
    while True:
        line = stream.readline(65536)
        if line in (b"\r\n", b"\n", b""):
            return lines
        lines.append(line)


def _serve_client(
    conn: socket.socket, context: ssl.SSLContext, advisories: Advisories, seen: list[str]
) -> None:
    with conn:
        request = conn.makefile("rb")
        head = _read_head(request)
        if not head or not head[0].startswith(b"CONNECT pypi.org:443 "):
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with context.wrap_socket(conn, server_side=True) as tls:
            stream = tls.makefile("rb")
            while True:
                head = _read_head(stream)
                if not head:
                    return
                path = head[0].split()[1].decode()
                seen.append(path)
                parts = path.strip("/").split("/")  # pypi NAME VERSION json
                key = (parts[1], parts[2]) if len(parts) == 4 else ("", "")
                if key in advisories:
                    body = json.dumps(
                        {"info": {"name": key[0], "version": key[1]}, "vulnerabilities": advisories[key]}
                    ).encode()
                    status = b"200 OK"
                else:
                    body, status = b"Not Found", b"404 Not Found"
                tls.sendall(
                    b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                )


@contextmanager
def advisory_proxy(directory: Path, advisories: Advisories) -> Iterator[tuple[dict[str, str], list[str]]]:
    """Serve until the block ends; yields the environment that routes pip-audit here, and the paths asked."""
    files = generate_tls_files(directory, hosts=("pypi.org",))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert_path, files.key_path)
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    seen: list[str] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            conn.settimeout(30)
            threading.Thread(
                target=_serve_client, args=(conn, context, advisories, seen), daemon=True
            ).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    env = {
        "HTTPS_PROXY": f"http://127.0.0.1:{port}",
        "https_proxy": f"http://127.0.0.1:{port}",
        "NO_PROXY": "",
        "no_proxy": "",
        "REQUESTS_CA_BUNDLE": str(files.ca_path),
    }
    try:
        yield env, seen
    finally:
        stop.set()
        thread.join(5)
        server.close()
