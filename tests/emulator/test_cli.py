"""``mfaguard emulator`` prints export lines and serves until stopped."""

from __future__ import annotations

import signal
import ssl
import subprocess

import httpx
import pytest

from tests.conftest import cli_argv, cli_env, run_cli


@pytest.mark.e2e
def test_emulator_command_prints_exports_and_serves() -> None:
    proc = subprocess.Popen(
        cli_argv(["emulator", "--scenario", "compliant", "--tenants", "2", "--latency-ms", "1"]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        exports: dict[str, str] = {}
        assert proc.stdout is not None
        while len(exports) < 8:
            line = proc.stdout.readline()
            assert line.startswith("export "), line
            name, _, value = line[len("export ") :].strip().partition("=")
            exports[name] = value.strip("'")
        assert exports["MFAGUARD_GRAPH_ENDPOINT"].startswith("https://127.0.0.1:")
        ctx = ssl.create_default_context(cafile=exports["MFAGUARD_CA_BUNDLE"])
        token = httpx.post(
            f"{exports['MFAGUARD_AUTHORITY_HOST']}/{exports['AZURE_TENANT_ID']}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": exports["AZURE_CLIENT_ID"],
                "client_secret": exports["AZURE_CLIENT_SECRET"],
                "scope": "https://graph.microsoft.com/.default",
            },
            verify=ctx,
            timeout=60,
        ).json()["access_token"]
        policy = httpx.get(
            f"{exports['MFAGUARD_GRAPH_ENDPOINT']}/beta/policies/authenticationMethodsPolicy",
            headers={"Authorization": f"Bearer {token}"},
            verify=ctx,
            timeout=60,
        )
        assert policy.status_code == 200
        assert (
            len(
                httpx.get(f"{exports['MFAGUARD_GRAPH_ENDPOINT']}/_emulator/", verify=ctx, timeout=60).json()[
                    "tenants"
                ]
            )
            == 2
        )
    finally:
        # Generous waits: on a loaded 2-core machine the child can take seconds to wind down.
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise


def test_unknown_scenario_is_a_usage_error() -> None:
    result = run_cli(["emulator", "--scenario", "no-such-scenario"])
    assert result.returncode == 2
    assert "no-such-scenario" in result.stderr
    assert "Traceback" not in result.stderr
