"""Small in-memory stand-ins for the writer's unit tests (the emulator covers the real wire)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mfaguard.enforce.body import POLICY_PATH, comparable
from mfaguard.errors import ServiceError
from tests.builders.policy import apply_body, weak_policy


class FakeGraph:
    """The policy in memory; PATCH semantics of graph.md §3; optional lag, faults and edits."""

    def __init__(self, policy: dict[str, Any] | None = None) -> None:
        self.policy = policy if policy is not None else weak_policy()
        self.visible = copy.deepcopy(self.policy)
        self.lag_reads = 0
        """Reads after a PATCH that still show the old state (eventual consistency)."""
        self._stale_left = 0
        self.fail_patch_numbers: set[int] = set()
        self.on_get: Callable[[FakeGraph, str, int], None] | None = None
        self.log: list[tuple[str, str, Any]] = []

    def _object(self, policy: Mapping[str, Any], path: str) -> dict[str, Any]:
        if path == POLICY_PATH:
            return copy.deepcopy(dict(policy))
        config_id = path.rsplit("/", 1)[1].lower()
        for config in policy["authenticationMethodConfigurations"]:
            if config["id"].lower() == config_id:
                return {"@odata.context": "https://graph/beta/$metadata#x/$entity", **copy.deepcopy(config)}
        raise AssertionError(path)

    def edit(self, fn: Callable[[dict[str, Any]], None]) -> None:
        """Someone else changes the policy (visible at once)."""
        fn(self.policy)
        self.visible = copy.deepcopy(self.policy)

    async def get(self, path: str, *, version: str = "beta") -> dict[str, Any]:
        gets = sum(1 for m, _, _ in self.log if m == "GET")
        self.log.append(("GET", path, None))
        if self.on_get is not None:
            self.on_get(self, path, gets)
        if self._stale_left > 0:
            self._stale_left -= 1
        else:
            self.visible = copy.deepcopy(self.policy)
        return self._object(self.visible, path)

    async def patch(
        self, path: str, body: Mapping[str, Any], *, version: str = "beta"
    ) -> dict[str, Any] | None:
        self.log.append(("PATCH", path, copy.deepcopy(dict(body))))
        number = sum(1 for m, _, _ in self.log if m == "PATCH")
        if number in self.fail_patch_numbers:
            raise ServiceError("Graph answered 500 to the PATCH", status=500, code="InternalServerError")
        self.policy = apply_body(self.policy, path, dict(body))
        self._stale_left = self.lag_reads
        return None

    def patches(self) -> list[tuple[str, Any]]:
        return [(p, b) for m, p, b in self.log if m == "PATCH"]


class FakeChangeLog:
    """Records what the writer tells the history store."""

    def __init__(self) -> None:
        self.changes: dict[int, dict[str, Any]] = {}

    def create_change(self, tenant: str, *, plan: Mapping[str, Any] | None, **kw: Any) -> int:
        change_id = len(self.changes) + 1
        self.changes[change_id] = {
            "tenant": tenant,
            "plan": plan,
            "status": "pending",
            "pre": {},
            "post": {},
            **kw,
        }
        return change_id

    def record_pre_change_object(self, change_id: int, path: str, pre: Mapping[str, Any] | None) -> None:
        self.changes[change_id]["pre"].setdefault(path, copy.deepcopy(pre))

    def record_post_change_object(self, change_id: int, path: str, post: Mapping[str, Any] | None) -> None:
        assert path in self.changes[change_id]["pre"], "post before pre"
        self.changes[change_id]["post"][path] = copy.deepcopy(post)

    def mark_change(self, change_id: int, status: Any, *, error: str | None = None) -> None:
        self.changes[change_id]["status"] = str(status)
        self.changes[change_id]["error"] = error


@dataclass(frozen=True)
class FakeObject:
    path: str
    pre: Mapping[str, Any] | None
    post: Mapping[str, Any] | None


@dataclass(frozen=True)
class FakeRecord:
    id: int
    status: str
    kind: str
    created_at: datetime
    plan: Mapping[str, Any] | None
    objects: tuple[FakeObject, ...]


def record_of(log: FakeChangeLog, change_id: int) -> FakeRecord:
    c = log.changes[change_id]
    objects = tuple(FakeObject(p, pre, c["post"].get(p)) for p, pre in c["pre"].items())
    return FakeRecord(
        change_id, c["status"], c.get("kind", "apply"), datetime(2026, 1, 1, tzinfo=UTC), c["plan"], objects
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def same_policy(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two policy bodies equal in every property a PATCH can change."""

    def norm(p: dict[str, Any]) -> Any:
        root = comparable(p, is_policy=True)
        configs = {c["id"]: comparable(c, is_policy=False) for c in p["authenticationMethodConfigurations"]}
        return root, configs

    return bool(norm(a) == norm(b))
