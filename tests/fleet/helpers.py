"""Builders for fleet tests: an in-process emulator fleet wired to a runner (no sockets)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from mfaguard.emulator import Emulator
from mfaguard.fleet.model import FleetTenant, Mode
from mfaguard.fleet.runner import FleetRunner
from mfaguard.fleet.steps import STEPS
from mfaguard.graph.auth import CredentialKind, CredentialOptions
from mfaguard.graph.connect import GraphConnection

ENDPOINT = "https://graph.emulator.test"
LOCATION = "displayLocationInformationRequiredState"


@dataclass
class Fleet:
    """An emulator with many tenants, their FleetTenant entries and the token environment."""

    emulator: Emulator
    tenants: list[FleetTenant]
    env: dict[str, str] = field(default_factory=dict)

    def runner(self, store: Any, **kwargs: Any) -> FleetRunner:
        kwargs.setdefault("client_kwargs", {"transport": httpx.ASGITransport(app=self.emulator.asgi_app)})
        return FleetRunner(self.tenants, steps=STEPS, store=store, env=self.env, **kwargs)

    def by_name(self, name: str) -> FleetTenant:
        return next(t for t in self.tenants if t.name == name)

    def set(self, name: str, **changes: Any) -> None:
        self.tenants = [replace(t, **changes) if t.name == name else t for t in self.tenants]


def make_fleet(
    scenarios: Sequence[str] = ("compliant",),
    *,
    per_scenario: int = 1,
    mode: Mode = Mode.REPORT,
    notifications: Iterable[Any] = (),
    roles: Mapping[int, Sequence[str]] | None = None,
    extra: Sequence[str] = (),
) -> Fleet:
    """One fleet entry per emulated tenant, named ``t0``, ``t1``, ... each with a static token
    (``roles`` overrides the token's roles for some indexes: a 403 tenant; ``extra`` adds one more
    tenant per scenario named)."""
    emu = Emulator(list(scenarios), tenants=per_scenario)
    for scenario in extra:
        emu.add_tenant(scenario)
    env: dict[str, str] = {}
    tenants = []
    for index, tid in enumerate(emu.tenant_ids):
        var = f"FLEET_TOKEN_{index}"
        env[var] = emu.issue_token(tid, (roles or {}).get(index))
        credential = CredentialOptions(kind=CredentialKind.TOKEN, token_env=var)
        tenants.append(
            FleetTenant(
                name=f"t{index}",
                tenant_id=tid,
                connection=GraphConnection.create(credential, graph_endpoint=ENDPOINT),
                mode=mode,
                tags=(emu.tenants[tid].scenario,),
                notifications=tuple(notifications),
            )
        )
    return Fleet(emu, tenants, env)


def disable_location(emu: Emulator, tenant_id: str) -> None:
    """An out-of-band edit: location in Authenticator pushes switched off (MFA-004 PASS → FAIL)."""
    config = emu.stored_configuration("MicrosoftAuthenticator", tenant_id)
    feature = dict(config["featureSettings"][LOCATION])
    feature["state"] = "disabled"
    emu.edit_configuration(
        "MicrosoftAuthenticator",
        {"featureSettings": {LOCATION: feature}},
        tenant_id,
    )


class Recorder:
    """A notifier factory whose notifiers record what they are asked to send (and succeed)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def __call__(self, target: Any) -> Any:
        from mfaguard.notify import SendResult

        recorder = self
        name = getattr(target, "name", None) or "recorder"

        class _Notifier:
            target = name

            def accepts(self, note: Any) -> bool:
                return True

            async def send(self, note: Any) -> SendResult:
                recorder.sent.append((name, note))
                return SendResult(ok=True)

        return _Notifier()


class WebhookReceiver:
    """A local webhook endpoint on 127.0.0.1 that records every JSON POST."""

    def __init__(self) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received.append(json.loads(self.rfile.read(length) or b"null"))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
