"""Webhook notifiers: generic JSON, Microsoft Teams (Workflows + Adaptive Card), Slack (Block Kit).

They differ only in the document they POST; sending, status handling and redaction are shared.
HTTP itself is :func:`mfaguard.graph.webhook.post_json` (all HTTP lives in ``graph/``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mfaguard.notify.base import SendResult, TargetFilter, env_value, redactor_for, webhook_url_forms
from mfaguard.notify.config import SlackTarget, TeamsTarget, WebhookTarget, target_label
from mfaguard.notify.message import Notification, severity_rank

# Slack limits: header text 150 chars, a section field 2000, at most 10 fields per section.
_SLACK_HEADER = 150
_SLACK_FIELDS = 10


class _WebhookNotifier:
    def __init__(
        self,
        config: WebhookTarget | TeamsTarget | SlackTarget,
        env: Mapping[str, str],
        *,
        timeout: float = 10.0,
        verify: str | bool = True,
    ) -> None:
        self.config = config
        self.target = target_label(config)
        self.url = env_value(env, config.url_env)
        self.headers: dict[str, str] = {}
        if isinstance(config, WebhookTarget):
            self.headers = {h: v for h, var in config.headers_env.items() if (v := env_value(env, var))}
        self.timeout = timeout
        self.verify = verify
        self._filter = TargetFilter(
            events=tuple(e.value for e in config.events), min_severity=config.min_severity
        )
        self._redactor = redactor_for(*webhook_url_forms(self.url), *self.headers.values())

    def accepts(self, note: Notification) -> bool:
        return self._filter.accepts(note)

    def payload(self, note: Notification) -> dict[str, Any]:
        raise NotImplementedError

    async def send(self, note: Notification) -> SendResult:
        from mfaguard.graph.webhook import post_json

        if self.url is None:
            return SendResult(
                ok=False,
                error=f"environment variable {self.config.url_env} is not set (it must hold the webhook URL)",
            )
        result = await post_json(
            self.url,
            self.payload(note),
            request_timeout=self.timeout,
            headers=self.headers,
            verify=self.verify,
        )
        if result.ok:
            return SendResult(ok=True)
        if result.status is None:
            return SendResult(
                ok=False, retryable=True, error=self._redactor.text(result.error or "no answer")
            )
        retryable = result.status in (408, 425, 429) or result.status >= 500
        excerpt = self._redactor.text(result.body_excerpt.strip()[:160])
        return SendResult(
            ok=False,
            retryable=retryable,
            retry_after=result.retry_after,
            error=f"HTTP {result.status}" + (f": {excerpt}" if excerpt else ""),
        )


class WebhookNotifier(_WebhookNotifier):
    """POSTs :meth:`Notification.to_json`."""

    def payload(self, note: Notification) -> dict[str, Any]:
        return note.to_json()


def _teams_color(severity: str) -> str:
    rank = severity_rank(severity)
    return "attention" if rank >= 3 else "warning" if rank == 2 else "default"


class TeamsNotifier(_WebhookNotifier):
    """Teams Workflows webhook: a message with one Adaptive Card attachment (schema 1.4)."""

    def payload(self, note: Notification) -> dict[str, Any]:
        body: list[dict[str, Any]] = [
            {
                "type": "TextBlock",
                "text": note.title,
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
                "color": _teams_color(note.severity),
            },
            {"type": "TextBlock", "text": note.text, "wrap": True},
            {
                "type": "FactSet",
                "facts": [
                    {"title": "Tenant", "value": note.tenant},
                    {"title": "Severity", "value": note.severity},
                    *({"title": k, "value": v} for k, v in note.facts),
                ],
            },
        ]
        card: dict[str, Any] = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": body,
        }
        if note.link:
            card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in mfaguard", "url": note.link}]
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": card,
                }
            ],
        }


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackNotifier(_WebhookNotifier):
    """Slack incoming webhook: header, text, fields (Block Kit) and a plain-text fallback."""

    def payload(self, note: Notification) -> dict[str, Any]:
        fields = [("Tenant", note.tenant), ("Severity", note.severity), *note.facts]
        blocks: list[dict[str, Any]] = [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": note.title[:_SLACK_HEADER], "emoji": False},
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(note.text)}},
        ]
        for start in range(0, len(fields), _SLACK_FIELDS):
            blocks.append(
                {
                    "type": "section",
                    "fields": [
                        {"type": "mrkdwn", "text": f"*{_slack_escape(k)}*\n{_slack_escape(v)}"[:2000]}
                        for k, v in fields[start : start + _SLACK_FIELDS]
                    ],
                }
            )
        if note.link:
            blocks.append(
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": f"<{note.link}|Open in mfaguard>"}],
                }
            )
        return {"text": f"{note.title}: {note.text}", "blocks": blocks}
