"""Credentials, token providers, claims, clouds and endpoint validation."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest

from mfaguard.errors import AuthError, UsageError
from mfaguard.graph.auth import (
    AzureIdentityTokenProvider,
    CredentialKind,
    CredentialOptions,
    StaticTokenProvider,
    TokenInfo,
    build_token_provider,
    check_token_tenant,
    decode_claims,
    resolve_kind,
)
from mfaguard.graph.clouds import Cloud, cloud_endpoints, is_loopback_host, resolve_graph_endpoint
from tests.graph._fakes import run


def fake_jwt(**claims: Any) -> str:
    def seg(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{seg({'alg': 'none'})}.{seg(claims)}.sig"


def test_decode_claims_and_token_info() -> None:
    token = fake_jwt(
        tid="t1",
        appid="a1",
        roles=["Policy.Read.AuthenticationMethod"],
        aud="https://graph.microsoft.com",
        exp=2000000000,
    )
    info = TokenInfo.from_claims(decode_claims(token) or {})
    assert info.tenant_id == "t1"
    assert info.identity == "app"
    assert info.permissions == {"Policy.Read.AuthenticationMethod"}
    delegated = TokenInfo.from_claims({"scp": "AuditLog.Read.All User.Read.All", "upn": "a@b"})
    assert delegated.identity == "user"
    assert delegated.permissions == {"AuditLog.Read.All", "User.Read.All"}
    assert decode_claims("opaque-token") is None
    assert decode_claims("a.!!!.c") is None


def test_static_token_strips_bearer_and_rejects_expired() -> None:
    assert run(StaticTokenProvider("Bearer abc").get_token()) == "abc"
    expired = fake_jwt(exp=int(time.time()) - 60)
    with pytest.raises(AuthError, match="expired"):
        run(StaticTokenProvider(expired).get_token())
    with pytest.raises(AuthError, match="empty"):
        StaticTokenProvider("  ")


def test_tenant_check() -> None:
    token = fake_jwt(tid="11111111-1111-1111-1111-111111111111")
    check_token_tenant(token, "11111111-1111-1111-1111-111111111111")
    check_token_tenant("opaque", "anything")
    with pytest.raises(AuthError, match="not 2222"):
        check_token_tenant(token, "22222222-2222-2222-2222-222222222222")


def test_auto_kind_prefers_token_then_certificate_then_secret() -> None:
    auto = CredentialOptions()
    assert (
        resolve_kind(auto, {"MFAGUARD_ACCESS_TOKEN": "x", "AZURE_CLIENT_SECRET": "s"}) is CredentialKind.TOKEN
    )
    assert resolve_kind(auto, {"AZURE_CLIENT_CERTIFICATE_PATH": "/c.pem"}) is CredentialKind.CERTIFICATE
    assert resolve_kind(auto, {"AZURE_CLIENT_SECRET": "s"}) is CredentialKind.CLIENT_SECRET
    assert resolve_kind(auto, {}) is CredentialKind.DEFAULT


def test_client_secret_credential_gets_authority_ca_and_no_instance_discovery(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    env = {
        "AZURE_TENANT_ID": "t1",
        "AZURE_CLIENT_ID": "c1",
        "AZURE_CLIENT_SECRET": "s3cret",
        "MFAGUARD_AUTHORITY_HOST": "https://127.0.0.1:8443",
        "MFAGUARD_CA_BUNDLE": str(ca),
    }
    provider = build_token_provider(CredentialOptions(), env=env)
    assert isinstance(provider, AzureIdentityTokenProvider)
    credential = provider._credential
    assert type(credential).__name__ == "ClientSecretCredential"
    assert "s3cret" not in provider.describe()
    assert credential._instance_discovery is False  # azure-identity's private settings
    assert credential._authority == "https://127.0.0.1:8443"
    transport = credential._client._pipeline._transport
    assert transport.connection_config.verify == str(ca)  # not REQUESTS_CA_BUNDLE


def test_missing_pieces_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="client ID"):
        build_token_provider(
            CredentialOptions(kind=CredentialKind.CLIENT_SECRET),
            env={"AZURE_CLIENT_SECRET": "s", "AZURE_TENANT_ID": "t"},
        )
    with pytest.raises(UsageError, match="MFAGUARD_ACCESS_TOKEN"):
        build_token_provider(CredentialOptions(kind=CredentialKind.TOKEN), env={})
    with pytest.raises(UsageError, match="does not exist"):
        build_token_provider(
            CredentialOptions(kind=CredentialKind.CERTIFICATE, certificate_path=str(tmp_path / "no.pem")),
            env={"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"},
        )
    with pytest.raises(UsageError, match="CA bundle"):
        build_token_provider(
            CredentialOptions(ca_bundle=str(tmp_path / "none.pem")), env={"AZURE_CLIENT_SECRET": "s"}
        )
    with pytest.raises(UsageError, match="https"):
        build_token_provider(
            CredentialOptions(authority_host="http://127.0.0.1:9"), env={"AZURE_CLIENT_SECRET": "s"}
        )


def test_azure_identity_provider_caches_and_maps_errors() -> None:
    from azure.core.credentials import AccessToken
    from azure.core.exceptions import ClientAuthenticationError

    class Cred:
        calls = 0
        fail = False

        def get_token(self, scope: str) -> AccessToken:
            Cred.calls += 1
            if Cred.fail:
                raise ClientAuthenticationError("AADSTS7000215: Invalid client secret provided.\nTrace ID: x")
            return AccessToken(f"tok{Cred.calls}", int(time.time()) + 3600)

    provider = AzureIdentityTokenProvider(Cred(), "https://graph.microsoft.com/.default")

    async def twice() -> tuple[str, str]:
        return await provider.get_token(), await provider.get_token()

    assert run(twice()) == ("tok1", "tok1")
    provider.invalidate()
    Cred.fail = True
    with pytest.raises(AuthError, match="AADSTS7000215") as info:
        run(provider.get_token())
    assert "Trace ID" not in str(info.value)


def test_clouds() -> None:
    assert cloud_endpoints("usgov-dod").graph == "https://dod-graph.microsoft.us"
    assert cloud_endpoints(Cloud.CHINA).scope == "https://microsoftgraph.chinacloudapi.cn/.default"
    assert resolve_graph_endpoint("global", None) == "https://graph.microsoft.com"
    assert resolve_graph_endpoint("global", "http://localhost:9/") == "http://localhost:9"
    assert is_loopback_host("127.0.0.5") and is_loopback_host("::1") and not is_loopback_host("10.0.0.1")
    with pytest.raises(UsageError, match="unknown cloud"):
        cloud_endpoints("mars")
    with pytest.raises(UsageError, match="not an http"):
        resolve_graph_endpoint("global", "ftp://x")
