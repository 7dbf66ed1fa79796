"""open_tenant: the one way in — a token for the named tenant, then a client that knows its claims."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from mfaguard.emulator import Emulator
from mfaguard.errors import AuthError, UsageError
from mfaguard.graph.auth import CredentialKind, CredentialOptions
from mfaguard.graph.clouds import Cloud
from mfaguard.graph.connect import GraphConnection, open_tenant, run_on_tenant

CONNECTION = GraphConnection.create(
    CredentialOptions(kind=CredentialKind.TOKEN), graph_endpoint="https://graph.emulator.test"
)


def _kwargs(emu: Emulator, **roles: Any) -> dict[str, Any]:
    return {
        "env": {"MFAGUARD_ACCESS_TOKEN": emu.issue_token(None, roles.get("roles"))},
        "transport": httpx.ASGITransport(app=emu.asgi_app),
    }


def test_open_tenant_yields_a_working_client_and_the_tenant(emulator: Emulator) -> None:
    tenant_id = emulator.default_tenant.id

    async def go() -> tuple[Any, Any, Any]:
        async with open_tenant(CONNECTION, tenant_id, name="contoso", **_kwargs(emulator)) as (
            client,
            tenant,
        ):
            body = await client.get("/policies/authenticationMethodsPolicy")
            return tenant, client.token_info, body

    tenant, info, body = asyncio.run(go())
    assert (tenant.id, tenant.name) == (tenant_id, "contoso")
    assert info is not None and info.tenant_id == tenant_id and "Policy.Read.All" in info.permissions
    assert body["id"] == "authenticationMethodsPolicy"


def test_a_token_for_another_tenant_is_refused_before_anything_is_read(emulator: Emulator) -> None:
    async def go() -> None:
        async with open_tenant(CONNECTION, "11111111-1111-1111-1111-111111111111", **_kwargs(emulator)):
            pytest.fail("opened a tenant the token is not for")

    with pytest.raises(AuthError):
        asyncio.run(go())
    assert not list(emulator.requests())  # no Graph request was made


def test_run_on_tenant_runs_one_piece_of_work(emulator: Emulator) -> None:
    async def tenant_id(client: Any, tenant: Any) -> str:
        return str(tenant.id)

    found = asyncio.run(run_on_tenant(CONNECTION, None, tenant_id, **_kwargs(emulator)))
    assert found == emulator.default_tenant.id  # the token's tid when none is named


def test_the_credential_tenant_is_the_expected_one_when_none_is_named(emulator: Emulator) -> None:
    other = GraphConnection.create(
        CredentialOptions(kind=CredentialKind.TOKEN, tenant_id="11111111-1111-1111-1111-111111111111"),
        graph_endpoint="https://graph.emulator.test",
    )

    async def go() -> None:
        async with open_tenant(other, **_kwargs(emulator)):
            pytest.fail("opened a tenant the token is not for")

    with pytest.raises(AuthError):
        asyncio.run(go())


def test_a_connection_from_the_environment_reads_what_the_cli_reads() -> None:
    connection = GraphConnection.from_env(
        {
            "MFAGUARD_GRAPH_ENDPOINT": "https://127.0.0.1:8443",
            "MFAGUARD_CLOUD": "usgov",
            "MFAGUARD_AUTH": "client-secret",
            "AZURE_TENANT_ID": "tenant-b",
            "MFAGUARD_TENANT_ID": "tenant-a",
            "MFAGUARD_CLIENT_ID": "app",
        }
    )
    assert connection.endpoint == "https://127.0.0.1:8443"
    credential = connection.credential
    assert (credential.cloud, credential.kind) == (Cloud("usgov"), CredentialKind("client-secret"))
    assert (credential.tenant_id, credential.client_id) == ("tenant-a", "app")
    assert GraphConnection.from_env({"AZURE_TENANT_ID": "tenant-b"}).credential.tenant_id == "tenant-b"
    assert GraphConnection.from_env({}).endpoint == "https://graph.microsoft.com"


def test_a_bad_value_in_the_environment_is_named_in_the_one_wording() -> None:
    with pytest.raises(UsageError, match=r"invalid value for MFAGUARD_CLOUD: 'mars'"):
        GraphConnection.from_env({"MFAGUARD_CLOUD": "mars"})
