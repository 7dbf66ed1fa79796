from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.notify.receivers import SmtpReceiver, WebhookReceiver


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp_receiver(tmp_path: Path) -> Iterator[SmtpReceiver]:
    with SmtpReceiver(tmp_path) as receiver:
        yield receiver
