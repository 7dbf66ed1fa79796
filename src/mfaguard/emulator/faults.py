"""Injectable faults: by rate (seeded RNG) or by script ("the 2nd PATCH to Voice fails with 500").

A :class:`FaultRule` matches requests by method, path (a case-insensitive regular expression searched
in the path after the version), API version and tenant. It fires either with probability ``rate`` or
on the ``nth`` matching request (then ``times`` consecutive times, default once). Kinds:

- ``status``: answer with ``status`` (429, 500, 503, 504, ...) in Graph's error shape; 429/503 carry
  ``Retry-After: retry_after`` when it is set;
- ``timeout``: hang for ``hang_s`` seconds (until the client gives up), then drop the connection.
  ``httpx.ASGITransport`` enforces no timeouts, so in-process clients need their own deadline;
- ``reset``: drop the connection without an answer (TCP reset over a socket; an
  ``httpx.RemoteProtocolError`` in-process);
- ``edit``: an out-of-band change ("between plan and apply someone edits X") applied just before the
  request is served; ``edit`` is ``{"configuration": ID, "body": {...}}`` or ``{"policy": {...}}``.
"""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass, field
from typing import Any

FAULT_KINDS = ("status", "timeout", "reset", "edit")


@dataclass
class FaultRule:
    """One fault; see the module docstring. ``seen``/``fired`` count at run time."""

    kind: str = "status"
    status: int = 503
    rate: float | None = None
    nth: int | None = None
    times: int | None = None
    method: str | None = None
    path: str | None = None
    version: str | None = None
    tenant: str | None = None
    retry_after: int | None = None
    hang_s: float = 300.0
    edit: dict[str, Any] | None = None
    seen: int = 0
    fired: int = 0
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if self.rate is None and self.nth is None:
            raise ValueError("a fault needs either rate (0..1) or nth (1-based)")
        if self.rate is not None and not 0 <= self.rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        if self.kind == "edit" and not self.edit:
            raise ValueError(
                "an edit fault needs edit={'configuration': ID, 'body': {...}} or {'policy': {...}}"
            )
        if self.path:
            self._pattern = re.compile(self.path, re.IGNORECASE)

    def matches(self, *, method: str, path: str, version: str, tenant: str | None) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.version and self.version != version:
            return False
        if self.tenant and tenant is not None and self.tenant.lower() != tenant.lower():
            return False
        if self.tenant and tenant is None:
            return False
        return not (self._pattern is not None and not self._pattern.search(path))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_pattern", None)
        return data


class FaultPlan:
    """The active rules and the seeded RNG that decides rate-based ones (reproducible runs)."""

    def __init__(self, seed: int = 0) -> None:
        self.rules: list[FaultRule] = []
        self.rng = random.Random(seed)

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def reseed(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, *, method: str, path: str, version: str, tenant: str | None) -> list[FaultRule]:
        """Rules firing for this request: all ``edit`` rules that fire, then at most one terminal fault."""
        fired: list[FaultRule] = []
        terminal = False
        for rule in self.rules:
            if not rule.matches(method=method, path=path, version=version, tenant=tenant):
                continue
            rule.seen += 1
            if rule.kind != "edit" and terminal:
                continue
            if rule.nth is not None:
                times = rule.times if rule.times is not None else 1
                fire = rule.nth <= rule.seen < rule.nth + times
            else:
                fire = (rule.times is None or rule.fired < rule.times) and self.rng.random() < (
                    rule.rate or 0.0
                )
            if fire:
                rule.fired += 1
                fired.append(rule)
                if rule.kind != "edit":
                    terminal = True
        return fired
