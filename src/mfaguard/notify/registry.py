"""NOTIFIERS: every notification channel mfaguard can send to, registered once.

A contract test checks that each entry has a config model in the fleet schema, a section in
``docs/notifications.md`` and a delivery test against a local receiver.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mfaguard.notify.base import Notifier
from mfaguard.notify.config import EmailTarget, SlackTarget, TeamsTarget, WebhookTarget
from mfaguard.notify.email import EmailNotifier
from mfaguard.notify.webhooks import SlackNotifier, TeamsNotifier, WebhookNotifier


@dataclass(frozen=True, slots=True)
class NotifierSpec:
    type_name: str
    """The ``type:`` value in the fleet file."""
    summary: str
    config_model: type[Any]
    build: Callable[[Any, Mapping[str, str]], Notifier]


NOTIFIERS: Mapping[str, NotifierSpec] = {
    spec.type_name: spec
    for spec in (
        NotifierSpec(
            "webhook",
            "generic JSON webhook (mfaguard's notification document)",
            WebhookTarget,
            WebhookNotifier,
        ),
        NotifierSpec(
            "teams", "Microsoft Teams Workflows webhook with an Adaptive Card", TeamsTarget, TeamsNotifier
        ),
        NotifierSpec("slack", "Slack incoming webhook with Block Kit blocks", SlackTarget, SlackNotifier),
        NotifierSpec("email", "e-mail over SMTP (STARTTLS or TLS)", EmailTarget, EmailNotifier),
    )
}


def build_notifier(config: Any, env: Mapping[str, str] | None = None) -> Notifier:
    """The notifier for one configured target (secrets read from ``env``, default os.environ)."""
    import os

    spec = NOTIFIERS.get(getattr(config, "type", ""))
    if spec is None:
        raise ValueError(f"no notifier for {config!r}")
    return spec.build(config, os.environ if env is None else env)
