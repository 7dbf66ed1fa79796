"""The fleet file ``mfaguard.yaml`` (DESIGN §7): models, loading, merging of defaults.

Validation is line-precise (:mod:`mfaguard.config.yaml`): unknown keys, wrong types, bad values, a
secret written inline, duplicate tenant names — each an error naming the file, line and key. The
published JSON Schema (``docs/schema/mfaguard.schema.json``) is generated from these models
(:func:`fleet_json_schema`; a test keeps it up to date).

Precedence for a tenant's settings: ``defaults`` < each ``groups`` entry named by one of the
tenant's tags (in tag order) < the tenant itself. Scalars are replaced; lists (tags, break-glass
groups, exceptions, notifications) are combined; per-control overrides are merged per control.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from mfaguard.config.audit_file import CONTROL_ID_PATTERN, KNOWN_CONTROLS, ExceptionConfig
from mfaguard.config.durations import parse_duration
from mfaguard.config.yaml import YamlDocument, load_yaml_document, validate
from mfaguard.errors import ConfigError
from mfaguard.fleet.model import Mode
from mfaguard.fleet.passwords import hash_problem
from mfaguard.graph.auth import CredentialKind, CredentialOptions
from mfaguard.graph.clouds import Cloud
from mfaguard.model.settings import NumberMatchingMode
from mfaguard.notify.config import ENV_NAME, NotificationTarget

SCHEMA_ID = "https://mfaguard.dev/schema/mfaguard.schema.json"

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TENANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

# Keys that would put a secret in the file; each maps to what to write instead.
INLINE_SECRET_KEYS: Mapping[str, str] = {
    "url": "url_env: VARIABLE (the environment variable holding the URL)",
    "webhook_url": "url_env: VARIABLE",
    "secret": "secret_env: VARIABLE",
    "client_secret": "secret_env: VARIABLE",
    "password": "password_env: VARIABLE (or password_hash for dashboard users)",
    "token": "env: VARIABLE",
    "access_token": "env: VARIABLE",
    "api_key": "headers_env: {Header-Name: VARIABLE}",
}


def _env_name(value: str | None) -> str | None:
    if value is not None and not ENV_NAME.match(value):
        raise ValueError("must be the NAME of an environment variable (letters, digits, _), not its value")
    return value


def _guid(value: str | None) -> str | None:
    if value is not None and not GUID.match(value):
        raise ValueError("must be a GUID (00000000-0000-0000-0000-000000000000)")
    return value.lower() if value else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- credentials -----------------------------------------------------------------------------------


class ClientSecretCredential(_Strict):
    """App registration with a client secret (the secret comes from ``secret_env``)."""

    type: Literal["client_secret"]
    client_id: str
    secret_env: str = Field(description="Environment variable holding the client secret.")

    _v_id = field_validator("client_id")(_guid)
    _v_env = field_validator("secret_env")(_env_name)


class CertificateCredential(_Strict):
    """App registration with a certificate (PEM with the private key, or PKCS#12)."""

    type: Literal["certificate"]
    client_id: str
    certificate_path: str = Field(min_length=1, description="Path of the certificate file.")
    password_env: str | None = Field(None, description="Environment variable with the certificate password.")

    _v_id = field_validator("client_id")(_guid)
    _v_env = field_validator("password_env")(_env_name)


class ManagedIdentityCredential(_Strict):
    """Azure managed identity (``client_id`` for a user-assigned one)."""

    type: Literal["managed_identity"]
    client_id: str | None = None

    _v_id = field_validator("client_id")(_guid)


class WorkloadIdentityCredential(_Strict):
    """Workload identity federation (AKS, GitHub Actions OIDC) from the standard AZURE_* variables."""

    type: Literal["workload_identity"]
    client_id: str | None = None

    _v_id = field_validator("client_id")(_guid)


class AzureCliCredential(_Strict):
    """The signed-in Azure CLI (``az login``)."""

    type: Literal["azure_cli"]


class DefaultCredential(_Strict):
    """azure-identity's default chain (environment, workload identity, managed identity, CLI)."""

    type: Literal["default"]


class TokenCredential(_Strict):
    """A bearer token in an environment variable (e.g. from ``az account get-access-token``)."""

    type: Literal["token"]
    env: str = Field(description="Environment variable holding the bearer token.")

    _v_env = field_validator("env")(_env_name)


Credential = Annotated[
    ClientSecretCredential
    | CertificateCredential
    | ManagedIdentityCredential
    | WorkloadIdentityCredential
    | AzureCliCredential
    | DefaultCredential
    | TokenCredential,
    Field(discriminator="type"),
]

_CREDENTIAL_KINDS: Mapping[str, CredentialKind] = {
    "client_secret": CredentialKind.CLIENT_SECRET,
    "certificate": CredentialKind.CERTIFICATE,
    "managed_identity": CredentialKind.MANAGED_IDENTITY,
    "workload_identity": CredentialKind.WORKLOAD_IDENTITY,
    "azure_cli": CredentialKind.AZURE_CLI,
    "default": CredentialKind.DEFAULT,
    "token": CredentialKind.TOKEN,
}


# ---- per-tenant settings ----------------------------------------------------------------------------


class ControlOverride(_Strict):
    """Per-control switches for a tenant (or everyone, in ``defaults``)."""

    enabled: bool = Field(True, description="false: do not evaluate this control for the tenant.")
    remediate: bool = Field(True, description="false: never remediate this control's drift (only report).")


class TenantSettings(_Strict):
    """Settings a tenant, a tag group or ``defaults`` may set (all optional)."""

    cloud: Cloud | None = Field(None, description="global | usgov | usgov-dod | china.")
    graph_endpoint: str | None = Field(
        None, description="Graph root URL; overrides cloud (plain http only for loopback addresses)."
    )
    authority_host: str | None = Field(None, description="Token authority (e.g. the emulator's).")
    ca_bundle: str | None = Field(None, description="CA bundle (PEM) to trust for Graph and the authority.")
    credential: Credential | None = None
    baseline: str | None = Field(None, description="Built-in baseline name or a baseline YAML path.")
    mode: Mode | None = Field(None, description="report | alert | remediate.")
    pilot_group: str | None = Field(None, description="Remediation goes to this group first (pilot).")
    tags: list[str] | None = None
    break_glass_groups: list[str] | None = None
    break_glass_max_members: int | None = Field(None, ge=1)
    number_matching: NumberMatchingMode | None = None
    exceptions: list[ExceptionConfig] | None = None
    controls: dict[str, ControlOverride] | None = Field(
        None, description="Per-control overrides by control ID."
    )
    notifications: list[NotificationTarget] | None = Field(
        None, description="Extra notification targets (added to the top-level ones)."
    )
    max_concurrent_requests: int | None = Field(None, ge=1, le=64, description="Per-tenant request limit.")
    directory: StrictBool | None = Field(
        None,
        description="Audits also read the directory (users, the registration report, nested group members) "
        "so MFA-016..018 are judged; default true. Without User.Read.All, GroupMember.Read.All and "
        "AuditLog.Read.All those controls say so (ERROR); false skips the read (N/A).",
    )

    _v_pilot = field_validator("pilot_group")(_guid)

    @field_validator("break_glass_groups")
    @classmethod
    def _groups(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            for gid in value:
                _guid(gid)
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        for tag in value or ():
            if not TENANT_NAME.match(tag):
                raise ValueError(f"tag {tag!r} may only use letters, digits, '.', '_' and '-'")
        return value

    @field_validator("controls")
    @classmethod
    def _control_ids(cls, value: dict[str, ControlOverride] | None) -> dict[str, ControlOverride] | None:
        if value is None:
            return None
        from mfaguard.controls import CONTROL_IDS

        out: dict[str, ControlOverride] = {}
        for key, override in value.items():
            control = key.strip().upper()
            if not CONTROL_ID_PATTERN.match(control) or control not in CONTROL_IDS:
                raise ValueError(f"unknown control {key!r} (known: MFA-001 … {max(CONTROL_IDS)})")
            out[control] = override
        return out

    @field_validator("graph_endpoint", "authority_host")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from mfaguard.errors import MfaguardError
        from mfaguard.graph.clouds import normalize_endpoint

        try:
            return normalize_endpoint(value, what="endpoint")
        except MfaguardError as exc:
            raise ValueError(exc.message) from None


class Defaults(TenantSettings):
    """Merged into every tenant."""


class TenantConfig(TenantSettings):
    """One tenant of the fleet."""

    name: str = Field(description="Unique; used on the command line (--tenant) and in the store.")
    tenant_id: str = Field(description="Entra tenant ID (GUID).")

    _v_tid = field_validator("tenant_id")(_guid)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not TENANT_NAME.match(value):
            raise ValueError("may only use letters, digits, '.', '_' and '-' (at most 100)")
        return value


# ---- schedule, dashboard, file ----------------------------------------------------------------------


def file_duration(text: str) -> timedelta:
    """A duration as the fleet file writes it: ``90s``, ``30m``, ``12h``, ``1d`` (ValueError otherwise)."""
    return parse_duration(text, allowed_units="smhd", case_sensitive=True, allow_zero=True)


class ScheduleConfig(_Strict):
    """When ``mfaguard watch`` runs the fleet: ``{every: 12h}`` or ``{cron: "0 */12 * * *"}`` (UTC)."""

    every: str | None = Field(None, description="Interval: 90s, 30m, 12h, 1d (at least 1 minute).")
    cron: str | None = Field(None, description="Five-field cron expression, evaluated in UTC.")

    @field_validator("every")
    @classmethod
    def _every(cls, value: str | None) -> str | None:
        if value is not None and file_duration(value) < timedelta(minutes=1):
            raise ValueError("must be at least 1m (Graph throttling makes tighter loops counter-productive)")
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from croniter import croniter

        if len(value.split()) != 5 or not croniter.is_valid(value):
            raise ValueError("not a valid five-field cron expression (minute hour day month weekday)")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> ScheduleConfig:
        if (self.every is None) == (self.cron is None):
            raise ValueError("give exactly one of every or cron")
        return self

    @property
    def interval(self) -> timedelta | None:
        return file_duration(self.every) if self.every else None


class DashboardUser(_Strict):
    """A dashboard login. ``password_hash`` comes from ``hash_password`` (scrypt), never a password."""

    name: str = Field(min_length=1, max_length=100)
    role: Literal["viewer", "operator"] = Field(
        "viewer", description="viewer: read only; operator: may also roll back and run now."
    )
    password_hash: str = Field(
        description="scrypt$N$r$p$salt$hash with N >= 131072 and r >= 8; make one with "
        "`python -m mfaguard.fleet.passwords`. Changing it ends the user's sessions."
    )

    @field_validator("password_hash")
    @classmethod
    def _hash(cls, value: str) -> str:
        problem = hash_problem(value)
        if problem:
            raise ValueError(problem)
        return value


DEFAULT_TRUSTED_PROXIES = ("127.0.0.0/8", "::1")


class DashboardConfig(_Strict):
    """``mfaguard serve``."""

    bind: str = Field("127.0.0.1", description="Address to listen on (loopback by default).")
    port: int = Field(8080, ge=1, le=65535)
    public_url: str | None = Field(None, description="External URL, used for links in notifications.")
    users: list[DashboardUser] = Field(default_factory=list)
    token_env: str | None = Field(
        None, description="Environment variable with a login token (single-user setups)."
    )
    trusted_proxies: list[str] = Field(
        default_factory=lambda: list(DEFAULT_TRUSTED_PROXIES),
        description="Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto headers are believed (default: loopback). Requests from anywhere else are "
        "judged by their own address.",
    )
    secure_cookies: bool = Field(
        False,
        description="true: cookies are always Secure (with the __Host- prefix) and HSTS is sent, for a "
        "TLS proxy that is not a trusted proxy; false: only for requests that came over HTTPS.",
    )

    _v_env = field_validator("token_env")(_env_name)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for entry in value:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
                ) from None
        return [entry.strip() for entry in value]

    @field_validator("users")
    @classmethod
    def _unique_users(cls, value: list[DashboardUser]) -> list[DashboardUser]:
        names = [u.name for u in value]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate user name(s): {', '.join(duplicates)}")
        return value


class FleetConfig(_Strict):
    """The whole ``mfaguard.yaml``."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"$id": SCHEMA_ID, "title": "mfaguard fleet file"}
    )

    store: str | None = Field(
        None,
        description="History store: sqlite:////abs/path.db, postgresql://user@host/db (password via "
        "PGPASSWORD or store_env), default a SQLite file in the user data dir.",
    )
    store_env: str | None = Field(
        None, description="Environment variable holding the store URL (with a password)."
    )
    defaults: Defaults = Field(default_factory=Defaults)
    groups: dict[str, TenantSettings] = Field(
        default_factory=dict, description="Settings for every tenant tagged with the group's name."
    )
    tenants: list[TenantConfig] = Field(min_length=1)
    notifications: list[NotificationTarget] = Field(default_factory=list)
    schedule: ScheduleConfig | None = None
    concurrency: int | None = Field(None, ge=1, le=1024, description="Tenants audited at once (default 32).")
    dashboard: DashboardConfig | None = None

    _v_store_env = field_validator("store_env")(_env_name)

    @field_validator("store")
    @classmethod
    def _store(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from mfaguard.store.url import resolve_store_url

        try:
            resolved = resolve_store_url(value)
        except ConfigError as exc:
            raise ValueError(exc.message) from None
        if resolved.startswith("postgresql"):
            from sqlalchemy.engine import make_url

            if make_url(resolved).password:
                raise ValueError(
                    "the store URL holds a password; use PGPASSWORD / ~/.pgpass, or store_env: VARIABLE"
                )
        return value

    @model_validator(mode="after")
    def _one_store_source(self) -> FleetConfig:
        if self.store and self.store_env:
            raise ValueError("give store or store_env, not both")
        return self

    def tenant_names(self) -> list[str]:
        return [t.name for t in self.tenants]

    def store_url(self, env: Mapping[str, str]) -> str | None:
        """The configured store URL (from ``store`` or the ``store_env`` variable); None = default."""
        if self.store_env:
            value = env.get(self.store_env)
            if not value:
                raise ConfigError(
                    f"store_env names {self.store_env}, which is not set",
                    hint=f"export {self.store_env}=postgresql://user:password@host/db",
                )
            return value
        return self.store


# ---- what the models mean for a tenant -------------------------------------------------------------


def layers_of(config: FleetConfig, tenant: TenantConfig) -> tuple[list[str], list[TenantSettings]]:
    """The tenant's tags (defaults' first) and its settings layers in precedence order: ``defaults`` <
    each ``groups`` entry named by one of its tags (in tag order) < the tenant itself."""
    tags = list(dict.fromkeys([*(config.defaults.tags or []), *(tenant.tags or [])]))
    layers: list[TenantSettings] = [
        config.defaults,
        *(config.groups[t] for t in tags if t in config.groups),
        tenant,
    ]
    return tags, layers


def credential_options(
    credential: Any,
    *,
    tenant_id: str,
    cloud: Cloud = Cloud.GLOBAL,
    authority_host: str | None = None,
    ca_bundle: str | None = None,
    certificate_path: str | None = None,
) -> CredentialOptions:
    """What :mod:`mfaguard.graph.auth` builds a token provider from, for one of the credential models
    (names of secrets only). ``certificate_path`` replaces the model's (made relative to the file)."""
    options: dict[str, Any] = {
        "kind": _CREDENTIAL_KINDS[credential.type],
        "cloud": cloud,
        "tenant_id": tenant_id,
        "client_id": getattr(credential, "client_id", None),
        "authority_host": authority_host,
        "ca_bundle": ca_bundle,
    }
    if isinstance(credential, ClientSecretCredential):
        options["client_secret_env"] = credential.secret_env
    elif isinstance(credential, CertificateCredential):
        options["certificate_path"] = certificate_path or credential.certificate_path
        if credential.password_env:
            options["certificate_password_env"] = credential.password_env
    elif isinstance(credential, TokenCredential):
        options["token_env"] = credential.env
    return CredentialOptions(**options)


def secret_env_names(credential: Any, notifications: Iterable[Any]) -> tuple[str, ...]:
    """Environment variables holding a tenant's secrets (to register with redactors)."""
    names = [
        getattr(credential, "secret_env", None),
        getattr(credential, "password_env", None),
        getattr(credential, "env", None),
    ]
    for target in notifications:
        names += [getattr(target, "url_env", None), getattr(target, "password_env", None)]
        names += list(getattr(target, "headers_env", {}).values())
    return tuple(dict.fromkeys(n for n in names if n))


# ---- loading -------------------------------------------------------------------------------------------


def load_fleet_config(path: str | Path) -> FleetConfig:
    """Read and validate ``mfaguard.yaml``; every problem is a ConfigError naming file, line and key."""
    return fleet_config_from_document(load_yaml_document(path))


def fleet_config_from_document(doc: YamlDocument) -> FleetConfig:
    """Validate a parsed fleet file (see :func:`load_fleet_config`)."""
    from mfaguard.controls import CONTROL_IDS

    _refuse_inline_secrets(doc)
    config = validate(FleetConfig, doc, what="fleet config", context={KNOWN_CONTROLS: CONTROL_IDS})
    _check_tenants(config, doc)
    return config


def _refuse_inline_secrets(doc: YamlDocument) -> None:
    for loc, key in _keys(doc.data, ()):
        if key.lower() in INLINE_SECRET_KEYS:
            where = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")
            raise ConfigError(
                f"{key} is written inline; secrets never go in the fleet file",
                file=doc.path,
                line=doc.line_of(loc),
                key=where,
                hint=f"put the value in an environment variable and write {INLINE_SECRET_KEYS[key.lower()]}",
            )


def _keys(data: Any, loc: tuple[str | int, ...]) -> Iterable[tuple[tuple[str | int, ...], str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            child = (*loc, key)
            if isinstance(key, str):
                yield child, key
            yield from _keys(value, child)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _keys(item, (*loc, index))


def _check_tenants(config: FleetConfig, doc: YamlDocument) -> None:
    seen: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    for index, tenant in enumerate(config.tenants):
        name_key = f"tenants[{index}].name"
        if tenant.name in seen:
            raise ConfigError(
                f"duplicate tenant name {tenant.name!r} (also tenants[{seen[tenant.name]}])",
                file=doc.path,
                line=doc.line_of(("tenants", index, "name")),
                key=name_key,
                hint="names identify tenants on the command line and in the store; make them unique",
            )
        seen[tenant.name] = index
        if tenant.tenant_id in seen_ids:
            other = config.tenants[seen_ids[tenant.tenant_id]].name
            raise ConfigError(
                f"tenant {tenant.tenant_id} is already listed as {other!r}",
                file=doc.path,
                line=doc.line_of(("tenants", index, "tenant_id")),
                key=f"tenants[{index}].tenant_id",
                hint="list each tenant once (two entries would audit and remediate it twice)",
            )
        seen_ids[tenant.tenant_id] = index
        _tags, layers = layers_of(config, tenant)
        if all(layer.credential is None for layer in layers):
            raise ConfigError(
                "no credential (neither the tenant, its tag groups nor defaults give one)",
                file=doc.path,
                line=doc.line_of(("tenants", index)),
                key=f"tenants[{index}]",
                hint="add credential: {type: client_secret, client_id: ..., secret_env: VARIABLE} or another type",
            )
    unknown_groups = sorted(
        set(config.groups)
        - {t for tenant in config.tenants for t in tenant.tags or []}
        - set(config.defaults.tags or [])
    )
    if unknown_groups:
        group = unknown_groups[0]
        raise ConfigError(
            f"group {group!r} applies to no tenant (no tenant has the tag {group!r})",
            file=doc.path,
            line=doc.line_of(("groups", group)),
            key=f"groups.{group}",
            hint="add the tag to the tenants it is for, or remove the group",
        )


def fleet_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``mfaguard.yaml`` (published as docs/schema/mfaguard.schema.json)."""
    schema = FleetConfig.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
