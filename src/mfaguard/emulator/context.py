"""The request/reply types Graph handlers work with (shared by the ASGI app and ``$batch``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mfaguard.emulator.errors import access_denied

if TYPE_CHECKING:
    from mfaguard.emulator.state import Emulator, Tenant

JSON_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)


@dataclass
class GraphRequest:
    """One Graph request after the version segment was split off."""

    method: str
    version: str
    path: str  # after the version, starting with "/", e.g. "/users"
    params: dict[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: Any
    base_url: str
    raw_body: bytes = b""
    batch_id: str | None = None

    @property
    def full_path(self) -> str:
        return f"/{self.version}{self.path}"


@dataclass
class GraphReply:
    """A handler's answer. ``body`` is JSON-serialisable, ``text`` for plain bodies, or neither (204)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None

    def encode(self) -> tuple[bytes, str | None]:
        if self.body is not None:
            return json.dumps(self.body, separators=(",", ":")).encode(), JSON_CONTENT_TYPE
        if self.text is not None:
            return self.text.encode(), "text/plain;charset=utf-8"
        return b"", None


@dataclass
class Ctx:
    """What a handler may use: the emulator, the caller's tenant and roles, and the request."""

    emu: Emulator
    tenant: Tenant
    claims: Mapping[str, Any]
    roles: frozenset[str]
    req: GraphRequest
    now: float

    def require(self, *any_of: str) -> None:
        """403 Authorization_RequestDenied unless the token carries one of ``any_of``."""
        if not self.roles.intersection(any_of):
            raise access_denied()

    def has(self, *any_of: str) -> bool:
        return bool(self.roles.intersection(any_of))

    @property
    def app_id(self) -> str:
        return str(self.claims.get("appid", ""))
