"""The Entra side: discovery, client-secret and certificate-assertion token requests, AAD error shape,
and azure-identity end to end over HTTPS."""

from __future__ import annotations

import datetime as dt
import os
import ssl
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mfaguard.emulator import DEFAULT_CLIENT_ID, ROLE_POLICY_READ, Emulator, RunningEmulator
from mfaguard.emulator.tokens import certificate_thumbprints
from tests.emulator.conftest import POLICY

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make_certificate() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mfaguard test app")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def assertion(
    key: rsa.RSAPrivateKey, cert: x509.Certificate, *, client_id: str, aud: str, **overrides: Any
) -> str:
    _, sha256 = certificate_thumbprints(cert)
    now = int(time.time())
    claims = {
        "aud": aud,
        "iss": client_id,
        "sub": client_id,
        "jti": str(uuid.uuid4()),
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm="PS256", headers={"x5t#S256": sha256})


async def token_request(emu: Emulator, tenant: str, form: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emu.asgi_app), base_url="https://login.test"
    ) as c:
        return await c.post(f"/{tenant}/oauth2/v2.0/token", data=form)


def aad_error(response: httpx.Response, code: int) -> dict[str, Any]:
    body = response.json()
    assert body["error_codes"] == [code], body
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    for key in ("error", "timestamp", "trace_id", "correlation_id"):
        assert body[key]
    return dict(body)


async def test_openid_configuration_by_id_and_domain(emulator: Emulator) -> None:
    tenant = emulator.default_tenant
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator.asgi_app), base_url="https://login.test"
    ) as c:
        by_id = (await c.get(f"/{tenant.id}/v2.0/.well-known/openid-configuration")).json()
        by_domain = (await c.get(f"/{tenant.domain}/v2.0/.well-known/openid-configuration")).json()
        unknown = await c.get("/nosuch.onmicrosoft.com/v2.0/.well-known/openid-configuration")
        keys = (await c.get(f"/{tenant.id}/discovery/v2.0/keys")).json()
    assert by_id["token_endpoint"] == f"https://login.test/{tenant.id}/oauth2/v2.0/token"
    assert by_domain["token_endpoint"] == by_id["token_endpoint"]
    assert by_id["issuer"] == f"https://login.test/{tenant.id}/v2.0"
    assert unknown.status_code == 400
    assert aad_error(unknown, 90002)["error"] == "invalid_tenant"
    assert keys["keys"][0]["kty"] == "RSA"


async def test_client_secret_token_has_graph_v1_claims(emulator: Emulator) -> None:
    tenant = emulator.default_tenant
    app = emulator.add_app(roles=[ROLE_POLICY_READ], secret="s3cret-value")
    response = await token_request(
        emulator,
        tenant.domain,
        {
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": "s3cret-value",
            "scope": "https://graph.microsoft.com/.default",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["iss"] == f"https://sts.windows.net/{tenant.id}/"
    assert claims["tid"] == tenant.id and claims["appid"] == app.client_id
    assert claims["roles"] == [ROLE_POLICY_READ]
    assert claims["idtyp"] == "app" and claims["ver"] == "1.0"
    assert claims["exp"] - claims["iat"] == 3599
    # the Graph side accepts it, and reads permissions from roles
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator.asgi_app),
        base_url="https://graph.test",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    ) as graph:
        assert (await graph.get(f"/beta{POLICY}")).status_code == 200
        assert (await graph.get("/beta/users")).status_code == 403


@pytest.mark.parametrize(
    ("form", "status", "error", "code"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client", 7000215),
        ({"client_id": "00000000-1111-2222-3333-444444444444"}, 400, "unauthorized_client", 700016),
        ({"scope": "https://graph.microsoft.com/Policy.Read.All"}, 400, "invalid_scope", 1002012),
        ({"scope": "https://management.azure.com/.default"}, 400, "invalid_resource", 500011),
        ({"grant_type": "password"}, 400, "unsupported_grant_type", 70003),
        ({"grant_type": ""}, 400, "invalid_request", 900144),
        ({"client_secret": ""}, 401, "invalid_client", 7000218),
    ],
)
async def test_token_errors_have_the_aad_shape(
    emulator: Emulator, form: dict[str, str], status: int, error: str, code: int
) -> None:
    base = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": emulator.default_secret,
        "scope": "https://graph.microsoft.com/.default",
    }
    base.update(form)
    response = await token_request(
        emulator, emulator.default_tenant.id, {k: v for k, v in base.items() if v != "" or k == "grant_type"}
    )
    assert response.status_code == status, response.text
    assert aad_error(response, code)["error"] == error


async def test_certificate_assertion_is_verified_with_the_registered_certificate(emulator: Emulator) -> None:
    key, cert = make_certificate()
    other_key, other_cert = make_certificate()
    app = emulator.add_app(
        roles=[ROLE_POLICY_READ], certificate_pem=cert.public_bytes(serialization.Encoding.PEM)
    )
    tenant = emulator.default_tenant.id
    aud = f"https://login.test/{tenant}/oauth2/v2.0/token"
    form = {
        "grant_type": "client_credentials",
        "client_id": app.client_id,
        "scope": "https://graph.microsoft.com/.default",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    ok = await token_request(
        emulator, tenant, {**form, "client_assertion": assertion(key, cert, client_id=app.client_id, aud=aud)}
    )
    assert ok.status_code == 200, ok.text
    # RS256 with a SHA-1 thumbprint (x5t) is accepted too
    sha1, _ = certificate_thumbprints(cert)
    now = int(time.time())
    rs = jwt.encode(
        {"aud": aud, "iss": app.client_id, "sub": app.client_id, "jti": "1", "nbf": now, "exp": now + 600},
        key,
        algorithm="RS256",
        headers={"x5t": sha1},
    )
    assert (await token_request(emulator, tenant, {**form, "client_assertion": rs})).status_code == 200
    # an unregistered certificate, a forged signature, a wrong audience, an expired assertion
    unregistered = assertion(other_key, other_cert, client_id=app.client_id, aud=aud)
    response = await token_request(emulator, tenant, {**form, "client_assertion": unregistered})
    assert response.status_code == 401 and aad_error(response, 700027)["error"] == "invalid_client"
    _, sha256 = certificate_thumbprints(cert)
    forged = jwt.encode(
        {"aud": aud, "iss": app.client_id, "sub": app.client_id, "nbf": now, "exp": now + 600},
        other_key,
        algorithm="PS256",
        headers={"x5t#S256": sha256},
    )
    response = await token_request(emulator, tenant, {**form, "client_assertion": forged})
    assert response.status_code == 401 and aad_error(response, 700027)
    wrong_aud = assertion(
        key, cert, client_id=app.client_id, aud="https://login.test/other/oauth2/v2.0/token"
    )
    assert (await token_request(emulator, tenant, {**form, "client_assertion": wrong_aud})).status_code == 401
    expired = assertion(key, cert, client_id=app.client_id, aud=aud, exp=now - 3600, nbf=now - 7200)
    response = await token_request(emulator, tenant, {**form, "client_assertion": expired})
    assert response.status_code == 401 and aad_error(response, 700024)


async def test_graph_rejects_bad_tokens(emulator: Emulator) -> None:
    expired = emulator.issue_token(issued_at=time.time() - 7200)
    foreign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {"aud": "https://graph.microsoft.com", "tid": emulator.default_tenant.id, "exp": time.time() + 600},
        foreign_key,
        algorithm="RS256",
    )
    wrong_aud = emulator.issue_token(audience="https://management.azure.com")
    cases = {
        None: "Access token is empty.",
        "garbage": "JWT is not well formed",
        expired: "expired",
        forged: "Invalid signature",
        wrong_aud: "Invalid audience",
    }
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator.asgi_app), base_url="https://graph.test"
    ) as c:
        for token, message in cases.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await c.get(f"/beta{POLICY}", headers=headers)
            assert response.status_code == 401
            error = response.json()["error"]
            assert error["code"] == "InvalidAuthenticationToken"
            assert message in error["message"]
            assert "WWW-Authenticate" in response.headers


def test_azure_identity_client_secret_credential_end_to_end(
    emulator_server: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azure.identity import ClientSecretCredential

    # This machine sets REQUESTS_CA_BUNDLE, which overrides MSAL's own verify: point it at the emulator CA.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator_server.ca_path))
    emu = emulator_server.emulator
    credential = ClientSecretCredential(
        emu.default_tenant.id,
        DEFAULT_CLIENT_ID,
        emu.default_secret,
        authority=emulator_server.authority_host,
        disable_instance_discovery=True,
        connection_verify=str(emulator_server.ca_path),
    )
    token = credential.get_token("https://graph.microsoft.com/.default")
    assert token.expires_on > time.time() + 3000
    response = httpx.get(
        f"{emulator_server.graph_endpoint}/beta{POLICY}",
        headers={"Authorization": f"Bearer {token.token}"},
        verify=ssl.create_default_context(cafile=str(emulator_server.ca_path)),
    )
    assert response.status_code == 200
    paths = [r["path"] for r in emu.requests()]
    assert f"/{emu.default_tenant.id}/v2.0/.well-known/openid-configuration" in paths
    assert f"/{emu.default_tenant.id}/oauth2/v2.0/token" in paths


def test_azure_identity_certificate_credential_end_to_end(
    emulator_server: RunningEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from azure.identity import CertificateCredential

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator_server.ca_path))
    key, cert = make_certificate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem += cert.public_bytes(serialization.Encoding.PEM)
    path = tmp_path / "app.pem"
    path.write_bytes(pem)
    emu = emulator_server.emulator
    app = emu.add_app(roles=[ROLE_POLICY_READ], certificate_pem=cert.public_bytes(serialization.Encoding.PEM))
    credential = CertificateCredential(
        emu.default_tenant.id,
        app.client_id,
        certificate_path=str(path),
        authority=emulator_server.authority_host,
        disable_instance_discovery=True,
        connection_verify=str(emulator_server.ca_path),
    )
    token = credential.get_token("https://graph.microsoft.com/.default")
    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert claims["appid"] == app.client_id and claims["roles"] == [ROLE_POLICY_READ]
    assert os.environ["REQUESTS_CA_BUNDLE"] == str(emulator_server.ca_path)


async def test_token_lifetime_knob(emulator: Emulator) -> None:
    emulator.set_knobs(token_lifetime_s=120)
    response = await token_request(
        emulator,
        emulator.default_tenant.id,
        {
            "grant_type": "client_credentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": emulator.default_secret,
            "scope": "https://graph.microsoft.com/.default",
        },
    )
    body = response.json()
    assert body["expires_in"] == 120
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 120
