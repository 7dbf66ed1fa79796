"""``mfaguard doctor``: can mfaguard reach Graph, get a token, and do what each command needs?

Checks, in order (each later one depends on the earlier):

1. the endpoint answers at all (any HTTP status counts: the network, proxy and TLS are fine);
2. a token can be obtained with the configured credential, and its tenant is the one named;
3. the permissions the token carries (``roles`` for apps, ``scp`` for signed-in users — decoded
   without verification, for diagnostics only) against what each command needs;
4. live probes, because a token's claims are not the whole truth (delegated users also need a
   directory role; consent may be missing): read the policy, list one group, one sign-in (this also
   reveals a missing Entra ID P1/P2 licence) and one risk detection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mfaguard.errors import AuthError, GraphError, LicenseError, MfaguardError
from mfaguard.graph.auth import TokenInfo
from mfaguard.graph.clouds import cloud_endpoints
from mfaguard.graph.connect import GraphConnection, open_tenant

if TYPE_CHECKING:
    from mfaguard.graph.client import GraphClient
    from mfaguard.model.policy import TenantInfo

# Permissions that include a narrower one (application permissions; delegated scopes share names).
IMPLIED_BY: Mapping[str, tuple[str, ...]] = {
    "Policy.Read.AuthenticationMethod": ("Policy.ReadWrite.AuthenticationMethod", "Policy.Read.All"),
    "Policy.ReadWrite.AuthenticationMethod": (),
    "GroupMember.Read.All": (
        "Group.Read.All",
        "GroupMember.ReadWrite.All",
        "Group.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ),
    "User.Read.All": ("User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"),
    "AuditLog.Read.All": (),
    "IdentityRiskEvent.Read.All": ("IdentityRiskEvent.ReadWrite.All",),
}


@dataclass(frozen=True, slots=True)
class Need:
    """One permission one group of commands needs."""

    purpose: str
    commands: str
    permission: str
    why: str


NEEDS: tuple[Need, ...] = (
    Need(
        "read",
        "audit, export, plan",
        "Policy.Read.AuthenticationMethod",
        "read the Authentication Methods Policy",
    ),
    Need(
        "read",
        "audit, export",
        "GroupMember.Read.All",
        "check that the groups the policy names exist (MFA-015)",
    ),
    Need("write", "apply, rollback", "Policy.ReadWrite.AuthenticationMethod", "change the policy"),
    Need("coverage", "coverage, explain", "AuditLog.Read.All", "read the registration report"),
    Need("coverage", "coverage, explain", "GroupMember.Read.All", "resolve nested group members"),
    Need("coverage", "coverage, explain", "User.Read.All", "list users"),
    Need("detect", "detect", "AuditLog.Read.All", "read sign-in logs"),
    Need(
        "detect",
        "detect",
        "IdentityRiskEvent.Read.All",
        "read risk detections (user-reported suspicious activity)",
    ),
)


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the doctor table. ``ok`` None = could not tell."""

    area: str
    name: str
    ok: bool | None
    detail: str
    fix: str = ""
    refused: bool = field(default=False, compare=False)
    """A probe Graph answered 401: the token itself is not accepted (not shown in the outputs)."""

    def to_json(self) -> dict[str, Any]:
        return {"area": self.area, "name": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


@dataclass(slots=True)
class DoctorReport:
    endpoint: str
    credential: str
    checks: list[Check] = field(default_factory=list)
    token: TokenInfo | None = None

    @property
    def can_read(self) -> bool:
        """Reachable, token obtained and the policy readable: ``audit`` will work."""
        essential = [
            c for c in self.checks if c.area in ("connection", "token") or c.name == "read the policy"
        ]
        return bool(essential) and all(c.ok is True for c in essential)

    def to_json(self) -> dict[str, Any]:
        token = None
        if self.token is not None:
            token = {
                "tenant_id": self.token.tenant_id,
                "app_id": self.token.app_id,
                "identity": self.token.identity,
                "audience": self.token.audience,
                "permissions": sorted(self.token.permissions),
                "expires_at": self.token.expires_at,
            }
        return {
            "endpoint": self.endpoint,
            "credential": self.credential,
            "token": token,
            "ok": self.can_read,
            "checks": [c.to_json() for c in self.checks],
        }


def granted(permission: str, held: frozenset[str]) -> str | None:
    """The held permission that satisfies ``permission`` (itself or a broader one), or None."""
    lowered = {p.lower(): p for p in held}
    for candidate in (permission, *IMPLIED_BY.get(permission, ())):
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None


def permission_checks(info: TokenInfo) -> list[Check]:
    """One check per (purpose, permission) from the token's claims."""
    checks: list[Check] = []
    kind = "application permission" if info.identity == "app" else "delegated permission (scope)"
    for need in NEEDS:
        via = granted(need.permission, info.permissions)
        if via is not None:
            detail = f"{need.commands}: {need.why}" + ("" if via == need.permission else f" (via {via})")
            checks.append(Check(f"permissions: {need.purpose}", need.permission, True, detail))
        else:
            checks.append(
                Check(
                    f"permissions: {need.purpose}",
                    need.permission,
                    False,
                    f"{need.commands}: {need.why}",
                    f"grant the Microsoft Graph {kind} {need.permission} and give admin consent",
                )
            )
    return checks


_PROBES: tuple[tuple[str, str, str, Mapping[str, str]], ...] = (
    ("read the policy", "beta", "/policies/authenticationMethodsPolicy", {}),
    ("list groups", "v1.0", "/groups", {"$top": "1", "$select": "id"}),
    ("read sign-in logs (licence check)", "beta", "/auditLogs/signIns", {"$top": "1"}),
    ("read risk detections", "v1.0", "/identityProtection/riskDetections", {"$top": "1"}),
)


async def run_doctor(
    connection: GraphConnection, *, expected_tenant: str | None, env: Mapping[str, str] | None = None
) -> DoctorReport:
    """Run every check; never raises for a failed check (it becomes a ✗ line).

    The checks before a token (the credential can be built, the endpoint answers) take the connection;
    the tenant is then opened the one way in (:func:`~mfaguard.graph.connect.open_tenant`) and probed.
    """
    from mfaguard.graph.client import RetryPolicy

    report = DoctorReport(endpoint=connection.endpoint, credential="(not built)")
    try:
        provider = connection.token_provider(env)
    except MfaguardError as exc:
        report.checks.append(Check("token", "credential", False, exc.message, exc.hint or ""))
        return report
    describe = getattr(provider, "describe", None)
    report.credential = describe() if callable(describe) else type(provider).__name__
    # Doctor should answer quickly: few retries, short deadline.
    retry = RetryPolicy(max_attempts=2, deadline=30.0, timeout=15.0)
    async with connection.client(provider, env=env, retry=retry) as bare:
        try:
            status = await bare.ping()  # without a token: the network, proxy and TLS alone
        except GraphError as exc:
            report.checks.append(
                Check("connection", "endpoint reachable", False, exc.message, exc.hint or "")
            )
            return report
    report.checks.append(
        Check("connection", "endpoint reachable", True, f"{connection.endpoint} answered HTTP {status}")
    )
    try:
        async with open_tenant(connection, expected_tenant, env=env, retry=retry) as (client, tenant):
            graph_root = cloud_endpoints(connection.credential.cloud).graph
            await probe_tenant(client, tenant, report, graph_root=graph_root)
    except GraphError as exc:  # no token, or one for another tenant (AuthError included)
        report.checks.append(Check("token", "token obtained", False, exc.message, exc.hint or ""))
    return report


async def probe_tenant(
    client: GraphClient, tenant: TenantInfo, report: DoctorReport, *, graph_root: str
) -> None:
    """The token line, the permissions its claims carry, and live probes of what each command reads."""
    info = client.token_info
    report.token = info
    # The first probe runs before the token line: whether Graph accepts the token at all decides
    # it (a token's shape says nothing about whether it is valid). A refused token makes the
    # other probes pointless.
    first = await _probe(client, *_PROBES[0])
    report.checks.append(_token_check(tenant.id, info, graph_root, report.endpoint, first))
    if first.refused:
        report.checks.append(first)
        return
    if info is not None:
        report.checks.extend(permission_checks(info))
    report.checks.append(first)
    for probe in _PROBES[1:]:
        report.checks.append(await _probe(client, *probe))


GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
"""Microsoft Graph's application id; Graph tokens carry it or the Graph root URL as ``aud``."""


def _token_check(
    tenant_id: str | None, info: TokenInfo | None, graph_root: str, endpoint: str, probe: Check
) -> Check:
    """The token line: its shape (a JWT says who it is for) and whether Graph accepts it."""
    if probe.refused:
        shape = "is not a JWT" if info is None else f"claims audience {info.audience or '(none)'}"
        return Check(
            "token",
            "token obtained",
            False,
            f"{endpoint} refused the token (HTTP 401); it {shape}",
            "get a Microsoft Graph access token (az account get-access-token --resource-type ms-graph) "
            "or check the credential and --cloud",
        )
    if info is None:
        return Check(
            "token",
            "token obtained",
            True,
            "Graph accepted the token; it is not a readable JWT, so its permissions cannot be listed "
            "(the live probes below tell what it can do)",
        )
    who = f"app {info.app_id}" if info.identity == "app" else f"user {info.user or '(unknown)'}"
    accepted = {graph_root.rstrip("/"), GRAPH_APP_ID}
    if info.audience is not None and info.audience.rstrip("/") not in accepted:
        return Check(
            "token",
            "token obtained",
            False,
            f"tenant {tenant_id}, {who}: the token is for {info.audience}, not Microsoft Graph ({graph_root})",
            "get a token for Microsoft Graph, e.g. az account get-access-token --resource-type ms-graph, "
            "and check --cloud",
        )
    return Check("token", "token obtained", True, f"tenant {tenant_id}, {who}, audience {info.audience}")


async def _probe(client: Any, name: str, version: str, path: str, params: Mapping[str, str]) -> Check:
    try:
        await client.get(path, version=version, params=params)
    except GraphError as exc:
        area = "licence" if isinstance(exc, LicenseError) else "probe"
        return Check(area, name, False, exc.message, exc.hint or "", refused=isinstance(exc, AuthError))
    return Check("licence" if "licence" in name else "probe", name, True, f"GET /{version}{path} succeeded")
