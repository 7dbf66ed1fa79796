"""Helpers shared by the emulator's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mfaguard.emulator import Emulator
from tests.emulator.graph_schema import schema

POLICY = "/policies/authenticationMethodsPolicy"
CONFIGS = POLICY + "/authenticationMethodConfigurations"
AUTHENTICATOR_TYPE = "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration"
SMS_TYPE = "#microsoft.graph.smsAuthenticationMethodConfiguration"


def graph_error(response: httpx.Response) -> dict[str, Any]:
    """Assert Graph's error shape and return the ``error`` object."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    inner = error["innerError"]
    assert inner["request-id"] == response.headers["request-id"]
    assert inner["date"]
    return dict(error)


class FakeClock:
    """A settable clock for consistency-delay and throttling tests."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def accepted_writes_are_in_the_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every body an emulator accepted (2xx POST/PATCH) in an emulator test is checked against Graph's
    published schema at teardown: "accepted by the emulator" must imply "accepted by Graph"."""
    created: list[Emulator] = []
    original = Emulator.__init__

    def init(self: Emulator, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        created.append(self)

    monkeypatch.setattr(Emulator, "__init__", init)
    yield
    problems: list[str] = []
    for emu in created:
        for entry in list(emu.log):
            if entry.method not in ("POST", "PATCH") or not 200 <= entry.status < 300 or entry.body is None:
                continue
            version = entry.version or ""
            tenant = emu.tenants.get(entry.tenant or "")
            if version == "v1.0" and tenant is not None and emu.knob(tenant, "v1_wire_includes_beta"):
                version = "beta"  # the knob mimics the service's v1.0 wire, which carries beta fields
            graph = schema(version)
            type_ref = graph.path_type(entry.path[len(version) + 1 :])
            if type_ref is None:
                continue  # actions ($batch, getByIds): their bodies are parameters, not resources
            element = type_ref[11:-1] if type_ref.startswith("Collection(") else type_ref
            problems.extend(graph.check_body(element, entry.body, f"{entry.method} {entry.path}"))
    assert not problems, "\n".join(problems[:20])
