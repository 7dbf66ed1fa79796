"""The fleet file → what the runner and ``watch`` need: tenants with defaults merged, store URL,
schedule and notification targets. The only module that reads :mod:`mfaguard.fleet.config`'s models.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mfaguard.fleet.targets import FleetTenant, Mode

__all__ = ["LoadedFleet", "load_fleet", "tenant_from_config"]


@dataclass(frozen=True, slots=True)
class LoadedFleet:
    path: Path
    tenants: tuple[FleetTenant, ...]
    store_url: str | None
    schedule: Any
    """The file's ``schedule`` (None when absent; :func:`mfaguard.fleet.schedule.parse_schedule` reads it)."""


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    value = obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)
    return default if value is None else value


def _value(obj: Any) -> Any:
    return getattr(obj, "value", obj)


_CREDENTIAL_KINDS = {
    "client_secret": "client-secret",
    "certificate": "certificate",
    "managed_identity": "managed-identity",
    "azure_cli": "azure-cli",
    "default": "default",
    "token": "token",
    "workload_identity": "workload-identity",
    "environment": "environment",
}


def _credential(tenant: Any, merged: Any, base: Path) -> tuple[Any, tuple[str, ...]]:
    """CredentialOptions for one tenant and the names of the variables that hold its secrets."""
    from mfaguard.graph.auth import CredentialKind, CredentialOptions
    from mfaguard.graph.clouds import Cloud

    cred = _get(tenant, "credential") or _get(merged, "credential")
    kind_name = str(_value(_get(cred, "type", "default"))).replace("-", "_")
    kind = CredentialKind(_CREDENTIAL_KINDS.get(kind_name, kind_name.replace("_", "-")))
    secret_env = _get(cred, "secret_env")
    token_env = _get(cred, "env")
    certificate = _get(cred, "certificate_path")
    if certificate is not None and not Path(str(certificate)).is_absolute():
        certificate = str(base / str(certificate))
    ca_bundle = _get(tenant, "ca_bundle") or _get(merged, "ca_bundle")
    if ca_bundle is not None and not Path(str(ca_bundle)).is_absolute():
        ca_bundle = str(base / str(ca_bundle))
    options = CredentialOptions(
        kind=kind,
        cloud=Cloud(str(_value(_get(tenant, "cloud") or _get(merged, "cloud", "global")))),
        tenant_id=str(_get(tenant, "tenant_id")),
        client_id=_get(cred, "client_id"),
        client_secret_env=str(secret_env or "AZURE_CLIENT_SECRET"),
        certificate_path=str(certificate) if certificate else None,
        certificate_password_env=str(_get(cred, "password_env", "AZURE_CLIENT_CERTIFICATE_PASSWORD")),
        token_env=str(token_env or "MFAGUARD_ACCESS_TOKEN"),
        authority_host=_get(tenant, "authority_host") or _get(merged, "authority_host"),
        ca_bundle=str(ca_bundle) if ca_bundle else None,
    )
    secrets = tuple(str(v) for v in (secret_env, token_env) if v)
    return options, secrets


def tenant_from_config(tenant: Any, defaults: Any, base: Path) -> FleetTenant:
    """One ``tenants:`` entry with ``defaults`` merged in (a tenant's own value wins)."""
    from mfaguard.graph.connect import GraphConnection
    from mfaguard.settings import AuditSettings, NumberMatchingMode

    options, secret_envs = _credential(tenant, defaults, base)
    endpoint = _get(tenant, "graph_endpoint") or _get(defaults, "graph_endpoint")
    connection = GraphConnection.create(options, graph_endpoint=str(endpoint) if endpoint else None)
    exceptions = _exceptions(tenant)
    groups = tuple(_get(tenant, "break_glass_groups", ()) or _get(defaults, "break_glass_groups", ()) or ())
    number_matching = _value(
        _get(tenant, "number_matching") or _get(defaults, "number_matching", "service_enforced")
    )
    settings = AuditSettings(
        break_glass_groups=tuple(str(g) for g in groups),
        number_matching=NumberMatchingMode(str(number_matching)),
        exceptions=exceptions,
    )
    controls = _get(tenant, "controls") or _get(defaults, "controls") or {}
    skip = frozenset(cid for cid, override in _items(controls) if _get(override, "enabled", True) is False)
    no_remediate = frozenset(
        cid for cid, override in _items(controls) if str(_value(_get(override, "mode", ""))) == "report"
    )
    notifications = tuple(_get(tenant, "notifications", ()) or ())
    return FleetTenant(
        name=str(_get(tenant, "name")),
        tenant_id=str(_get(tenant, "tenant_id")),
        connection=connection,
        settings=settings,
        baseline=str(_get(tenant, "baseline") or _get(defaults, "baseline", "recommended")),
        mode=Mode(str(_value(_get(tenant, "mode") or _get(defaults, "mode", "report")))),
        tags=tuple(str(t) for t in _get(tenant, "tags", ()) or ()),
        pilot_group=_get(tenant, "pilot_group") or _get(defaults, "pilot_group"),
        notifications=notifications,
        secret_envs=secret_envs,
        skip_controls=skip,
        remediate_controls=None if not no_remediate else _all_controls() - no_remediate,
    )


def _all_controls() -> frozenset[str]:
    from mfaguard.controls import CONTROLS

    return frozenset(c.id for c in CONTROLS)


def _items(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, Mapping):
        return [(str(k), v) for k, v in value.items()]
    return [(str(_get(v, "control") or _get(v, "id")), v) for v in value or ()]


def _exceptions(tenant: Any) -> tuple[Any, ...]:
    from mfaguard.report import ExceptionGrant

    grants = []
    for item in _get(tenant, "exceptions", ()) or ():
        if isinstance(item, ExceptionGrant):
            grants.append(item)
            continue
        to_grant = getattr(item, "to_grant", None)
        if callable(to_grant):
            grants.append(to_grant())
            continue
        grants.append(
            ExceptionGrant(
                control_id=str(_get(item, "control") or _get(item, "control_id")),
                reason=str(_get(item, "reason", "")),
                owner=str(_get(item, "owner", "")),
                expires=_get(item, "expires"),
                resource=_get(item, "resource"),
            )
        )
    return tuple(grants)


def load_fleet(path: str | os.PathLike[str]) -> LoadedFleet:
    """Read and validate the fleet file (errors name file, line and key: exit 2)."""
    from mfaguard.fleet.config import load_fleet_config

    config = load_fleet_config(path)
    base = Path(path).resolve().parent
    defaults = _get(config, "defaults")
    file_targets = tuple(_get(config, "notifications", ()) or ())
    tenants = []
    for entry in _get(config, "tenants", ()) or ():
        tenant = tenant_from_config(entry, defaults, base)
        if not tenant.notifications and file_targets:
            from dataclasses import replace

            tenant = replace(tenant, notifications=file_targets)
        tenants.append(tenant)
    store = _get(config, "store")
    return LoadedFleet(Path(path), tuple(tenants), str(store) if store else None, _get(config, "schedule"))
