"""The change journal as enforcement sees it: statuses, kinds, and the small protocols the history store
implements (:class:`mfaguard.store.Store`). Enforcement never imports the store: the store is handed in
(``Writer(client, store, ...)``, ``run_apply(writer, store, ...)``) and only these methods are used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

__all__ = [
    "UNKNOWN_TENANT",
    "ChangeKind",
    "ChangeLike",
    "ChangeLog",
    "ChangeObjectLike",
    "ChangeStatus",
    "ChangeStore",
    "Lockable",
    "tenant_id_of",
    "tenant_key",
]


UNKNOWN_TENANT = "default"


def tenant_key(tenant_id: str | None) -> str:
    """Name of the tenant in the store (its id, lower-case; ``default`` when the token does not say)."""
    return (tenant_id or UNKNOWN_TENANT).lower()


def tenant_id_of(key: str) -> str | None:
    """The tenant id behind a :func:`tenant_key` (None for the unknown tenant)."""
    return None if key == UNKNOWN_TENANT else key


class ChangeStatus(StrEnum):
    """Life of a change (apply or rollback) to one tenant."""

    PENDING = "pending"
    """Pre-change objects are being recorded / PATCHes may be in flight; after a crash, recover it."""
    APPLIED = "applied"
    """Written, not (yet) confirmed by re-reading."""
    VERIFIED = "verified"
    PILOT_APPLIED = "pilot_applied"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"

    @property
    def restorable(self) -> bool:
        """True when the change's pre-change state can be restored: every status but ``rolled_back``
        (a failed change may have left objects written that its own undo could not restore)."""
        return self is not ChangeStatus.ROLLED_BACK


class ChangeKind(StrEnum):
    APPLY = "apply"
    ROLLBACK = "rollback"
    REMEDIATE = "remediate"
    """An apply started by the fleet runner for drift in ``remediate`` mode."""


class ChangeLog(Protocol):
    """What the writer needs from the history store (:class:`mfaguard.store.Store`)."""

    def create_change(
        self,
        tenant: str,
        *,
        plan: Mapping[str, Any] | None,
        kind: Any = ...,
        baseline: str | None = ...,
        pilot_group: str | None = ...,
        actor: str | None = ...,
        reverts_id: int | None = ...,
    ) -> int: ...

    def record_pre_change_object(self, change_id: int, path: str, pre: Mapping[str, Any] | None) -> None: ...

    def record_post_change_object(
        self, change_id: int, path: str, post: Mapping[str, Any] | None
    ) -> None: ...

    def mark_change(self, change_id: int, status: Any, *, error: str | None = ...) -> None: ...


class ChangeObjectLike(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def pre(self) -> Mapping[str, Any] | None: ...
    @property
    def post(self) -> Mapping[str, Any] | None: ...


class ChangeLike(Protocol):
    """What rollback reads of a recorded change (:class:`mfaguard.store.ChangeRecord`)."""

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def plan(self) -> Mapping[str, Any] | None: ...
    @property
    def objects(self) -> Sequence[ChangeObjectLike]: ...


class Lockable(Protocol):
    def acquire_lock(self, name: str, holder: str, *, ttl: timedelta) -> bool: ...
    def release_lock(self, name: str, holder: str) -> bool: ...
    def get_lock(self, name: str) -> Any: ...


class ChangeStore(ChangeLog, Lockable, Protocol):
    """The history store as enforcement uses it (:class:`mfaguard.store.Store`)."""

    def pending_changes(self, tenant: str | None = ...) -> Sequence[Any]: ...
    def get_change(self, change_id: int) -> Any: ...
    def list_changes(
        self, *, tenant: str | None = ..., limit: int | None = ..., with_objects: bool = ...
    ) -> Sequence[Any]: ...
