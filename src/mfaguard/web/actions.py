"""What an operator can do from the dashboard, through the same library calls as the CLI.

- "Run now" is ``mfaguard fleet audit --tenant NAME``: :func:`mfaguard.fleet.session.execute`.
- "Roll back" is ``mfaguard rollback --to ID`` on the change's tenant, opened with the credential the
  fleet file gives it: :func:`mfaguard.fleet.session.roll_back_change`.

The dashboard's confirmation page is the consent (``confirm`` answers yes); the safe-change path still
refuses an object edited after the change (never ``--force`` from the browser).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mfaguard.errors import UsageError

if TYPE_CHECKING:
    from mfaguard.fleet.model import FleetTenant
    from mfaguard.store import Store


@dataclass(frozen=True, slots=True)
class ActionResult:
    ok: bool
    message: str
    run_id: int | None = None
    change_id: int | None = None
    """The rollback's own change id."""


@dataclass(slots=True)
class FleetActions:
    """Run now / roll back for the tenants of one fleet file.

    ``client_kwargs`` go to every Graph client (tests pass an in-process emulator ``transport``);
    ``env`` replaces the process environment for credentials.
    """

    config: Path | None
    store_url: str | None
    env: Mapping[str, str] | None = None
    client_kwargs: Mapping[str, Any] = field(default_factory=dict)

    def _tenant(self, name: str) -> FleetTenant:
        from mfaguard.fleet.session import fleet_tenant

        if self.config is None:
            raise UsageError(
                "the dashboard was started without a fleet file, so it has no credentials for tenants",
                hint="start it with `mfaguard serve --config mfaguard.yaml`, or use the CLI",
            )
        return fleet_tenant(self.config, name, env=self.env)

    def run_now(self, tenant: str, *, actor: str) -> ActionResult:
        """Audit one tenant now (records a run with trigger ``dashboard:<user>``)."""
        from mfaguard.fleet.session import FleetRequest, execute

        self._tenant(tenant)  # a clear error before any work
        assert self.config is not None
        request = FleetRequest(
            config=self.config,
            names=(tenant,),
            store_url=self.store_url,
            trigger=f"dashboard:{actor}"[:32],
        )
        outcome = execute(request, env=self.env, client_kwargs=self.client_kwargs)
        result = outcome.tenants[0] if outcome.tenants else None
        if result is None:
            return ActionResult(False, f"{tenant}: nothing was run")
        if result.status != "ok":
            return ActionResult(False, f"{tenant}: {result.error}", run_id=result.run_id)
        return ActionResult(True, f"{tenant}: audited", run_id=result.run_id)

    def rollback(self, store: Store, change_id: int, *, actor: str) -> ActionResult:
        """Restore the pre-change state of ``change_id`` and verify it (``mfaguard rollback --to``)."""
        change = store.get_change(change_id)
        if change is None:
            raise UsageError(f"change {change_id} does not exist in the history store")
        from mfaguard.fleet.session import roll_back_change

        tenant = self._tenant(change.tenant)
        env = self.env if self.env is not None else os.environ
        rollback = roll_back_change(
            tenant, store, change_id, actor=f"dashboard:{actor}", env=env, client_kwargs=self.client_kwargs
        )
        outcome = asyncio.run(rollback)
        message = f"rollback of change {change_id}: {outcome.result}" + (
            " and verified" if outcome.verified else ""
        )
        if outcome.message:
            message += f" ({outcome.message})"
        return ActionResult(outcome.exit_code == 0, message, change_id=outcome.change_id)
