"""In-memory state of the emulator: tenants, their apps, policy, directory, logs, and the realism knobs.

:class:`Emulator` is the Python API tests use (and what the ``/_emulator/`` control endpoints call):
tenants from scenarios, app registrations, token issuing, latency, consistency delay, throttling,
faults, out-of-band edits and the request log. It never performs I/O itself; :func:`create_app`
serves it over ASGI and :func:`running_emulator` over HTTPS.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar

from cryptography import x509

from mfaguard.emulator.conditional_access import ConditionalAccess
from mfaguard.emulator.directory import Directory, stable_uuid
from mfaguard.emulator.faults import FaultPlan, FaultRule
from mfaguard.emulator.graph_policy import PolicyState, PolicyStore, patch_config, patch_root
from mfaguard.emulator.odata import SkipTokens
from mfaguard.emulator.tokens import (
    GRAPH_APP_ID,
    GRAPH_RESOURCE,
    TOKEN_LIFETIME_S,
    SigningKey,
    TokenValidator,
    issue_access_token,
    load_certificate,
    process_signing_key,
)

ROLE_POLICY_READ = "Policy.Read.AuthenticationMethod"
ROLE_POLICY_WRITE = "Policy.ReadWrite.AuthenticationMethod"
ROLE_POLICY_READ_ALL = "Policy.Read.All"
ROLE_USER_READ = "User.Read.All"
ROLE_GROUP_MEMBER_READ = "GroupMember.Read.All"
ROLE_DIRECTORY_READ = "Directory.Read.All"
ROLE_AUDIT_LOG_READ = "AuditLog.Read.All"
ROLE_RISK_READ = "IdentityRiskEvent.Read.All"
ROLE_CA_WRITE = "Policy.ReadWrite.ConditionalAccess"
ROLE_ROLES_READ = "RoleManagement.Read.Directory"

ALL_ROLES = (
    ROLE_POLICY_READ,
    ROLE_POLICY_WRITE,
    ROLE_POLICY_READ_ALL,
    ROLE_USER_READ,
    ROLE_GROUP_MEMBER_READ,
    ROLE_DIRECTORY_READ,
    ROLE_AUDIT_LOG_READ,
    ROLE_RISK_READ,
    ROLE_CA_WRITE,
    ROLE_ROLES_READ,
)
READ_ONLY_ROLES = tuple(r for r in ALL_ROLES if r not in (ROLE_POLICY_WRITE, ROLE_CA_WRITE))

DEFAULT_CLIENT_ID = stable_uuid("default-app")
"""Client id of the app every tenant has (a multi-tenant app consented everywhere, as MSPs run)."""


@dataclass
class App:
    """An app registration in a tenant: how it authenticates and which application roles it holds."""

    client_id: str
    display_name: str
    roles: frozenset[str]
    secret: str | None = None
    certificates: list[x509.Certificate] = field(default_factory=list)


@dataclass(frozen=True)
class Knobs:
    """Realism settings; the emulator has defaults and each tenant may override any of them."""

    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    consistency_delay_s: float = 0.0
    report_throttling: bool = True
    report_limit: int = 5
    report_window_s: float = 10.0
    risk_limit: int = 1
    risk_window_s: float = 1.0
    v1_wire_includes_beta: bool = False
    policy_size_limit_bytes: int = 20 * 1024
    write_throttling: bool = True
    write_limit: int = 3000
    write_window_s: float = 150.0
    token_lifetime_s: int = TOKEN_LIFETIME_S


KNOB_NAMES = frozenset(f.name for f in fields(Knobs))


@dataclass
class Tenant:
    """One tenant's data."""

    id: str
    display_name: str
    domain: str
    scenario: str
    era: str
    premium: bool
    policy: PolicyStore
    directory: Directory
    sign_ins: list[dict[str, Any]]
    directory_audits: list[dict[str, Any]]
    risk_detections: list[dict[str, Any]]
    apps: dict[str, App] = field(default_factory=dict)
    knobs: dict[str, Any] = field(default_factory=dict)
    transitive_cache: dict[str, list[str]] = field(default_factory=dict)
    p2: bool = False
    """Entra ID P2 (risk-based Conditional Access); only meaningful with ``premium`` (P1)."""
    ca: ConditionalAccess = field(default_factory=ConditionalAccess)
    traffic_batches: int = 0
    traffic_exclude: tuple[str, ...] = ()
    """Users generated traffic leaves out (the scenario's ``traffic.excludeUsers``, e.g. break-glass)."""


@dataclass
class LogEntry:
    """One request as the emulator saw it (secrets and tokens are never recorded)."""

    seq: int
    time: float
    method: str
    path: str
    version: str | None
    query: str
    tenant: str | None
    app_id: str | None
    status: int = 0
    body: Any = None
    duration_ms: float = 0.0
    fault: str | None = None
    batch_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "version": self.version,
            "query": self.query,
            "tenant": self.tenant,
            "app_id": self.app_id,
            "status": self.status,
            "body": self.body,
            "duration_ms": round(self.duration_ms, 3),
            "fault": self.fault,
            "batch_id": self.batch_id,
        }


class Emulator:
    """Many tenants of Microsoft Graph + Entra ID in memory.

    ``scenarios`` names built-in scenarios (``compliant``, ``fresh-tenant``, ``weak``, ``legacy-2022``,
    ``big``) or paths of scenario JSON files; each yields ``tenants`` tenants (the first keeps the
    scenario's tenant id, the others get derived ids). ``clock`` returns epoch seconds (tests pass a
    fake one to step through consistency delays and throttling windows).
    """

    def __init__(
        self,
        scenarios: str | Path | Sequence[str | Path] = "compliant",
        *,
        tenants: int = 1,
        seed: int = 0,
        secret: str | None = None,
        clock: Callable[[], float] | None = None,
        knobs: Knobs | None = None,
    ) -> None:
        self.clock: Callable[[], float] = clock or time.time
        self.seed = seed
        self.default_secret = secret or secrets.token_urlsafe(24)
        self.signing_key: SigningKey = process_signing_key()
        self.validator = TokenValidator(self.signing_key, {GRAPH_RESOURCE, GRAPH_APP_ID})
        self.knobs = knobs or Knobs()
        self._initial_knobs = self.knobs
        self.faults = FaultPlan(seed)
        self.skiptokens = SkipTokens(secrets.token_hex(4))
        self.lock = threading.RLock()
        self.log: list[LogEntry] = []
        self.log_limit = 100_000
        self._seq = 0
        self._throttle: dict[tuple[str, str, str], deque[float]] = {}
        self.tenants: dict[str, Tenant] = {}
        self._domains: dict[str, str] = {}
        self._scenario_args: tuple[tuple[str | Path, ...], int] = (
            tuple([scenarios] if isinstance(scenarios, str | Path) else scenarios),
            tenants,
        )
        self._app: Any = None
        self.base_url = "https://graph.microsoft.com"
        """Set by the server to its own URL (used in nextLink and @odata.context)."""
        self._load()

    # --------------------------------------------------------------------------------- tenants

    def _load(self) -> None:
        from mfaguard.emulator.scenarios import build_tenant, load_scenario

        names, count = self._scenario_args
        cache: dict[tuple[Any, ...], Any] = {}
        now = self.clock()
        for name in names:
            data = load_scenario(name)
            for index in range(count):
                self._register(build_tenant(data, index=index, now=now, seed=self.seed, cache=cache))

    def _register(self, tenant: Tenant) -> None:
        if tenant.id in self.tenants:
            raise ValueError(f"two tenants share the id {tenant.id}; give scenario files distinct tenant ids")
        tenant.apps.setdefault(
            DEFAULT_CLIENT_ID,
            App(
                DEFAULT_CLIENT_ID,
                "mfaguard (emulator default app)",
                frozenset(ALL_ROLES),
                secret=self.default_secret,
            ),
        )
        self.tenants[tenant.id] = tenant
        self._domains[tenant.domain.lower()] = tenant.id

    def add_tenant(self, scenario: str | Path | Mapping[str, Any], *, index: int | None = None) -> Tenant:
        """Add one more tenant from a scenario name, file or already-parsed scenario dict."""
        from mfaguard.emulator.scenarios import build_tenant, load_scenario

        data = scenario if isinstance(scenario, Mapping) else load_scenario(scenario)
        with self.lock:
            if index is None:
                index = sum(1 for t in self.tenants.values() if t.scenario == data.get("name"))
            tenant = build_tenant(data, index=index, now=self.clock(), seed=self.seed)
            self._register(tenant)
        return tenant

    @property
    def tenant_ids(self) -> list[str]:
        return list(self.tenants)

    @property
    def default_tenant(self) -> Tenant:
        return next(iter(self.tenants.values()))

    def tenant(self, key: str | None = None) -> Tenant:
        """A tenant by id or domain (``None`` = the first one)."""
        if key is None:
            return self.default_tenant
        found = self.find_tenant(key)
        if found is None:
            raise KeyError(f"no tenant {key!r} in this emulator (have: {', '.join(self.tenants)})")
        return found

    def find_tenant(self, key: str) -> Tenant | None:
        tenant = self.tenants.get(key) or self.tenants.get(key.lower())
        if tenant is None:
            tid = self._domains.get(key.lower())
            tenant = self.tenants.get(tid) if tid else None
        return tenant

    def reset(self) -> None:
        """Reload every tenant from its scenario; clear faults, logs, throttling state and knob changes
        (back to the knobs given at construction)."""
        with self.lock:
            self.tenants.clear()
            self._domains.clear()
            self.faults.clear()
            self.faults.reseed(self.seed)
            self.log.clear()
            self._throttle.clear()
            self.knobs = self._initial_knobs
            self._load()

    # ------------------------------------------------------------------------------------ apps

    def add_app(
        self,
        tenant: str | None = None,
        *,
        roles: Iterable[str] = READ_ONLY_ROLES,
        client_id: str | None = None,
        secret: str | None = None,
        certificate_pem: str | bytes | None = None,
        display_name: str = "test app",
    ) -> App:
        """Register an app in a tenant. Give a secret, a PEM certificate (public part), or both."""
        target = self.tenant(tenant)
        app = App(
            client_id or stable_uuid("app", target.id, str(len(target.apps))),
            display_name,
            frozenset(roles),
            secret=secret,
            certificates=[load_certificate(certificate_pem)] if certificate_pem else [],
        )
        with self.lock:
            target.apps[app.client_id] = app
        return app

    def issue_token(
        self,
        tenant_id: str | None = None,
        roles: Iterable[str] | None = None,
        *,
        app_id: str = DEFAULT_CLIENT_ID,
        lifetime_s: int = TOKEN_LIFETIME_S,
        audience: str = GRAPH_RESOURCE,
        issued_at: float | None = None,
    ) -> str:
        """A token the Graph side accepts (for in-process tests); ``roles`` default to the app's."""
        tenant = self.tenant(tenant_id)
        if roles is None:
            app = tenant.apps.get(app_id)
            roles = app.roles if app else ALL_ROLES
        return issue_access_token(
            self.signing_key,
            tenant_id=tenant.id,
            app_id=app_id,
            roles=roles,
            now=self.clock() if issued_at is None else issued_at,
            audience=audience,
            lifetime_s=lifetime_s,
        )

    @property
    def asgi_app(self) -> Any:
        """The ASGI app serving this emulator (created once), for ``httpx.ASGITransport``."""
        if self._app is None:
            from mfaguard.emulator.app import create_app

            self._app = create_app(self)
        return self._app

    # ----------------------------------------------------------------------------------- knobs

    def knob(self, tenant: Tenant | None, name: str) -> Any:
        if tenant is not None and name in tenant.knobs:
            return tenant.knobs[name]
        return getattr(self.knobs, name)

    def set_knobs(self, tenant: str | None = None, **values: Any) -> None:
        """Set realism knobs for the whole emulator (``tenant=None``) or one tenant (see :class:`Knobs`)."""
        unknown = set(values) - KNOB_NAMES
        if unknown:
            raise ValueError(
                f"unknown knob(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(KNOB_NAMES))}"
            )
        with self.lock:
            if tenant is None:
                self.knobs = replace(self.knobs, **values)
            else:
                self.tenant(tenant).knobs.update(values)

    def set_latency(self, ms: float, tenant: str | None = None) -> None:
        self.set_knobs(tenant, latency_ms=float(ms))

    def set_consistency_delay(self, seconds: float, tenant: str | None = None) -> None:
        self.set_knobs(tenant, consistency_delay_s=float(seconds))

    def set_throttling(self, enabled: bool, tenant: str | None = None) -> None:
        self.set_knobs(tenant, report_throttling=enabled)

    def set_premium(self, premium: bool, tenant: str | None = None, *, p2: bool | None = None) -> None:
        """Entra ID P1 (``premium``) and, optionally, P2 for a tenant (licence-gated reads, CA, 1039)."""
        with self.lock:
            target = self.tenant(tenant)
            target.premium = premium
            if p2 is not None:
                target.p2 = p2

    def set_security_defaults(self, enabled: bool, tenant: str | None = None) -> None:
        with self.lock:
            self.tenant(tenant).ca.security_defaults = enabled

    # ------------------------------------------------------------------------ sign-in traffic

    def generate_traffic(
        self,
        tenant: str | None = None,
        *,
        users: Sequence[str] | None = None,
        clients: Sequence[str] | None = None,
        legacy_imap: bool = True,
    ) -> list[dict[str, Any]]:
        """A batch of sign-ins "now" for a tenant, judged by its current policies (see traffic.py).

        Returns the new records (beta shape); they are in the tenant's sign-in log at once.
        """
        from mfaguard.emulator.traffic import generate, merge_newest_first

        target = self.tenant(tenant)
        with self.lock:
            target.traffic_batches += 1
            rows = generate(
                target,
                now=self.clock(),
                batch=target.traffic_batches,
                seed=self.seed,
                users=users,
                clients=clients,
                legacy_imap=legacy_imap,
                exclude=target.traffic_exclude,
            )
            target.sign_ins = merge_newest_first(target.sign_ins, rows)
        return rows

    # ------------------------------------------------------------- conditional access, out of band

    def _ca_rules(self, target: Tenant) -> Any:
        from mfaguard.emulator.conditional_access import WriteRules

        ca = target.ca
        return WriteRules("beta", lambda sid: ca.strength(sid) is not None, has_p2=True)

    def create_ca_policy(self, body: Mapping[str, Any], tenant: str | None = None) -> str:
        """Someone else creates a CA policy (validated like a beta POST, licences aside). Visible at once."""
        from mfaguard.emulator.conditional_access import create_policy

        target = self.tenant(tenant)
        with self.lock:
            new_id = target.ca.new_policy_id(target.id, self.seed)
            state, _ = create_policy(
                target.ca.store.truth, dict(body), self._ca_rules(target), now=self.clock(), new_id=new_id
            )
            target.ca.store.commit(state, now=self.clock(), delay_s=0)
        return new_id

    def edit_ca_policy(self, policy_id: str, body: Mapping[str, Any], tenant: str | None = None) -> None:
        """Someone else changes a CA policy (validated like a beta PATCH). Visible at once."""
        from mfaguard.emulator.conditional_access import patch_policy

        target = self.tenant(tenant)
        with self.lock:
            state = patch_policy(
                target.ca.store.truth, policy_id, dict(body), self._ca_rules(target), now=self.clock()
            )
            target.ca.store.commit(state, now=self.clock(), delay_s=0)

    def delete_ca_policy(self, policy_id: str, tenant: str | None = None) -> None:
        from mfaguard.emulator.conditional_access import delete_policy

        target = self.tenant(tenant)
        with self.lock:
            target.ca.store.commit(
                delete_policy(target.ca.store.truth, policy_id), now=self.clock(), delay_s=0
            )

    def stored_ca_policies(self, tenant: str | None = None) -> list[dict[str, Any]]:
        """The CA policies stored now (ignoring the consistency delay), in the stored shape."""
        return [copy.deepcopy(dict(p)) for p in self.tenant(tenant).ca.store.truth.policies]

    # ---------------------------------------------------------------------------------- faults

    def add_fault(self, **spec: Any) -> FaultRule:
        """Add a fault rule (see :mod:`mfaguard.emulator.faults`), e.g.
        ``add_fault(kind="status", status=500, method="PATCH", path="/Voice$", nth=2)``."""
        if spec.get("tenant"):
            spec["tenant"] = self.tenant(spec["tenant"]).id
        with self.lock:
            return self.faults.add(FaultRule(**spec))

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    # ------------------------------------------------------------------------ out-of-band edits

    def edit_configuration(
        self, config_id: str, body: Mapping[str, Any], tenant: str | None = None, *, force: bool = False
    ) -> None:
        """Someone else changes a method configuration, visible to reads immediately.

        The body is validated like a beta PATCH (``@odata.type`` may be omitted). ``force=True`` skips
        validation and merges top-level keys as given: a way to set states the API refuses to write
        (e.g. a stale ``numberMatchingRequiredState``) for tests.
        """
        target = self.tenant(tenant)
        with self.lock:
            state = target.policy.truth
            found = state.find(config_id)
            if found is None:
                raise KeyError(f"no configuration {config_id!r}")
            if force:
                merged = {**copy.deepcopy(dict(found)), **copy.deepcopy(dict(body))}
                new = PolicyState(state.root, tuple(merged if c is found else c for c in state.configs))
            else:
                new = patch_config(
                    state,
                    config_id,
                    {"@odata.type": found.get("@odata.type"), **body},
                    version="beta",
                    era=target.era,
                    strict_v1=False,
                    group_exists=lambda g: target.directory.group(g) is not None,
                    user_exists=target.directory.is_user,
                    now=self.clock(),
                )
            target.policy.commit(new, now=self.clock(), delay_s=0)

    def edit_policy(self, body: Mapping[str, Any], tenant: str | None = None) -> None:
        """Someone else changes the policy root (validated like a beta PATCH). Visible immediately."""
        target = self.tenant(tenant)
        with self.lock:
            new = patch_root(
                target.policy.truth,
                dict(body),
                version="beta",
                strict_v1=False,
                group_exists=lambda g: target.directory.group(g) is not None,
                user_exists=target.directory.is_user,
                now=self.clock(),
            )
            target.policy.commit(new, now=self.clock(), delay_s=0)

    def apply_edit(self, edit: Mapping[str, Any], tenant: str | None) -> None:
        """Apply a scripted edit: ``{"configuration": ID, "body": {...}}``, ``{"policy": {...}}``, or for
        Conditional Access ``{"conditionalAccessPolicy": ID, "body": {...}}`` (PATCH), ``{"conditionalAccessPolicy":
        ID, "delete": true}`` or ``{"conditionalAccessPolicy": null, "body": {...}}`` (create)."""
        if "conditionalAccessPolicy" in edit:
            policy_id = edit["conditionalAccessPolicy"]
            if policy_id is None:
                self.create_ca_policy(edit.get("body", {}), tenant)
            elif edit.get("delete"):
                self.delete_ca_policy(str(policy_id), tenant)
            else:
                self.edit_ca_policy(str(policy_id), edit.get("body", {}), tenant)
        elif "policy" in edit:
            self.edit_policy(edit["policy"], tenant)
        else:
            self.edit_configuration(str(edit["configuration"]), edit.get("body", {}), tenant)

    def stored_policy(self, tenant: str | None = None) -> PolicyState:
        """What the service has stored now (ignoring the consistency delay)."""
        return self.tenant(tenant).policy.truth

    def stored_configuration(self, config_id: str, tenant: str | None = None) -> dict[str, Any]:
        found = self.stored_policy(tenant).find(config_id)
        if found is None:
            raise KeyError(config_id)
        return copy.deepcopy(dict(found))

    # ------------------------------------------------------------------------------ request log

    def new_log_entry(
        self,
        *,
        method: str,
        path: str,
        version: str | None,
        query: str,
        tenant: str | None,
        app_id: str | None,
    ) -> LogEntry:
        with self.lock:
            self._seq += 1
            entry = LogEntry(self._seq, self.clock(), method, path, version, query, tenant, app_id)
            self.log.append(entry)
            if len(self.log) > self.log_limit:
                del self.log[: len(self.log) - self.log_limit]
        return entry

    def requests(
        self, *, tenant: str | None = None, method: str | None = None, path_contains: str | None = None
    ) -> list[dict[str, Any]]:
        """The request log as dicts (oldest first), optionally filtered."""
        out = []
        tid = self.tenant(tenant).id if tenant else None
        for entry in list(self.log):
            if tid and entry.tenant != tid:
                continue
            if method and entry.method != method.upper():
                continue
            if path_contains and path_contains.lower() not in entry.path.lower():
                continue
            out.append(entry.to_json())
        return out

    def clear_requests(self) -> None:
        with self.lock:
            self.log.clear()

    # ------------------------------------------------------------------------------- throttling

    _BUCKETS: ClassVar[dict[str, tuple[str, str, str, bool]]] = {
        # bucket: (switch knob, limit knob, window knob, per app?)
        "reports": ("report_throttling", "report_limit", "report_window_s", True),
        "risk": ("report_throttling", "risk_limit", "risk_window_s", False),
        "writes": ("write_throttling", "write_limit", "write_window_s", True),
    }

    def throttle(self, tenant: Tenant, app_id: str, bucket: str) -> float | None:
        """Record a throttled request; return seconds to wait if it is over the limit (None = allowed).

        ``reports``: 5 requests / 10 s per app per tenant; ``risk``: 1 request / s per tenant (all apps);
        ``writes``: 3,000 writes / 150 s per app per tenant (graph.md §8). Rejected requests do not
        count against the window.
        """
        switch, limit_knob, window_knob, per_app = self._BUCKETS[bucket]
        if not self.knob(tenant, switch):
            return None
        limit = int(self.knob(tenant, limit_knob))
        window = float(self.knob(tenant, window_knob))
        key = (tenant.id, app_id if per_app else "*", bucket)
        now = self.clock()
        with self.lock:
            stamps = self._throttle.setdefault(key, deque())
            while stamps and stamps[0] <= now - window:
                stamps.popleft()
            if len(stamps) >= limit:
                return max(stamps[0] + window - now, 0.001)
            stamps.append(now)
        return None

    def latency_s(self, tenant: Tenant) -> float:
        """This request's added latency: the knob plus a seeded jitter in ``[0, latency_jitter_ms]``."""
        base = float(self.knob(tenant, "latency_ms"))
        jitter = float(self.knob(tenant, "latency_jitter_ms"))
        if jitter > 0:
            with self.lock:
                base += self.faults.rng.uniform(0, jitter)
        return base / 1000

    # ---------------------------------------------------------------------------------- helpers

    def env(self, base_url: str, ca_path: str | Path, tenant: str | None = None) -> dict[str, str]:
        """Environment variables that point mfaguard (and azure-identity) at this emulator."""
        target = self.tenant(tenant)
        return {
            "MFAGUARD_GRAPH_ENDPOINT": base_url,
            "MFAGUARD_AUTHORITY_HOST": base_url,
            "MFAGUARD_CA_BUNDLE": str(ca_path),
            "AZURE_AUTHORITY_HOST": base_url,
            "AZURE_TENANT_ID": target.id,
            "AZURE_CLIENT_ID": DEFAULT_CLIENT_ID,
            "AZURE_CLIENT_SECRET": self.default_secret,
            # MSAL lets REQUESTS_CA_BUNDLE override its own verify setting; point it at the emulator CA too.
            "REQUESTS_CA_BUNDLE": str(ca_path),
        }
