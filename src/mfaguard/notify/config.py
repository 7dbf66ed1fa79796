"""How a notification target is configured (the ``notifications:`` list of ``mfaguard.yaml``).

Secrets are never written in the file: a webhook URL (it carries the key that lets anyone post) and
an SMTP password are given as the *name* of an environment variable (``url_env``, ``password_env``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mfaguard.notify.message import EventKind

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Severity = Literal["info", "low", "medium", "high", "critical"]


def _env_name(value: str | None) -> str | None:
    if value is not None and not ENV_NAME.match(value):
        raise ValueError("must be the NAME of an environment variable (letters, digits, _), not its value")
    return value


class _Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(
        None, description="Label in logs and the history store (default: type and variable name)."
    )
    min_severity: Severity = Field("info", description="Only notify at or above this severity.")
    events: tuple[EventKind, ...] = Field(
        tuple(EventKind), description="Which events to send: drift, alert, run_error, change."
    )


class _UrlTarget(_Target):
    url_env: str = Field(description="Environment variable holding the webhook URL (a secret).")

    _check_env = field_validator("url_env")(_env_name)


class WebhookTarget(_UrlTarget):
    """Generic JSON webhook: POSTs mfaguard's notification document (schema_version 1.0)."""

    type: Literal["webhook"]
    headers_env: dict[str, str] = Field(
        default_factory=dict,
        description="Extra headers, each read from an environment variable: {Header-Name: VAR}.",
    )

    @field_validator("headers_env")
    @classmethod
    def _header_envs(cls, value: dict[str, str]) -> dict[str, str]:
        for var in value.values():
            _env_name(var)
        return value


class TeamsTarget(_UrlTarget):
    """Microsoft Teams: a Workflows ("When a Teams webhook request is received") URL; posts an Adaptive Card."""

    type: Literal["teams"]


class SlackTarget(_UrlTarget):
    """Slack incoming webhook; posts Block Kit blocks."""

    type: Literal["slack"]


class EmailTarget(_Target):
    """E-mail over SMTP (STARTTLS by default)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: Literal["email"]
    host: str = Field(min_length=1, description="SMTP server.")
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = Field(
        "starttls",
        description="starttls (port 587), tls (implicit, port 465) or none (loopback servers only).",
    )
    username: str | None = None
    password_env: str | None = Field(None, description="Environment variable holding the SMTP password.")
    sender: str = Field(alias="from", min_length=3, description="From address.")
    to: tuple[str, ...] = Field(min_length=1, description="Recipients.")
    ca_file: Path | None = Field(None, description="CA bundle to trust for the server's certificate.")
    timeout: float = Field(15.0, gt=0, le=120)

    _check_env = field_validator("password_env")(_env_name)

    @model_validator(mode="after")
    def _plain_only_on_loopback(self) -> EmailTarget:
        from mfaguard.graph.clouds import is_loopback_host

        if self.security == "none" and not is_loopback_host(self.host):
            raise ValueError(
                "security: none sends the password and mail in clear; allowed for loopback hosts only"
            )
        if self.password_env and not self.username:
            raise ValueError("password_env needs username")
        return self


NotificationTarget = Annotated[
    WebhookTarget | TeamsTarget | SlackTarget | EmailTarget, Field(discriminator="type")
]


def target_label(target: WebhookTarget | TeamsTarget | SlackTarget | EmailTarget) -> str:
    """The name under which a target appears in logs and the store: never its URL or password."""
    if target.name:
        return target.name
    if isinstance(target, EmailTarget):
        return f"email:{','.join(target.to)}"
    return f"{target.type}:{target.url_env}"
