"""Notifications: generic JSON webhook, Microsoft Teams, Slack, e-mail (:data:`NOTIFIERS`).

Build messages with :func:`drift_notification` / :func:`alert_notification` /
:func:`run_error_notification` / :func:`change_notification`, notifiers with :func:`build_notifier` from the fleet file's
``notifications`` entries, and send them with :func:`deliver` (once per dedupe key and target,
recorded in the history store, retried with backoff, bounded in time, secrets redacted).
"""

from __future__ import annotations

from mfaguard.notify.base import Notifier, SendResult
from mfaguard.notify.config import (
    EmailTarget,
    NotificationTarget,
    SlackTarget,
    TeamsTarget,
    WebhookTarget,
    target_label,
)
from mfaguard.notify.deliver import DeliveryPolicy, DeliveryReport, Outcome, deliver
from mfaguard.notify.message import (
    EventKind,
    Notification,
    alert_notification,
    change_notification,
    drift_notification,
    run_error_notification,
)
from mfaguard.notify.registry import NOTIFIERS, NotifierSpec, build_notifier

__all__ = [
    "NOTIFIERS",
    "DeliveryPolicy",
    "DeliveryReport",
    "EmailTarget",
    "EventKind",
    "Notification",
    "NotificationTarget",
    "Notifier",
    "NotifierSpec",
    "Outcome",
    "SendResult",
    "SlackTarget",
    "TeamsTarget",
    "WebhookTarget",
    "alert_notification",
    "build_notifier",
    "change_notification",
    "deliver",
    "drift_notification",
    "run_error_notification",
    "target_label",
]
