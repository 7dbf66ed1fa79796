"""Helpers the CLI tests share: the emulator's known groups, what the emulated service stored, running
a command with ``--format json``, and writing a fleet file for a running emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mfaguard.emulator import Emulator, RunningEmulator
from mfaguard.enforce.body import comparable
from tests.conftest import run_cli

NORTH = "53c2b187-06b6-578c-9a73-abb932db6425"  # weak: 'Field Ops - North', every member has Authenticator
FIELD_OPS = "37b632a4-6a93-57f0-800a-11b563d7a59c"  # weak: the push-only target
LEGACY_PILOT = "259bb083-ee0d-503b-adce-3cd7b6bec5f8"  # legacy-2022: 'Number Matching Pilot'


def stored(emu: Emulator) -> Any:
    """The tenant's policy as the service stores it, less annotations and read-only properties."""
    state = emu.stored_policy()
    return comparable(dict(state.root), is_policy=True), {
        c["id"]: comparable(c, is_policy=False) for c in state.configs
    }


def patches(emu: Emulator) -> list[dict[str, Any]]:
    return list(emu.requests(method="PATCH"))


def store_args(tmp_path: Path) -> list[str]:
    return ["--store", f"sqlite:///{tmp_path / 'history.db'}"]


def cli_json(args: list[str], server: RunningEmulator) -> tuple[int, dict[str, Any], str]:
    result = run_cli([*args, "--format", "json"], env=server.env())
    try:
        document = json.loads(result.stdout) if result.stdout.strip() else {}
    except json.JSONDecodeError:
        pytest.fail(f"not JSON: {result.stdout!r} / {result.stderr}")
    return result.returncode, document, result.stderr


def write_fleet(
    path: Path, server: RunningEmulator, tenants: list[tuple[str, str, str]], **extra: str
) -> Path:
    """A fleet file for ``tenants`` (name, tenant id, secret variable) served by ``server``."""
    env = server.env()
    lines = [
        f"store: sqlite:///{path.parent / 'history.db'}",
        "defaults:",
        f"  graph_endpoint: {server.graph_endpoint}",
        f"  authority_host: {server.authority_host}",
        f"  ca_bundle: {server.ca_path}",
        *(f"  {k}: {v}" for k, v in extra.items()),
        "tenants:",
    ]
    for name, tid, secret_env in tenants:
        lines += [
            f"  - name: {name}",
            f"    tenant_id: {tid}",
            f"    credential: {{type: client_secret, client_id: {env['AZURE_CLIENT_ID']}, secret_env: {secret_env}}}",
            f"    tags: [{'gold' if name != 'bad' else 'broken'}]",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
