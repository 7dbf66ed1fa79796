"""The client and credentials over a real socket: TLS with the emulator's CA, real timeouts, and the
certificate credential (a signed client assertion checked by the emulator's token endpoint)."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mfaguard.emulator import RunningEmulator
from mfaguard.errors import ServiceError
from mfaguard.graph.auth import StaticTokenProvider
from mfaguard.graph.client import GraphClient, RetryPolicy
from tests.conftest import run_cli
from tests.graph._fakes import run

POLICY = "/policies/authenticationMethodsPolicy"


def socket_client(server: RunningEmulator, retry: RetryPolicy) -> GraphClient:
    return GraphClient(
        server.graph_endpoint,
        StaticTokenProvider(server.emulator.issue_token()),
        verify=str(server.ca_path),
        retry=retry,
    )


def test_read_timeout_is_retried_within_the_deadline(emulator_server: RunningEmulator) -> None:
    emulator_server.emulator.add_fault(kind="timeout", hang_s=3, path="authenticationMethodsPolicy", nth=1)

    async def go() -> dict[str, Any]:
        async with socket_client(emulator_server, RetryPolicy(timeout=0.3, backoff_base=0.05)) as graph:
            return await graph.get(POLICY)

    assert run(go())["id"] == "authenticationMethodsPolicy"


def test_deadline_caps_a_hanging_endpoint(emulator_server: RunningEmulator) -> None:
    emulator_server.emulator.add_fault(kind="timeout", hang_s=5, path="authenticationMethodsPolicy", rate=1.0)

    async def go() -> None:
        policy = RetryPolicy(timeout=10, deadline=1.0, backoff_base=0.05)
        async with socket_client(emulator_server, policy) as graph:
            await graph.get(POLICY)

    started = time.monotonic()
    with pytest.raises(ServiceError, match="ReadTimeout"):
        run(go())
    assert time.monotonic() - started < 2.5  # the 1 s deadline bounds the per-attempt timeout too


def test_untrusted_certificate_says_which_option_fixes_it(emulator_server: RunningEmulator) -> None:
    async def go() -> None:
        async with GraphClient(emulator_server.graph_endpoint, StaticTokenProvider("t")) as graph:
            await graph.get(POLICY)

    with pytest.raises(ServiceError, match="MFAGUARD_CA_BUNDLE"):
        run(go())


def _certificate(tmp_path: Path) -> tuple[Path, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mfaguard test app")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "app.pem"
    path.write_bytes(key_pem + cert_pem)
    return path, cert_pem


@pytest.mark.e2e
def test_certificate_credential_end_to_end(emulator_server: RunningEmulator, tmp_path: Path) -> None:
    path, cert_pem = _certificate(tmp_path)
    app = emulator_server.emulator.add_app(
        roles=["Policy.Read.AuthenticationMethod"], certificate_pem=cert_pem
    )
    env = emulator_server.env()
    env.pop("AZURE_CLIENT_SECRET")
    env.update({"AZURE_CLIENT_ID": app.client_id, "MFAGUARD_CERTIFICATE": str(path)})
    result = run_cli(["export", "--output", "-"], env=env)
    # Policy read works with the certificate; the groups need GroupMember.Read.All (not granted): exit 3.
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    assert document["raw"]["policy"]["id"] == "authenticationMethodsPolicy"
    assert "GroupMember.Read.All" in document["read_errors"]["groups"]
    # A certificate the app does not have is refused by the token endpoint: an auth failure, exit 3.
    other, _ = _certificate(tmp_path / "other")
    bad = run_cli(["export", "--output", "-"], env={**env, "MFAGUARD_CERTIFICATE": str(other)})
    assert bad.returncode == 3
    assert "could not get a token" in bad.stderr
    assert "Traceback" not in bad.stderr
