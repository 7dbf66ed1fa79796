"""The whole tenant read: the policy and the groups it names, and with ``directory`` what coverage needs.

Takes an open client and the tenant it reads (:func:`mfaguard.graph.connect.open_tenant`). Conditional
Access reads (``conditional_access``) join here, so every command reads the tenant the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mfaguard.read.directory import Progress, collect_directory
from mfaguard.read.policy import collect_snapshot

if TYPE_CHECKING:
    from mfaguard.graph.client import GraphClient
    from mfaguard.model.policy import TenantInfo, TenantSnapshot

__all__ = ["read_tenant"]


async def read_tenant(
    client: GraphClient,
    tenant: TenantInfo,
    *,
    now: datetime | None = None,
    directory: bool = False,
    extra_groups: Iterable[str] = (),
    progress: Progress | None = None,
    only_user: str | None = None,
) -> TenantSnapshot:
    """The tenant's snapshot (``captured_at`` = ``now``, default the current time): the policy and the groups it names; with
    ``directory`` also users, the registration report and the nested members of those groups and of
    ``extra_groups`` (so MFA-016..018, ``coverage`` and ``explain`` can judge it, offline too).

    ``only_user`` reads that one user and their report row instead of everyone (``explain``);
    ``progress(part, count)`` follows the directory read. What could not be read is in the snapshot's
    :attr:`~mfaguard.model.policy.TenantSnapshot.problems`; the policy itself failing raises.
    """
    now = datetime.now(UTC) if now is None else now
    snapshot = await collect_snapshot(client, tenant=tenant, now=now)
    if not directory:
        return snapshot
    found = await collect_directory(
        client, snapshot.policy, extra_groups=extra_groups, progress=progress, only_user=only_user
    )
    return dataclasses.replace(snapshot, directory=found)
