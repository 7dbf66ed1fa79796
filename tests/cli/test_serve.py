"""``mfaguard serve``: refuses to start without a login, binds loopback, serves the login page."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx

from tests.conftest import cli_argv, cli_env, run_cli


def test_refuses_to_start_without_any_login(tmp_path: Path) -> None:
    result = run_cli(["serve", "--store", f"sqlite:///{tmp_path / 'h.db'}"])
    assert result.returncode == 2
    assert "no dashboard login is configured" in result.stderr
    assert "MFAGUARD_DASHBOARD_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_refuses_a_short_token(tmp_path: Path) -> None:
    result = run_cli(
        ["serve", "--store", f"sqlite:///{tmp_path / 'h.db'}"], env={"MFAGUARD_DASHBOARD_TOKEN": "short"}
    )
    assert result.returncode == 2 and "shorter than" in result.stderr


def test_refuses_a_short_session_signing_key(tmp_path: Path) -> None:
    result = run_cli(
        ["serve", "--store", f"sqlite:///{tmp_path / 'h.db'}", "--port", str(_free_port())],
        env={
            "MFAGUARD_DASHBOARD_TOKEN": "a-long-enough-test-token-123",
            "MFAGUARD_DASHBOARD_SECRET_KEY": "changeme",
        },
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "MFAGUARD_DASHBOARD_SECRET_KEY is shorter than 32 characters" in result.stderr
    assert "changeme" not in result.stderr and "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serves_on_loopback_with_a_token(tmp_path: Path) -> None:
    port = _free_port()
    env = cli_env({"MFAGUARD_DASHBOARD_TOKEN": "a-long-enough-test-token-123"})
    proc = subprocess.Popen(
        cli_argv(["serve", "--store", f"sqlite:///{tmp_path / 'h.db'}", "--port", str(port)]),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "dashboard did not start"
                time.sleep(0.2)
        assert response.status_code == 200 and "Log in" in response.text
        api = httpx.get(
            f"http://127.0.0.1:{port}/api/fleet",
            headers={"Authorization": "Bearer a-long-enough-test-token-123"},
            timeout=5,
        )
        assert api.status_code == 200 and api.json()["tenants"] == []
        assert "server" not in response.headers
    finally:
        proc.terminate()
        proc.wait(timeout=10)
