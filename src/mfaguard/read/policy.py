"""Read a tenant through Graph and build its :class:`~mfaguard.model.policy.TenantSnapshot`.

What is read (reference/graph.md §1, §6, §7):

1. ``GET /beta/policies/authenticationMethodsPolicy`` — configurations come inline, and the beta-only
   fields (number matching, Authenticator Lite, report suspicious activity, system-preferred MFA) are
   there. When beta is not available (some national clouds answer 400/404/501 for it) the v1.0 body is
   read instead and ``api_version`` records that, so controls apply DESIGN §3's v1.0 rules.
2. Every group the policy names (include/exclude targets of methods, features, the registration
   campaign, system-preferred MFA, report suspicious activity), via ``$batch`` of
   ``GET /groups/{id}?$select=id,displayName`` (20 per request). A 404 means the group does not
   exist — exactly what MFA-015 looks for.

A part that cannot be read never looks like "nothing to check": the policy failing raises (the caller
reports every control as ERROR), the groups failing is recorded in ``read_errors["groups"]`` and
leaves the directory data empty, so MFA-015 is ERROR, never PASS.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mfaguard.errors import GraphError, NotFoundError
from mfaguard.model.policy import ApiVersion, TenantInfo, TenantSnapshot, named_groups

if TYPE_CHECKING:
    from mfaguard.graph.client import GraphClient

POLICY_PATH = "/policies/authenticationMethodsPolicy"
GROUPS_PART = "groups"


async def read_policy(client: GraphClient) -> tuple[dict[str, Any], ApiVersion]:
    """The policy body from beta, or from v1.0 when this cloud/tenant has no beta endpoint for it."""
    try:
        return await client.get(POLICY_PATH, version="beta"), ApiVersion.BETA
    except GraphError as exc:
        if not _beta_unavailable(exc):
            raise
    return await client.get(POLICY_PATH, version="v1.0"), ApiVersion.V1


def _beta_unavailable(exc: GraphError) -> bool:
    # "Resource not found for the segment" (400/404) or Not Implemented: the API is missing, not the
    # permission; any other error would fail on v1.0 the same way and is raised as is.
    return isinstance(exc, NotFoundError) or exc.status in (400, 501)


async def resolve_groups(client: GraphClient, group_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """Look up each group: its body, or None when Graph says it does not exist.

    Raises the first other error (a missing permission, throttling past the budget): then the
    directory data as a whole is unknown.
    """
    from mfaguard.graph.client import BatchRequest

    ids = list(group_ids)
    requests = [BatchRequest("GET", f"/groups/{group_id}?$select=id,displayName") for group_id in ids]
    answers = await client.batch(requests, version="v1.0")
    bodies: dict[str, dict[str, Any] | None] = {}
    for group_id, answer in zip(ids, answers, strict=True):
        if answer.ok:
            bodies[group_id] = answer.json()
        elif answer.status in (400, 404):
            # 404: deleted or never existed; 400: not even a valid object id — neither can exist.
            bodies[group_id] = None
        else:
            assert answer.error is not None
            raise answer.error
    return bodies


async def collect_snapshot(
    client: GraphClient,
    *,
    tenant: TenantInfo,
    now: datetime,
    resolve_group_targets: bool = True,
) -> TenantSnapshot:
    """Read the tenant and build its snapshot (``captured_at`` = ``now``).

    Raises :class:`GraphError` when the policy itself cannot be read; a failure reading the groups is
    recorded in ``read_errors`` instead (see the module docstring).
    """
    from mfaguard.graph.parse import parse_policy
    from mfaguard.read.snapshot_file import build_snapshot

    body, version = await read_policy(client)
    policy = parse_policy(body, api_version=version)  # a body that cannot be trusted stops here
    read_errors: dict[str, str] = {}
    group_bodies: dict[str, dict[str, Any] | None] | None = None
    if resolve_group_targets:
        try:
            named = [group.id for group in named_groups(policy).values()]
            group_bodies = await resolve_groups(client, named)
        except GraphError as exc:
            read_errors[GROUPS_PART] = str(exc)  # what failed and what to grant; never a secret
            group_bodies = {}  # read attempted, nothing known: MFA-015 cannot pass
    snapshot = build_snapshot(
        body,
        tenant=tenant,
        api_version=version,
        captured_at=now,
        group_bodies=group_bodies,
        source="graph",
    )
    if read_errors:
        snapshot = dataclasses.replace(snapshot, read_errors=read_errors)
    return snapshot
