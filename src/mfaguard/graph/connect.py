"""Where and as whom to talk to Graph, and the one way in: :func:`open_tenant`.

A :class:`GraphConnection` is an endpoint and credential options (names of secrets, never secrets).
:func:`open_tenant` turns it into a working client and the tenant it reads: it builds the credential,
gets a token (proving the credential works), checks the token's tenant against the one the user named,
and opens a :class:`~mfaguard.graph.client.GraphClient`. Every live command, fleet step, remediation,
dashboard action, the demo and ``doctor`` come in through it; everything they call takes the client
and the tenant. Building a connection imports nothing heavy; opening a client does.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from mfaguard.graph.auth import (
    AUTH_ENV,
    CA_BUNDLE_ENV,
    CERTIFICATE_ENV,
    CLIENT_ID_ENV,
    CLOUD_ENV,
    GRAPH_ENDPOINT_ENV,
    TENANT_ID_ENV,
    CredentialKind,
    CredentialOptions,
    TokenInfo,
    TokenProvider,
    build_token_provider,
    check_token_tenant,
    decode_claims,
)
from mfaguard.graph.clouds import Cloud, resolve_graph_endpoint

if TYPE_CHECKING:
    from mfaguard.graph.client import GraphClient
    from mfaguard.model.policy import TenantInfo

T = TypeVar("T")


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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GraphConnection:
        """The connection the environment describes, read as the CLI reads it when no option is given:
        ``MFAGUARD_GRAPH_ENDPOINT``, ``MFAGUARD_CLOUD``, ``MFAGUARD_AUTH``, ``MFAGUARD_TENANT_ID`` (else
        ``AZURE_TENANT_ID``), ``MFAGUARD_CLIENT_ID``, ``MFAGUARD_CERTIFICATE``; the credential itself
        reads ``AZURE_*``, ``MFAGUARD_ACCESS_TOKEN``, ``MFAGUARD_AUTHORITY_HOST`` and
        ``MFAGUARD_CA_BUNDLE`` when the token is fetched. A bad value raises
        :class:`~mfaguard.errors.UsageError`."""
        from mfaguard.errors import bad_value, one_of

        env = os.environ if env is None else env

        def pick(name: str, kind: type[Cloud] | type[CredentialKind], default: str) -> Any:
            value = env.get(name) or default
            try:
                return kind(value)
            except ValueError:
                raise bad_value(name, value, one_of(k.value for k in kind)) from None

        credential = CredentialOptions(
            kind=pick(AUTH_ENV, CredentialKind, CredentialKind.AUTO.value),
            cloud=pick(CLOUD_ENV, Cloud, Cloud.GLOBAL.value),
            tenant_id=env.get(TENANT_ID_ENV) or env.get("AZURE_TENANT_ID") or None,
            client_id=env.get(CLIENT_ID_ENV) or None,
            certificate_path=env.get(CERTIFICATE_ENV) or None,
        )
        return cls.create(credential, graph_endpoint=env.get(GRAPH_ENDPOINT_ENV) or None)

    def ca_bundle(self, env: Mapping[str, str] | None = None) -> str | None:
        env = os.environ if env is None else env
        return self.credential.ca_bundle or env.get(CA_BUNDLE_ENV) or None

    def token_provider(self, env: Mapping[str, str] | None = None) -> TokenProvider:
        return build_token_provider(self.credential, env=env)

    def client(
        self, token_provider: TokenProvider, *, env: Mapping[str, str] | None = None, **kwargs: Any
    ) -> GraphClient:
        """A :class:`GraphClient` for this endpoint; the CA bundle (if any) verifies TLS. Commands use
        :func:`open_tenant`; a bare client is for ``doctor``'s token-less reachability probe."""
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
    from mfaguard.model.policy import TenantInfo  # not at the top: declaring options (--help) needs no model

    token = await provider.get_token()
    check_token_tenant(token, expected_tenant_id)
    claims = decode_claims(token)
    info = TokenInfo.from_claims(claims) if claims else None
    tenant_id = expected_tenant_id or (info.tenant_id if info else None)
    return TenantInfo(id=tenant_id), info


@asynccontextmanager
async def open_tenant(
    connection: GraphConnection,
    expected_tenant: str | None = None,
    *,
    name: str | None = None,
    env: Mapping[str, str] | None = None,
    **client_kwargs: Any,
) -> AsyncIterator[tuple[GraphClient, TenantInfo]]:
    """``async with open_tenant(connection, tenant_id) as (client, tenant):`` — the one way in.

    Builds the credential (``env`` replaces the process environment: the demo's emulator, fleet mode),
    gets a token and refuses one for another tenant than ``expected_tenant`` (default: the credential's
    ``tenant_id``), then opens a client
    (``client_kwargs``: an in-process ``transport``, a shared ``pacer``, a short ``retry``). ``tenant``
    is the named tenant, else the token's ``tid``, with ``name`` when given. The client knows its token's
    claims (``client.token_info``). Raises :class:`~mfaguard.errors.AuthError` (no token, wrong tenant)
    or :class:`~mfaguard.errors.UnreachableError` before anything is read.
    """
    provider = connection.token_provider(env)
    tenant, info = await token_tenant(provider, expected_tenant or connection.credential.tenant_id)
    if name is not None:
        tenant = dataclasses.replace(tenant, name=name)
    async with connection.client(provider, env=env, token_info=info, **client_kwargs) as client:
        yield client, tenant


async def run_on_tenant(
    connection: GraphConnection,
    expected_tenant: str | None,
    work: Callable[[GraphClient, TenantInfo], Awaitable[T]],
    *,
    env: Mapping[str, str] | None = None,
    **client_kwargs: Any,
) -> T:
    """``await work(client, tenant)`` inside :func:`open_tenant` (the CLI and the demo run one piece
    of work per tenant this way)."""
    async with open_tenant(connection, expected_tenant, env=env, **client_kwargs) as (client, tenant):
        return await work(client, tenant)
