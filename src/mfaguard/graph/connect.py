"""Where and as whom to talk to Graph: endpoint + credential options → token provider and client.

Shared by the CLI (``mfaguard.cli._graphopts``), the fleet runner (one connection per tenant from the
fleet file) and the demo. Building a connection imports nothing heavy; opening a client does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mfaguard.graph.auth import (
    CA_BUNDLE_ENV,
    CredentialOptions,
    TokenInfo,
    TokenProvider,
    build_token_provider,
    check_token_tenant,
    decode_claims,
)
from mfaguard.graph.clouds import resolve_graph_endpoint
from mfaguard.model.policy import TenantInfo

if TYPE_CHECKING:
    from mfaguard.graph.client import GraphClient


@dataclass(frozen=True, slots=True)
class GraphConnection:
    """A Graph endpoint and the credential options to reach it (names of secrets, never secrets)."""

    endpoint: str
    credential: CredentialOptions = field(default_factory=CredentialOptions)

    @classmethod
    def create(cls, credential: CredentialOptions, *, graph_endpoint: str | None = None) -> GraphConnection:
        """The connection for ``credential.cloud``, or for ``graph_endpoint`` when given (validated:
        https, or plain http to a loopback address only)."""
        return cls(resolve_graph_endpoint(credential.cloud, graph_endpoint), credential)

    def ca_bundle(self, env: Mapping[str, str] | None = None) -> str | None:
        env = os.environ if env is None else env
        return self.credential.ca_bundle or env.get(CA_BUNDLE_ENV) or None

    def token_provider(self, env: Mapping[str, str] | None = None) -> TokenProvider:
        return build_token_provider(self.credential, env=env)

    def client(
        self, token_provider: TokenProvider, *, env: Mapping[str, str] | None = None, **kwargs: Any
    ) -> GraphClient:
        """A :class:`GraphClient` for this endpoint; the CA bundle (if any) verifies TLS."""
        from mfaguard.graph.client import GraphClient

        ca = self.ca_bundle(env)
        if ca and "verify" not in kwargs:
            kwargs["verify"] = ca
        return GraphClient(self.endpoint, token_provider, **kwargs)


async def token_tenant(
    provider: TokenProvider, expected_tenant_id: str | None
) -> tuple[TenantInfo, TokenInfo | None]:
    """Get a token (proving the credential works), check its ``tid`` against the tenant the user
    named, and say which tenant this is (the named one, else the token's ``tid``)."""
    token = await provider.get_token()
    check_token_tenant(token, expected_tenant_id)
    claims = decode_claims(token)
    info = TokenInfo.from_claims(claims) if claims else None
    tenant_id = expected_tenant_id or (info.tenant_id if info else None)
    return TenantInfo(id=tenant_id), info
