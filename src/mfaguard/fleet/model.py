"""The fleet's vocabulary: what to do with a tenant's drift (:class:`Mode`) and one tenant as the runner
needs it: where, as whom, judged how, and what to do on drift (:class:`FleetTenant`).

:func:`targets_from_config` turns the validated fleet file (:mod:`mfaguard.fleet.config`) into
:class:`FleetTenant` values with every default merged, so the runner never reads the file's models.
In fleet mode the file alone decides endpoints and credentials: :func:`fleet_env` hides the
``MFAGUARD_*`` variables from the credential builders.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mfaguard.errors import UsageError
from mfaguard.graph.connect import GraphConnection
from mfaguard.model.settings import AuditSettings

__all__ = ["FleetTenant", "Mode", "fleet_env", "select_tenants"]


class Mode(StrEnum):
    """What the fleet does with a tenant's drift."""

    REPORT = "report"
    """Record it."""
    ALERT = "alert"
    """Record it and notify once per new drift or alert."""
    REMEDIATE = "remediate"
    """Record, notify, and bring the tenant back to its baseline through the safe-change path."""


@dataclass(frozen=True, slots=True)
class FleetTenant:
    """One tenant of the fleet — the file's entry with every default merged in
    (:func:`mfaguard.fleet.load.merge_tenant`), the one type the runner, the steps, the dashboard and
    ``watch`` work from. Holds names of secrets, never secrets."""

    name: str
    tenant_id: str
    connection: GraphConnection
    settings: AuditSettings = field(default_factory=AuditSettings)
    baseline: str = "recommended"
    mode: Mode = Mode.REPORT
    tags: tuple[str, ...] = ()
    pilot_group: str | None = None
    notifications: tuple[Any, ...] = ()
    """Notification targets (the config's models; :mod:`mfaguard.notify` sends to them)."""
    secret_envs: tuple[str, ...] = ()
    """Environment variables holding this tenant's secrets (registered with the store's redactor)."""
    directory: bool = True
    """Audits read the directory too (MFA-016..018); the file's ``directory: false`` skips it."""
    skip_controls: frozenset[str] = frozenset()
    """Controls the file switches off for this tenant (per-control override ``enabled: false``)."""
    remediate_controls: frozenset[str] | None = None
    """Controls whose drift may be remediated (None = every control the baseline covers)."""
    max_concurrent_requests: int | None = None
    """The file's limit of requests in flight to this tenant (None: the runner's default)."""


def fleet_env(env: Mapping[str, str] | None = None, *, keep: Iterable[str] = ()) -> dict[str, str]:
    """The environment the credential builders see in fleet mode: without ``MFAGUARD_*``.

    The fleet file names the endpoint, the authority, the CA bundle and each credential; an
    ``MFAGUARD_ACCESS_TOKEN`` or ``MFAGUARD_GRAPH_ENDPOINT`` left in the shell must not redirect
    fifty tenants. Variables the file itself names (``keep``: its ``secret_env`` and ``env``
    values) stay readable, whatever their prefix.
    """
    source = os.environ if env is None else env
    named = set(keep)
    return {k: v for k, v in source.items() if k in named or not k.upper().startswith("MFAGUARD_")}


def select_tenants(
    tenants: Sequence[FleetTenant], *, names: Iterable[str] = (), tags: Iterable[str] = ()
) -> list[FleetTenant]:
    """The tenants named (``--tenant``) and/or tagged (``--tag``); all of them when neither is given.

    An unknown name or a tag no tenant carries is a usage error (a typo must not audit nothing).
    """
    wanted_names = [n for n in names if n]
    wanted_tags = [t for t in tags if t]
    known = {t.name for t in tenants}
    unknown = [n for n in wanted_names if n not in known]
    if unknown:
        raise UsageError(
            f"no tenant named {', '.join(repr(n) for n in unknown)} in the fleet file",
            hint=f"tenants: {', '.join(sorted(known)) or '(none)'}",
        )
    all_tags = {tag for t in tenants for tag in t.tags}
    missing = [t for t in wanted_tags if t not in all_tags]
    if missing:
        raise UsageError(
            f"no tenant is tagged {', '.join(repr(t) for t in missing)}",
            hint=f"tags in the fleet file: {', '.join(sorted(all_tags)) or '(none)'}",
        )
    if not wanted_names and not wanted_tags:
        return list(tenants)
    return [t for t in tenants if t.name in wanted_names or any(tag in t.tags for tag in wanted_tags)]
