"""Who the client is behind a reverse proxy: ``X-Forwarded-For`` / ``X-Forwarded-Proto`` from trusted
proxies only (``dashboard.trusted_proxies``, default loopback ``127.0.0.0/8`` and ``::1``).

From any other peer the headers are ignored: the peer's own address is the client, and the scheme is
the connection's. From a trusted proxy the client is the right-most ``X-Forwarded-For`` entry that is
not itself a trusted proxy — what the nearest proxy saw; entries further left were written by the
client and can be anything. Throttling, the ``Secure`` cookie flag and HSTS rely on this.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR networks (ValueError for anything else)."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(host: str, networks: Sequence[Network]) -> bool:
    address = _address(host)
    return address is not None and any(address in network for network in networks)


def forwarded_client(peer: str, forwarded_for: str, networks: Sequence[Network]) -> str:
    """The client's address for a request from trusted proxy ``peer`` with this ``X-Forwarded-For``:
    walking from the right, the first entry that is not a trusted proxy. An entry that is not an IP
    address ends the walk at the last trusted hop (no made-up names as throttling keys)."""
    client = peer
    for entry in reversed([e for e in forwarded_for.split(",") if e.strip()]):
        address = _address(entry)
        if address is None:
            return client
        client = str(address)
        if not any(address in network for network in networks):
            return client
    return client


class ForwardedHeaders:
    """ASGI middleware: rewrites the scope's ``client`` and ``scheme`` from the forwarding headers of
    a trusted proxy (uvicorn's own proxy-header handling is switched off: this is the one place)."""

    def __init__(self, app: Any, trusted: Iterable[str]) -> None:
        self.app = app
        self.networks = parse_networks(trusted)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = scope.get("client")
            if peer and is_trusted(str(peer[0]), self.networks):
                self._rewrite(scope, str(peer[0]))
        await self.app(scope, receive, send)

    def _rewrite(self, scope: dict[str, Any], peer: str) -> None:
        # In place, as uvicorn's own middleware does: its access log then names the real client.
        forwarded_for: list[str] = []
        proto: str | None = None
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                forwarded_for.append(value.decode("latin-1"))
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").split(",")[-1].strip().lower()
        if forwarded_for:
            scope["client"] = (forwarded_client(peer, ",".join(forwarded_for), self.networks), 0)
        if proto in ("http", "https"):
            scope["scheme"] = proto if scope["type"] == "http" else {"http": "ws", "https": "wss"}[proto]
