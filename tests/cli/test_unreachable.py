"""An endpoint that cannot be reached is one line, at once (issue 12, item 3), through the real CLI.

What could not be reached, the cause (refused / DNS / TLS), what to check; exit 3; no retries for a
refused connection, and a refused token endpoint is not "check the secret".
"""

from __future__ import annotations

import socket
import time

import pytest

from mfaguard.emulator import RunningEmulator
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e

QUICK = 6.0
"""Seconds: the old client spent ~12 s retrying a refused Graph connection, azure-identity ~5 s."""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(
    "command", [["audit"], ["coverage"], ["plan", "--baseline", "recommended"], ["detect"]]
)
def test_a_refused_graph_endpoint_is_one_line_at_once(
    emulator_server: RunningEmulator, command: list[str]
) -> None:
    port = closed_port()
    env = {**emulator_server.env(), "MFAGUARD_GRAPH_ENDPOINT": f"http://127.0.0.1:{port}"}
    started = time.monotonic()
    result = run_cli(command, env=env)
    elapsed = time.monotonic() - started
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""  # no report full of ERROR rows repeating the connection error
    line = one_line(result.stderr)
    assert line.startswith(f"error: cannot reach Microsoft Graph at 127.0.0.1:{port} (connection refused)")
    assert "--graph-endpoint" in line
    assert elapsed < QUICK, elapsed


def test_a_refused_token_endpoint_says_so(emulator_server: RunningEmulator) -> None:
    port = closed_port()
    env = {**emulator_server.env(), "MFAGUARD_AUTHORITY_HOST": f"https://127.0.0.1:{port}"}
    started = time.monotonic()
    result = run_cli(["audit"], env=env)
    elapsed = time.monotonic() - started
    assert result.returncode == 3
    line = one_line(result.stderr)
    assert f"cannot reach the token endpoint at https://127.0.0.1:{port} (connection refused)" in line
    assert "MFAGUARD_AUTHORITY_HOST" in line
    assert "secret" not in line
    assert elapsed < QUICK, elapsed


def test_an_untrusted_certificate_names_tls_and_the_ca_bundle(emulator_server: RunningEmulator) -> None:
    env = {
        k: v
        for k, v in emulator_server.env().items()
        if k not in ("MFAGUARD_CA_BUNDLE", "REQUESTS_CA_BUNDLE")
    }
    result = run_cli(["audit"], env=env)
    assert result.returncode == 3
    line = one_line(result.stderr)
    assert "cannot reach the token endpoint" in line and "(TLS certificate not trusted)" in line
    assert "MFAGUARD_CA_BUNDLE" in line


def test_an_unknown_host_names_dns(emulator_server: RunningEmulator) -> None:
    env = {**emulator_server.env(), "MFAGUARD_GRAPH_ENDPOINT": "https://graph.no-such-host.invalid"}
    result = run_cli(["audit"], env=env)
    assert result.returncode == 3
    line = one_line(result.stderr)
    assert "cannot reach Microsoft Graph at graph.no-such-host.invalid (host name not found in DNS)" in line
