"""The fleet file → what the runner and ``watch`` need: the tenants, each with every default merged in
(one :class:`~mfaguard.fleet.model.FleetTenant`: the runner never reads the file's models), the store
URL, schedule and concurrency. The only module of the fleet runner that reads
:mod:`mfaguard.fleet.config`.

Precedence for a tenant's settings: ``defaults`` < each ``groups`` entry named by one of the tenant's
tags (in tag order) < the tenant itself. Scalars are replaced; lists (tags, break-glass groups,
exceptions, notifications) are combined; per-control overrides are merged per control. Paths in the
file are relative to the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mfaguard.fleet.model import FleetTenant, Mode

if TYPE_CHECKING:
    from mfaguard.fleet.config import FleetConfig, TenantConfig
    from mfaguard.fleet.schedule import Schedule

__all__ = ["LoadedFleet", "load_fleet", "merge_tenant", "tenants_of"]


@dataclass(frozen=True, slots=True)
class LoadedFleet:
    path: Path
    tenants: tuple[FleetTenant, ...]
    store_url: str | None
    schedule: Schedule | None
    concurrency: int | None


_SCALARS = (
    "credential",
    "cloud",
    "graph_endpoint",
    "authority_host",
    "ca_bundle",
    "baseline",
    "mode",
    "pilot_group",
    "break_glass_max_members",
    "number_matching",
    "max_concurrent_requests",
    "directory",
)


def _relative_to(base: Path, value: str | None) -> str | None:
    """Paths in the fleet file are relative to the file (not to wherever mfaguard is started)."""
    if not value:
        return value
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else base / path)


def merge_tenant(config: FleetConfig, tenant: TenantConfig, base: Path) -> FleetTenant:
    """One tenant of the file with ``defaults`` < tag groups (in tag order) < the tenant applied, as
    the runner uses it (``base``: the folder of the file, for relative paths)."""
    from mfaguard.controls import CONTROL_IDS
    from mfaguard.fleet.config import ControlOverride, credential_options, layers_of, secret_env_names
    from mfaguard.graph.clouds import Cloud
    from mfaguard.graph.connect import GraphConnection
    from mfaguard.model.settings import AuditSettings, NumberMatchingMode

    tags, layers = layers_of(config, tenant)
    values: dict[str, Any] = {}
    for name in _SCALARS:
        for layer in layers:
            value = getattr(layer, name)
            if value is not None:
                values[name] = value
    cloud = values.get("cloud", Cloud.GLOBAL)
    controls: dict[str, ControlOverride] = {}
    for layer in layers:
        controls.update(layer.controls or {})
    notifications = (*config.notifications, *(n for layer in layers for n in (layer.notifications or [])))
    credential = values["credential"]
    options = credential_options(
        credential,
        tenant_id=tenant.tenant_id,
        cloud=cloud,
        authority_host=values.get("authority_host"),
        ca_bundle=_relative_to(base, values.get("ca_bundle")),
        certificate_path=_relative_to(base, getattr(credential, "certificate_path", None)),
    )
    settings = AuditSettings(
        break_glass_groups=tuple(
            dict.fromkeys(g for layer in layers for g in (layer.break_glass_groups or []))
        ),
        number_matching=values.get("number_matching", NumberMatchingMode.SERVICE_ENFORCED),
        exceptions=tuple(e.to_grant() for layer in layers for e in (layer.exceptions or [])),
        break_glass_max_members=values.get("break_glass_max_members", 4),
    )
    no_fix = {cid for cid in CONTROL_IDS if not _remediable(controls, cid)}
    baseline = str(values.get("baseline", "recommended"))
    return FleetTenant(
        name=tenant.name,
        tenant_id=tenant.tenant_id,
        connection=GraphConnection.create(options, graph_endpoint=values.get("graph_endpoint")),
        settings=settings,
        baseline=str(_relative_to(base, baseline)) if _is_file(base, baseline) else baseline,
        mode=values.get("mode", Mode.REPORT),
        tags=tuple(tags),
        pilot_group=values.get("pilot_group"),
        notifications=notifications,
        secret_envs=secret_env_names(credential, notifications),
        directory=values.get("directory", True),
        skip_controls=frozenset(c for c, o in controls.items() if not o.enabled),
        remediate_controls=None if not no_fix else frozenset(CONTROL_IDS - no_fix),
        max_concurrent_requests=values.get("max_concurrent_requests"),
    )


def _remediable(controls: Mapping[str, Any], control_id: str) -> bool:
    override = controls.get(control_id)
    return override is None or (override.enabled and override.remediate)


def _is_file(base: Path, baseline: str) -> bool:
    from mfaguard.enforce.baseline import BUILTIN_NAMES

    return baseline not in BUILTIN_NAMES and (base / baseline).is_file()


def tenants_of(config: FleetConfig, base: Path) -> tuple[FleetTenant, ...]:
    """Every tenant of the file, merged (:func:`merge_tenant`)."""
    return tuple(merge_tenant(config, t, base) for t in config.tenants)


def load_fleet(path: str | os.PathLike[str], *, env: Mapping[str, str] | None = None) -> LoadedFleet:
    """Read and validate the fleet file (errors name file, line and key: exit 2)."""
    from mfaguard.fleet.config import load_fleet_config
    from mfaguard.fleet.schedule import Schedule, interval

    config = load_fleet_config(Path(path))
    base = Path(path).resolve().parent
    schedule: Schedule | None = None
    if config.schedule is not None:
        every = config.schedule.every
        schedule = Schedule(every=interval(every)) if every else Schedule(cron=config.schedule.cron)
    store = config.store_url(os.environ if env is None else env)
    return LoadedFleet(Path(path), tenants_of(config, base), store, schedule, config.concurrency)
