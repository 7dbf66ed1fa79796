"""Every notifier delivers to a local receiver; delivery is once per key, retried, bounded, redacted."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from mfaguard.notify import (
    NOTIFIERS,
    DeliveryPolicy,
    NotificationTarget,
    build_notifier,
    deliver,
)
from mfaguard.store import NotificationStatus, Store
from tests.notify.receivers import DELIVERY_SETUPS, NOTE, SmtpReceiver, WebhookReceiver, webhook_config


def _target(raw: dict[str, Any]) -> Any:
    return TypeAdapter(NotificationTarget).validate_python(raw)


FAST = DeliveryPolicy(attempts=3, first_delay=0.01, max_delay=0.05, deadline=5.0)


@pytest.mark.parametrize("kind", sorted(NOTIFIERS))
def test_each_notifier_delivers_once(kind: str, tmp_path: Path, store: Store) -> None:
    receiver, raw, env, check = DELIVERY_SETUPS[kind](tmp_path)
    try:
        notifier = build_notifier(_target(raw), env)
        report = asyncio.run(deliver(store, [notifier], [NOTE], policy=FAST))
        assert [(o.status, o.attempts) for o in report.outcomes] == [("sent", 1)], report
        check()
        again = asyncio.run(deliver(store, [notifier], [NOTE], policy=FAST))
        assert [o.status for o in again.outcomes] == ["skipped"]
        check()  # still exactly one delivery
        record = store.get_notification(NOTE.dedupe_key, notifier.target)
        assert record is not None and record.status is NotificationStatus.SENT
    finally:
        receiver.__exit__(None, None, None)


def test_retries_server_errors_with_backoff_then_succeeds(
    store: Store, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.responses = [503, (429, {"Retry-After": "0"})]
    notifier = build_notifier(_target(webhook_config("webhook")), {"HOOK_URL": webhook_receiver.url})
    report = asyncio.run(deliver(store, [notifier], [NOTE], policy=FAST))
    assert [(o.status, o.attempts) for o in report.outcomes] == [("sent", 3)]
    assert len(webhook_receiver.requests) == 3
    record = store.get_notification(NOTE.dedupe_key, notifier.target)
    assert record is not None and record.attempts == 3


def test_client_errors_are_not_retried_but_recorded_and_retried_next_run(
    store: Store, webhook_receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    webhook_receiver.responses = [400]
    notifier = build_notifier(_target(webhook_config("teams")), {"HOOK_URL": webhook_receiver.url})
    with caplog.at_level(logging.DEBUG):
        report = asyncio.run(deliver(store, [notifier], [NOTE], policy=FAST))
    [outcome] = report.outcomes
    assert (outcome.status, outcome.attempts) == ("failed", 1) and outcome.error is not None
    assert outcome.error.startswith("HTTP 400")
    record = store.get_notification(NOTE.dedupe_key, "teams:HOOK_URL")
    assert record is not None and record.status is NotificationStatus.FAILED
    # The next run tries again (the channel may have been fixed) and then never again.
    assert [o.status for o in asyncio.run(deliver(store, [notifier], [NOTE], policy=FAST)).outcomes] == [
        "sent"
    ]
    assert len(webhook_receiver.requests) == 2
    # The URL (its path and sig= query are the secret) is in no log line and not in the store.
    secret_parts = ("SuperSecretSig0123456789", "/workflows/abc123")
    assert not any(part in caplog.text for part in secret_parts)
    assert not any(part in str(store.list_notifications()) for part in secret_parts)


def test_delivery_is_bounded_in_time(store: Store, webhook_receiver: WebhookReceiver) -> None:
    webhook_receiver.delay = 3.0
    notifier = build_notifier(_target(webhook_config("slack")), {"HOOK_URL": webhook_receiver.url})
    started = time.monotonic()
    report = asyncio.run(
        deliver(store, [notifier], [NOTE], policy=DeliveryPolicy(attempts=5, first_delay=0.01, deadline=0.5))
    )
    assert time.monotonic() - started < 2.0
    [outcome] = report.outcomes
    assert outcome.status == "failed" and outcome.error is not None and "deadline" in outcome.error


def test_unreachable_and_unconfigured_targets_fail_without_raising(store: Store) -> None:
    port_with_nobody = "http://127.0.0.1:9/hook?sig=AnotherSecretValue99"
    down = build_notifier(
        _target({"type": "webhook", "url_env": "DOWN", "name": "ops"}), {"DOWN": port_with_nobody}
    )
    unset = build_notifier(_target({"type": "slack", "url_env": "NOT_SET"}), {})
    report = asyncio.run(deliver(store, [down, unset], [NOTE], policy=FAST))
    outcome = {o.target: o for o in report.outcomes}
    assert outcome["ops"].status == "failed" and outcome["ops"].attempts == 3
    assert outcome["ops"].error is not None and "AnotherSecretValue99" not in outcome["ops"].error
    assert "127.0.0.1:9" in outcome["ops"].error
    assert outcome["slack:NOT_SET"].attempts == 1
    assert (
        outcome["slack:NOT_SET"].error
        == "environment variable NOT_SET is not set (it must hold the webhook URL)"
    )


def test_filters_by_event_and_severity(store: Store, webhook_receiver: WebhookReceiver) -> None:
    only_alerts = build_notifier(
        _target({"type": "webhook", "url_env": "H", "events": ["alert"]}), {"H": webhook_receiver.url}
    )
    critical_only = build_notifier(
        _target({"type": "webhook", "url_env": "H", "name": "pager", "min_severity": "critical"}),
        {"H": webhook_receiver.url},
    )
    report = asyncio.run(deliver(store, [only_alerts, critical_only], [NOTE], policy=FAST))
    assert report.outcomes == () and webhook_receiver.requests == []


def test_email_wrong_password_fails_once_and_never_leaks_it(
    store: Store, smtp_receiver: SmtpReceiver
) -> None:
    assert smtp_receiver.tls is not None
    config = _target(
        {
            "type": "email",
            "host": "127.0.0.1",
            "port": smtp_receiver.port,
            "username": "mailer",
            "password_env": "PW",
            "from": "m@contoso.com",
            "to": ["a@contoso.com"],
            "ca_file": str(smtp_receiver.tls.ca_path),
        }
    )
    notifier = build_notifier(config, {"PW": "wrong-password-value"})
    [outcome] = asyncio.run(deliver(store, [notifier], [NOTE], policy=FAST)).outcomes
    assert outcome.status == "failed" and outcome.attempts == 1
    assert outcome.error is not None and "login as mailer refused (535)" in outcome.error
    assert "wrong-password-value" not in str(store.list_notifications())
    assert smtp_receiver.messages == []


def test_email_refuses_a_server_without_a_trusted_certificate(
    store: Store, smtp_receiver: SmtpReceiver
) -> None:
    config = _target(
        {
            "type": "email",
            "host": "127.0.0.1",
            "port": smtp_receiver.port,
            "from": "m@contoso.com",
            "to": ["a@contoso.com"],
        }
    )
    [outcome] = asyncio.run(deliver(store, [build_notifier(config, {})], [NOTE], policy=FAST)).outcomes
    assert outcome.status == "failed" and outcome.error is not None and "TLS with 127.0.0.1" in outcome.error


def test_drift_and_alert_messages_have_stable_keys() -> None:
    from mfaguard.notify import alert_notification, drift_notification
    from mfaguard.store import AlertRecord, DriftRecord

    at = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    drift = DriftRecord(1, "contoso", "MFA-001", "status", "PASS", "FAIL", 7, 6, at, None, None)
    note = drift_notification("contoso", [drift], severities={"MFA-001": "critical"})
    assert note.dedupe_key == "drift:contoso:7" and note.severity == "critical"
    assert note.facts == (("MFA-001 status", "PASS → FAIL"),)
    alert = AlertRecord(
        3,
        "contoso",
        7,
        "contoso|DET-001|a@b|x",
        "DET-001",
        "a@b",
        "high",
        at,
        at,
        {"ips": ["1.2.3.4"]},
        at,
        at,
    )
    anote = alert_notification(alert)
    assert anote.dedupe_key == "alert:contoso|DET-001|a@b|x" and ("IPs", "['1.2.3.4']") in anote.facts
    with pytest.raises(ValueError):
        drift_notification("contoso", [])


def test_change_and_run_error_messages(store: Store) -> None:
    from mfaguard.notify import change_notification, run_error_notification

    change = store.create_change("contoso", plan={}, kind="remediate", baseline="recommended")
    store.record_pre_change_object(
        change, "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms", {}
    )
    store.mark_change(change, "failed", error="PATCH Sms: HTTP 400")
    record = store.get_change(change)
    assert record is not None
    note = change_notification(record)
    assert note.dedupe_key == f"change:contoso:{change}:failed" and note.severity == "high"
    assert ("Objects", "Sms") in note.facts and note.text.endswith("HTTP 400")
    run = store.record_run("contoso", "audit")
    store.finish_run(run, status="error", error="HTTP 403 Authorization_RequestDenied")
    failed_run = store.get_run(run)
    assert failed_run is not None
    err = run_error_notification(failed_run)
    assert err.dedupe_key == f"run_error:contoso:{run}" and "403" in err.text
