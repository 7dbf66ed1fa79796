"""The runner over a real socket: azure-identity client-secret credentials against the emulator's
token endpoint (HTTPS, its own CA). A bad secret and a missing permission are reported per tenant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mfaguard.emulator import Emulator, RunningEmulator, running_emulator
from mfaguard.fleet.model import FleetTenant
from mfaguard.fleet.runner import FleetRunner, run_fleet
from mfaguard.fleet.steps import STEPS
from mfaguard.graph.auth import CredentialKind, CredentialOptions
from mfaguard.graph.connect import GraphConnection

pytestmark = pytest.mark.e2e


def _tenant(
    server: RunningEmulator, name: str, tenant_id: str, client_id: str, secret_env: str
) -> FleetTenant:
    credential = CredentialOptions(
        kind=CredentialKind.CLIENT_SECRET,
        tenant_id=tenant_id,
        client_id=client_id,
        client_secret_env=secret_env,
        authority_host=server.authority_host,
        ca_bundle=str(server.ca_path),
    )
    connection = GraphConnection.create(credential, graph_endpoint=server.graph_endpoint)
    return FleetTenant(name=name, tenant_id=tenant_id, connection=connection, secret_envs=(secret_env,))


@pytest.fixture
def served(tmp_path: Path) -> Any:
    emu = Emulator(["compliant", "weak"], tenants=3)
    with running_emulator(emu, cert_dir=tmp_path / "tls") as server:
        yield server


def test_bad_secret_and_403_are_reported_and_the_others_are_audited(
    served: RunningEmulator, tmp_path: Path
) -> None:
    from mfaguard.emulator import ROLE_USER_READ
    from mfaguard.store import open_store

    emu = served.emulator
    ids = emu.tenant_ids
    client = served.env()["AZURE_CLIENT_ID"]
    # An app in tenant 4 that holds no policy permission: its token works, the policy read is 403.
    weak_app = emu.add_app(ids[4], roles=[ROLE_USER_READ], secret="s3cret-without-policy-role")
    env = {
        "GOOD_SECRET": emu.default_secret,
        "WRONG_SECRET": "not-the-secret",
        "LIMITED_SECRET": "s3cret-without-policy-role",
    }
    tenants = [_tenant(served, f"t{i}", tid, client, "GOOD_SECRET") for i, tid in enumerate(ids)]
    tenants[1] = _tenant(served, "t1", ids[1], client, "WRONG_SECRET")
    tenants[4] = _tenant(served, "t4", ids[4], weak_app.client_id, "LIMITED_SECRET")
    with open_store(f"sqlite:///{tmp_path / 'h.db'}") as store:
        outcome = run_fleet(FleetRunner(tenants, steps=STEPS, store=store, env=env, concurrency=4))
        by_name = {t.tenant.name: t for t in outcome.tenants}
        assert by_name["t1"].status == "error" and "could not get a token" in (by_name["t1"].error or "")
        assert by_name["t4"].status == "error" and "Policy.Read" in (by_name["t4"].error or "")
        assert {n for n, t in by_name.items() if t.status == "ok"} == {"t0", "t2", "t3", "t5"}
        assert outcome.exit_code == 3
        runs = store.latest_runs("audit", status=None)
        assert {runs[n].status.value for n in ("t1", "t4")} == {"error"}
        assert "not-the-secret" not in (runs["t1"].error or "")
