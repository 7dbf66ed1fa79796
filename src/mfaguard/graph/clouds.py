"""National clouds: where Graph and the token endpoint live, and endpoint validation.

Source: reference/graph.md §10 (Entra "authentication-national-cloud", Graph "deployments"). Tokens are
not interchangeable across clouds, so the scope always follows the cloud, even when
``--graph-endpoint`` points somewhere else (a proxy, or the emulator).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from mfaguard.errors import UsageError


class Cloud(StrEnum):
    """The Microsoft clouds mfaguard knows (``--cloud``)."""

    GLOBAL = "global"
    USGOV = "usgov"
    USGOV_DOD = "usgov-dod"
    CHINA = "china"


@dataclass(frozen=True, slots=True)
class CloudEndpoints:
    """Graph root, token authority host and ``.default`` scope of one cloud."""

    graph: str
    authority_host: str

    @property
    def scope(self) -> str:
        return f"{self.graph}/.default"


CLOUDS: dict[Cloud, CloudEndpoints] = {
    Cloud.GLOBAL: CloudEndpoints("https://graph.microsoft.com", "https://login.microsoftonline.com"),
    # GCC High (L4) and DoD (L5) share the token host but not the Graph root.
    Cloud.USGOV: CloudEndpoints("https://graph.microsoft.us", "https://login.microsoftonline.us"),
    Cloud.USGOV_DOD: CloudEndpoints("https://dod-graph.microsoft.us", "https://login.microsoftonline.us"),
    # Graph docs name login.chinacloudapi.cn; azure-identity's AzureAuthorityHosts.AZURE_CHINA agrees.
    Cloud.CHINA: CloudEndpoints("https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
}

KNOWN_AUTHORITY_HOSTS = frozenset(
    {c.authority_host for c in CLOUDS.values()} | {"https://login.partner.microsoftonline.cn"}
)
"""Authority hosts azure-identity can discover itself; any other host needs
``disable_instance_discovery`` (the emulator, a private proxy)."""


def cloud_endpoints(cloud: Cloud | str) -> CloudEndpoints:
    """The endpoints of ``cloud`` (a :class:`Cloud` or its name)."""
    try:
        return CLOUDS[Cloud(cloud)]
    except ValueError:
        names = ", ".join(c.value for c in Cloud)
        raise UsageError(f"unknown cloud {cloud!r}", hint=f"use one of: {names}") from None


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_endpoint(url: str, *, what: str = "Graph endpoint") -> str:
    """Validate a base URL and return it without a trailing slash.

    ``https://`` is required, except that plain ``http://`` is accepted for loopback addresses (the
    emulator, a local debugging proxy): a bearer token must never cross a network unencrypted.
    """
    text = url.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if scheme not in ("https", "http") or not host:
        raise UsageError(
            f"{what} {text!r} is not an http(s) URL",
            hint="give a base URL such as https://graph.microsoft.com (without /v1.0 or /beta)",
        )
    if scheme == "http" and not is_loopback_host(host):
        raise UsageError(
            f"{what} {text!r} uses plain http to a non-loopback host",
            hint="use https:// (plain http is accepted only for 127.0.0.1, ::1 and localhost, "
            "because the bearer token would travel unencrypted)",
        )
    if parts.query or parts.fragment:
        raise UsageError(f"{what} {text!r} must not contain a query or fragment")
    path = parts.path.rstrip("/")
    if path.endswith(("/v1.0", "/beta")):
        raise UsageError(
            f"{what} {text!r} includes the API version",
            hint="give the root only (e.g. https://graph.microsoft.com); mfaguard picks v1.0 or beta",
        )
    return f"{scheme}://{parts.netloc}{path}"


def resolve_graph_endpoint(cloud: Cloud | str, graph_endpoint: str | None) -> str:
    """``--graph-endpoint`` when given (validated), else the cloud's Graph root."""
    if graph_endpoint:
        return normalize_endpoint(graph_endpoint)
    return cloud_endpoints(cloud).graph
