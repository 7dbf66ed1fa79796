"""The fleet file → what the runner and ``watch`` need: tenants with defaults merged, store URL,
schedule and concurrency. The only module of the fleet runner that reads :mod:`mfaguard.fleet.config`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mfaguard.fleet.model import FleetTenant

if TYPE_CHECKING:
    from mfaguard.fleet.config import EffectiveTenant
    from mfaguard.fleet.schedule import Schedule

__all__ = ["LoadedFleet", "load_fleet", "tenant_from_config"]


@dataclass(frozen=True, slots=True)
class LoadedFleet:
    path: Path
    tenants: tuple[FleetTenant, ...]
    store_url: str | None
    schedule: Schedule | None
    concurrency: int | None


def _relative_to(base: Path, value: str | None) -> str | None:
    """Paths in the fleet file are relative to the file (not to wherever mfaguard is started)."""
    if not value:
        return value
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else base / path)


def tenant_from_config(tenant: EffectiveTenant, base: Path) -> FleetTenant:
    """One merged tenant of the file as the runner wants it."""
    from mfaguard.controls import CONTROLS
    from mfaguard.graph.connect import GraphConnection

    options = tenant.credential_options()
    options = replace(
        options,
        ca_bundle=_relative_to(base, options.ca_bundle),
        certificate_path=_relative_to(base, options.certificate_path),
    )
    connection = GraphConnection.create(options, graph_endpoint=tenant.graph_endpoint)
    controls = {c.id for c in CONTROLS}
    no_fix = {cid for cid in controls if not tenant.remediable(cid)}
    return FleetTenant(
        name=tenant.name,
        tenant_id=tenant.tenant_id,
        connection=connection,
        settings=tenant.audit_settings(),
        baseline=str(
            _relative_to(base, tenant.baseline) if _is_file(base, tenant.baseline) else tenant.baseline
        ),
        mode=tenant.mode,
        tags=tenant.tags,
        pilot_group=tenant.pilot_group,
        notifications=tuple(tenant.notifications),
        secret_envs=tenant.secret_envs(),
        directory=tenant.directory,
        skip_controls=tenant.skipped_controls(),
        remediate_controls=None if not no_fix else frozenset(controls - no_fix),
    )


def _is_file(base: Path, baseline: str) -> bool:
    from mfaguard.enforce.baseline import BUILTIN_NAMES

    return baseline not in BUILTIN_NAMES and (base / baseline).is_file()


def load_fleet(path: str | os.PathLike[str], *, env: Mapping[str, str] | None = None) -> LoadedFleet:
    """Read and validate the fleet file (errors name file, line and key: exit 2)."""
    from mfaguard.fleet.config import load_fleet_config
    from mfaguard.fleet.schedule import Schedule, interval

    config = load_fleet_config(Path(path))
    base = Path(path).resolve().parent
    tenants = tuple(tenant_from_config(t, base) for t in config.effective_tenants())
    schedule: Schedule | None = None
    if config.schedule is not None:
        every = config.schedule.every
        schedule = Schedule(every=interval(every)) if every else Schedule(cron=config.schedule.cron)
    store = config.store_url(os.environ if env is None else env)
    return LoadedFleet(Path(path), tenants, store, schedule, config.concurrency)
