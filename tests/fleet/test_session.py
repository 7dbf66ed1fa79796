"""The fleet wiring the CLI and the dashboard share: a tenant by name, a change rolled back on it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mfaguard.errors import UsageError
from mfaguard.fleet.session import fleet_tenant, roll_back_change
from mfaguard.store import open_store
from tests.fleet.emulated import emulated_fleet


def test_a_tenant_is_found_by_its_name_in_the_file(tmp_path: Path) -> None:
    fleet = emulated_fleet(tmp_path)
    assert fleet_tenant(fleet.config, "tailspin", env=fleet.env).name == "tailspin"
    with pytest.raises(UsageError, match="tenant 'contoso' is not in the fleet file"):
        fleet_tenant(fleet.config, "contoso", env=fleet.env)


def test_a_change_is_rolled_back_with_the_credential_the_file_gives(tmp_path: Path) -> None:
    fleet = emulated_fleet(tmp_path)
    tenant = fleet_tenant(fleet.config, "northwind", env=fleet.env)
    with open_store(fleet.store_url) as store:
        outcome = asyncio.run(
            roll_back_change(
                tenant,
                store,
                fleet.change_id,
                actor="ops",
                env=fleet.env,
                client_kwargs=fleet.client_kwargs,
            )
        )
        assert outcome.exit_code == 0 and outcome.verified
        assert fleet.authenticator() == fleet.before_apply
        rollback = store.list_changes(tenant="northwind", limit=1)[0]
        assert (rollback.kind, rollback.reverts_id, rollback.actor) == ("rollback", fleet.change_id, "ops")
