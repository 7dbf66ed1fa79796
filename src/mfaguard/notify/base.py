"""The notifier interface: render a :class:`Notification` for one channel and send it once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from mfaguard.config.redact import Redactor
from mfaguard.notify.message import Notification, severity_rank


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    retryable: bool = False
    retry_after: float | None = None
    error: str | None = None
    """Already redacted."""


class Notifier(Protocol):
    """One configured target (a channel, a mailbox)."""

    @property
    def target(self) -> str:
        """Label for logs and the store (never the URL or a password)."""
        ...

    def accepts(self, note: Notification) -> bool:
        """True if this target wants ``note`` (event kind and minimum severity)."""
        ...

    async def send(self, note: Notification) -> SendResult:
        """One attempt; never raises for delivery problems."""
        ...


class TargetFilter:
    """Event-kind and severity filtering shared by every notifier."""

    def __init__(self, *, events: tuple[str, ...], min_severity: str) -> None:
        self.events = frozenset(events)
        self.min_rank = severity_rank(min_severity)

    def accepts(self, note: Notification) -> bool:
        return note.kind.value in self.events and severity_rank(note.severity) >= self.min_rank


def env_value(env: Mapping[str, str], name: str | None) -> str | None:
    """The value of environment variable ``name`` (None if unset or empty)."""
    if not name:
        return None
    value = env.get(name)
    return value or None


def webhook_url_forms(url: str | None) -> tuple[str, ...]:
    """Every spelling of a webhook URL that may show up in an error (see
    :func:`mfaguard.graph.webhook.url_forms`); empty when there is none."""
    if not url:
        return ()
    from mfaguard.graph.webhook import url_forms

    return url_forms(url)


def redactor_for(*secrets: str | None) -> Redactor:
    """A redactor that masks these secrets and every URL's path (for logs and stored errors)."""
    return Redactor([s for s in secrets if s], mask_urls=True)
