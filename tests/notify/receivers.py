"""Local receivers for notification tests: an HTTP webhook and an SMTP server (127.0.0.1 only).

Other tests (the fleet's) may import :class:`WebhookReceiver` to check what was notified. ``NOTE`` is
a notification to deliver and :data:`DELIVERY_SETUPS` one way per notifier to receive and check it.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from mfaguard.emulator.tls import TlsFiles, generate_tls_files
from mfaguard.notify import EventKind, Notification


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


class WebhookReceiver:
    """Records every POST; answers from ``responses`` (status codes, consumed in order; then 200).

    The URL has a secret-looking path and query, like real Teams/Slack URLs, so tests can check it
    never leaks.
    """

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.responses: list[int | tuple[int, dict[str, str]]] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                if receiver.delay:
                    time.sleep(receiver.delay)
                answer = receiver.responses.pop(0) if receiver.responses else 200
                status, headers = answer if isinstance(answer, tuple) else (answer, {})
                payload = b"ok" if status < 300 else b'{"error": "nope"}'
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (deadline tests)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return (
            f"http://{host}:{port}/workflows/abc123/triggers/manual/paths/invoke?sig=SuperSecretSig0123456789"
        )

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpReceiver:
    """aiosmtpd on 127.0.0.1 requiring STARTTLS and AUTH (user ``mailer``, password ``password``)."""

    directory: Path
    password: str = "s3cr3t-smtp-password"
    messages: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    port: int = 0
    tls: TlsFiles | None = None

    def __enter__(self) -> SmtpReceiver:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        self.tls = generate_tls_files(self.directory)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.tls.cert_path, self.tls.key_path)
        receiver = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                receiver.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                receiver.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login == b"mailer"
                and auth_data.password == receiver.password.encode()
            )
            return AuthResult(success=ok, handled=False)

        self.port = free_port()
        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
            authenticator=authenticator,
            auth_require_tls=True,
        )
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


# ---- one notification, and one way per notifier to receive and check it --------------------------

NOTE = Notification(
    dedupe_key="drift:contoso:7",
    kind=EventKind.DRIFT,
    tenant="contoso",
    severity="high",
    title="mfaguard: contoso drifted (MFA-001)",
    text="1 setting(s) of tenant contoso changed since the previous run 6.",
    facts=(("MFA-001 status", "PASS → FAIL"),),
    link="https://mfaguard.example/tenants/contoso",
    data={"run_id": 7},
)


def webhook_config(kind: str) -> dict[str, Any]:
    return {"type": kind, "url_env": "HOOK_URL"}


def _check_webhook(receiver: WebhookReceiver, kind: str) -> None:
    [request] = receiver.requests
    assert request.path.startswith("/workflows/abc123")
    body = request.body
    if kind == "webhook":
        assert body["kind"] == "drift" and body["dedupe_key"] == "drift:contoso:7"
        assert body["facts"] == {"MFA-001 status": "PASS → FAIL"} and body["schema_version"] == "1.0"
    elif kind == "teams":
        [attachment] = body["attachments"]
        assert body["type"] == "message"
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        card = attachment["content"]
        assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
        assert card["body"][0]["text"] == NOTE.title and card["body"][0]["color"] == "attention"
        facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
        assert facts["Tenant"] == "contoso" and facts["MFA-001 status"] == "PASS → FAIL"
        assert card["actions"][0] == {"type": "Action.OpenUrl", "title": "Open in mfaguard", "url": NOTE.link}
    elif kind == "slack":
        assert body["text"].startswith(NOTE.title)
        assert body["blocks"][0] == {
            "type": "header",
            "text": {"type": "plain_text", "text": NOTE.title, "emoji": False},
        }
        fields = [f["text"] for f in body["blocks"][2]["fields"]]
        assert "*MFA-001 status*\nPASS → FAIL" in fields
        assert body["blocks"][-1]["elements"][0]["text"] == f"<{NOTE.link}|Open in mfaguard>"


# One way to stand up a receiver and check a delivery, per registered notifier (the contract test
# checks this table covers NOTIFIERS).
Setup = Callable[[Path], tuple[Any, dict[str, Any], dict[str, str], Callable[[], None]]]


def _setup_webhook(kind: str) -> Setup:
    def setup(tmp: Path) -> tuple[Any, dict[str, Any], dict[str, str], Callable[[], None]]:
        receiver = WebhookReceiver().__enter__()
        return (
            receiver,
            webhook_config(kind),
            {"HOOK_URL": receiver.url},
            lambda: _check_webhook(receiver, kind),
        )

    return setup


def _setup_email(tmp: Path) -> tuple[Any, dict[str, Any], dict[str, str], Callable[[], None]]:
    receiver = SmtpReceiver(tmp).__enter__()
    assert receiver.tls is not None
    config = {
        "type": "email",
        "host": "127.0.0.1",
        "port": receiver.port,
        "username": "mailer",
        "password_env": "SMTP_PASSWORD",
        "from": "mfaguard@contoso.com",
        "to": ["secops@contoso.com", "noc@contoso.com"],
        "ca_file": str(receiver.tls.ca_path),
    }

    def check() -> None:
        [message] = receiver.messages
        assert message["Subject"] == f"[HIGH] {NOTE.title}"
        assert message["X-Mfaguard-Dedupe-Key"] == NOTE.dedupe_key
        assert "MFA-001 status: PASS → FAIL" in message.get_payload(decode=True).decode()
        assert receiver.envelopes == [("mfaguard@contoso.com", ["secops@contoso.com", "noc@contoso.com"])]

    return receiver, config, {"SMTP_PASSWORD": receiver.password}, check


DELIVERY_SETUPS: dict[str, Setup] = {
    "webhook": _setup_webhook("webhook"),
    "teams": _setup_webhook("teams"),
    "slack": _setup_webhook("slack"),
    "email": _setup_email,
}
