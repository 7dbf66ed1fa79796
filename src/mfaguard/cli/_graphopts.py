"""Options shared by every command that talks to Microsoft Graph (DESIGN §4).

Decorate a command with :func:`graph_options` and give it a ``graph: GraphOptions`` parameter: the
decorator adds ``--graph-endpoint``, ``--cloud``, ``--tenant-id``, ``--auth``, ``--client-id``,
``--client-secret-env``, ``--certificate``, ``--authority-host`` and ``--ca-bundle`` (each with its
``MFAGUARD_*`` environment variable) to the command and hands them over as one object::

    @app.command("export")
    @handle_errors
    @graph_options
    def export_command(output: Path, graph: GraphOptions) -> None:
        connection = graph.connection()

Secrets are never options: a client secret is read from the environment variable named by
``--client-secret-env`` (default ``AZURE_CLIENT_SECRET``), a token from ``MFAGUARD_ACCESS_TOKEN``.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from mfaguard.graph.auth import (
    AUTH_ENV,
    AUTHORITY_HOST_ENV,
    CA_BUNDLE_ENV,
    CERTIFICATE_ENV,
    CLIENT_ID_ENV,
    CLOUD_ENV,
    GRAPH_ENDPOINT_ENV,
    TENANT_ID_ENV,
    CredentialKind,
    CredentialOptions,
)
from mfaguard.graph.clouds import Cloud
from mfaguard.graph.connect import GraphConnection

if TYPE_CHECKING:
    from mfaguard.graph.client import GraphClient
    from mfaguard.model.policy import TenantInfo

T = TypeVar("T")
PANEL = "Microsoft Graph connection"


@dataclass(frozen=True, slots=True)
class GraphOptions:
    """The parsed connection options of one command invocation."""

    graph_endpoint: str | None = None
    cloud: Cloud = Cloud.GLOBAL
    tenant_id: str | None = None
    auth: CredentialKind = CredentialKind.AUTO
    client_id: str | None = None
    client_secret_env: str = "AZURE_CLIENT_SECRET"
    certificate: str | None = None
    authority_host: str | None = None
    ca_bundle: str | None = None

    def expected_tenant(self) -> str | None:
        """The tenant the user named (``--tenant-id``, else ``AZURE_TENANT_ID``)."""
        return self.tenant_id or os.environ.get("AZURE_TENANT_ID") or None

    def connection(self) -> GraphConnection:
        """Validate the options and build the connection (no network, nothing heavy imported)."""
        _debug_logging()
        credential = CredentialOptions(
            kind=self.auth,
            cloud=self.cloud,
            tenant_id=self.tenant_id,
            client_id=self.client_id,
            client_secret_env=self.client_secret_env,
            certificate_path=self.certificate,
            authority_host=self.authority_host,
            ca_bundle=self.ca_bundle,
        )
        return GraphConnection.create(credential, graph_endpoint=self.graph_endpoint)

    def run(self, work: Callable[[GraphClient, TenantInfo], Awaitable[T]]) -> T:
        """Open the tenant the options name (:func:`mfaguard.graph.connect.open_tenant`: token checked
        against ``--tenant-id``) and run ``work(client, tenant)`` to completion."""
        import asyncio

        from mfaguard.graph.connect import run_on_tenant

        return asyncio.run(run_on_tenant(self.connection(), self.expected_tenant(), work))


def _debug_logging() -> None:
    """With --debug, show the client's request log (method, URL, status, timing, ids — never headers)."""
    from mfaguard.cli._common import STATE

    if not STATE.debug:
        return
    import logging

    logging.basicConfig(level=logging.WARNING, format="debug: %(name)s: %(message)s")
    logging.getLogger("mfaguard").setLevel(logging.DEBUG)
    logging.getLogger("azure.identity").setLevel(logging.INFO)


def _option(*names: str, envvar: str | None = None, help: str, **kwargs: Any) -> Any:
    extra: dict[str, Any] = {"envvar": envvar, "show_envvar": True} if envvar else {}
    return typer.Option(None, *names, help=help, rich_help_panel=PANEL, **extra, **kwargs)


# (parameter name, annotation, typer option). Annotations are real types (not strings): typer reads
# them from the signature the decorator builds.
_PARAMETERS: tuple[tuple[str, Any, Any], ...] = (
    (
        "graph_endpoint",
        str | None,
        _option(
            "--graph-endpoint",
            envvar=GRAPH_ENDPOINT_ENV,
            help="Graph root URL (default: the --cloud's, e.g. https://graph.microsoft.com). "
            "Plain http:// only for loopback addresses.",
            metavar="URL",
        ),
    ),
    (
        "cloud",
        Cloud,
        typer.Option(
            Cloud.GLOBAL.value,
            "--cloud",
            envvar=CLOUD_ENV,
            show_envvar=True,
            help="Microsoft cloud: global, usgov (GCC High), usgov-dod or china (21Vianet).",
            rich_help_panel=PANEL,
            case_sensitive=False,
        ),
    ),
    (
        "tenant_id",
        str | None,
        _option(
            "--tenant-id",
            envvar=TENANT_ID_ENV,
            help="Tenant ID (GUID). Default: AZURE_TENANT_ID; a token for another tenant is refused.",
            metavar="ID",
        ),
    ),
    (
        "auth",
        CredentialKind,
        typer.Option(
            CredentialKind.AUTO.value,
            "--auth",
            envvar=AUTH_ENV,
            show_envvar=True,
            help="Credential: auto (MFAGUARD_ACCESS_TOKEN, else a certificate or secret from AZURE_* "
            "variables, else azure-identity's default chain: environment, workload identity, managed "
            "identity, Azure CLI), token, client-secret, certificate, default, environment, "
            "workload-identity, managed-identity, azure-cli or device-code (delegated sign-in).",
            rich_help_panel=PANEL,
            case_sensitive=False,
        ),
    ),
    (
        "client_id",
        str | None,
        _option(
            "--client-id",
            envvar=CLIENT_ID_ENV,
            help="Application (client) ID. Default: AZURE_CLIENT_ID.",
            metavar="ID",
        ),
    ),
    (
        "client_secret_env",
        str,
        typer.Option(
            "AZURE_CLIENT_SECRET",
            "--client-secret-env",
            help="Name of the environment variable holding the client secret (never the secret itself).",
            rich_help_panel=PANEL,
            metavar="VAR",
        ),
    ),
    (
        "certificate",
        str | None,
        _option(
            "--certificate",
            envvar=CERTIFICATE_ENV,
            help="Certificate file (PEM with key, or PKCS#12) for certificate auth; password in "
            "AZURE_CLIENT_CERTIFICATE_PASSWORD. Default: AZURE_CLIENT_CERTIFICATE_PATH.",
            metavar="PATH",
        ),
    ),
    (
        "authority_host",
        str | None,
        _option(
            "--authority-host",
            envvar=AUTHORITY_HOST_ENV,
            help="Token authority (default: the --cloud's, e.g. https://login.microsoftonline.com).",
            metavar="URL",
        ),
    ),
    (
        "ca_bundle",
        str | None,
        _option(
            "--ca-bundle",
            envvar=CA_BUNDLE_ENV,
            help="PEM file of CA certificates to trust for Graph and the token endpoint (a TLS proxy, "
            "the emulator).",
            metavar="PATH",
        ),
    ),
)
_NAMES = tuple(name for name, _, _ in _PARAMETERS)


def graph_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the Graph connection options to a typer command that takes ``graph: GraphOptions``."""
    signature = inspect.signature(func, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "graph"]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        for name, annotation, default in _PARAMETERS
    ]
    # Keyword-only parameters must come after positional-or-keyword ones.
    parameters = [p for p in own if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    parameters += [p for p in own if p.kind is inspect.Parameter.KEYWORD_ONLY] + added

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in _NAMES if name in kwargs}
        kwargs["graph"] = GraphOptions(**{k: v for k, v in values.items() if v is not None})
        return func(*args, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    if signature.return_annotation is not inspect.Signature.empty:
        wrapper.__annotations__["return"] = signature.return_annotation
    return wrapper
