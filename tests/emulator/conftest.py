"""Helpers shared by the emulator's own tests."""

from __future__ import annotations

from typing import Any

import httpx

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
