"""A webhook URL is a secret in whatever spelling it is logged (issue 11, item 11): httpx logs the URL
it sent — host lower-cased, a default port dropped — not the one in the environment variable."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from pydantic import TypeAdapter

from mfaguard.graph.webhook import post_json
from mfaguard.notify import DeliveryPolicy, NotificationTarget, build_notifier, deliver
from mfaguard.store import Store
from tests.notify.receivers import NOTE, WebhookReceiver

SECRET_PARTS = ("SuperSecretSig0123456789", "/workflows/abc123")


def test_a_mixed_case_host_is_masked_in_httpx_log_lines(
    store: Store, webhook_receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    shouting = webhook_receiver.url.replace("http://127.0.0.1", "http://LocalHost")
    target = TypeAdapter(NotificationTarget).validate_python({"type": "webhook", "url_env": "HOOK_URL"})
    notifier = build_notifier(target, {"HOOK_URL": shouting})
    with caplog.at_level(logging.DEBUG):
        report = asyncio.run(deliver(store, [notifier], [NOTE], policy=DeliveryPolicy(attempts=1)))
    assert [o.status for o in report.outcomes] == ["sent"] and len(webhook_receiver.requests) == 1
    sent = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert sent and "http://localhost:" in sent[0]  # httpx logged its own spelling...
    assert not any(part in caplog.text for part in SECRET_PARTS)  # ...and it was masked


def test_the_default_port_dropped_by_httpx_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    from mfaguard.graph.webhook import url_forms

    url = "https://Hooks.Example.COM:443/services/T0/B0/XyZsecretPart?sig=AnotherSig987654"
    assert url_forms(url) == (
        url,
        "https://hooks.example.com/services/T0/B0/XyZsecretPart?sig=AnotherSig987654",
    )

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="ok")

    with caplog.at_level(logging.INFO):
        result = asyncio.run(post_json(url, {"text": "hi"}, transport=httpx.MockTransport(answer)))
    assert result.ok
    assert "https://hooks.example.com/***" in caplog.text
    assert "XyZsecretPart" not in caplog.text and "AnotherSig987654" not in caplog.text
