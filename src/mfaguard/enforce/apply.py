"""The only writer: apply a plan to a tenant safely, verify it, undo it when something fails.

Order of work (DESIGN §5, the original procedure made safe):

1. open a ``pending`` change in the history store and record the pre-change JSON of every object the
   plan touches — all of them, before the first PATCH, so a process killed mid-apply leaves what the
   next ``apply`` or ``rollback`` needs to restore the tenant;
2. re-read the whole policy once (one GET) and stop without writing if any planned object changed
   since the plan; then, for each object, re-read it right before its PATCH and stop if it changed
   (someone else is editing the policy) — objects already written are restored;
3. PATCH each object with the plan's read-modify-write body;
4. re-read each object until it shows the desired state (Graph is eventually consistent: bounded
   exponential backoff) and record what was read; the change becomes ``verified`` (or
   ``pilot_applied`` for a pilot group);
5. if a PATCH fails after others succeeded, restore those from their pre-change JSON (re-read,
   PATCH, verify) and report ``failed`` (exit 3);
6. on Ctrl-C or SIGTERM (:mod:`mfaguard.enforce.interrupt`), at the next safe point — the request in
   flight always finishes, so whether it landed is known — restore what was written the same way,
   verify, and report ``interrupted``: "interrupted: restored A, B to their state before change N". A
   second interrupt during that restore stops it after the request in flight; the change stays
   ``pending`` and the message names what is left and ``mfaguard rollback --to N``.

All Graph I/O goes through the injected client (``get``/``patch``); time through injected
``sleep``/``clock`` so tests never wait in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from mfaguard.enforce.baseline import Baseline
from mfaguard.enforce.body import POLICY_PATH, comparable, method_writable, policy_writable
from mfaguard.enforce.interrupt import Interrupts
from mfaguard.enforce.journal import ChangeKind, ChangeLog, ChangeStatus
from mfaguard.enforce.plan import POLICY_OBJECT, Change, ObjectPlan, Plan, PlanSettings, plan_object
from mfaguard.errors import EXIT_OK, EXIT_UNFINISHED, GraphError, MfaguardError

Result = Literal["applied", "no_changes", "pilot_applied", "rolled_back", "failed", "interrupted"]
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class GraphIO(Protocol):
    """What the writer needs from :class:`mfaguard.graph.client.GraphClient`."""

    async def get(self, path: str, *, version: str = ...) -> dict[str, Any]: ...

    async def patch(
        self, path: str, body: Mapping[str, Any], *, version: str = ...
    ) -> dict[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class VerifyPolicy:
    """Bounded backoff for read-after-write (Graph is eventually consistent, graph.md §11.8)."""

    first_delay: float = 0.2
    max_delay: float = 5.0
    timeout: float = 60.0
    """Seconds to keep re-reading one object before giving up on seeing the desired state."""


@dataclass(frozen=True, slots=True)
class ApplyOutcome:
    """What apply or rollback did; ``to_json`` is the documented JSON output."""

    result: Result
    verified: bool
    change_id: int | None
    changes: tuple[Change, ...] = ()
    message: str | None = None
    restored: tuple[str, ...] = ()
    """Paths restored to their pre-change JSON after a failure (or by a rollback)."""
    notes: tuple[str, ...] = ()
    objects: tuple[Mapping[str, Any], ...] = field(default=())
    """Per object: ``{path, status}`` (verified, applied, restored, not_written, failed)."""

    @property
    def exit_code(self) -> int:
        if self.result == "failed" or not self.verified:
            return EXIT_UNFINISHED
        return EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "verified": self.verified,
            "change_id": self.change_id,
            "changes": [c.to_json() for c in self.changes],
            "message": self.message,
            "restored": list(self.restored),
            "objects": [dict(o) for o in self.objects],
            "notes": list(self.notes),
        }


class ConcurrentEdit(MfaguardError):
    """An object changed between the plan and its PATCH."""


class Interrupted(MfaguardError):
    """Ctrl-C or SIGTERM asked the writer to stop (noted at a safe point)."""


class RestoreStopped(MfaguardError):
    """A second interrupt stopped the restore: the restoring PATCH landed, its verification was skipped."""


def object_id_for(path: str) -> str:
    """``authenticationMethodsPolicy`` for the root, else the configuration id at the end of the path."""
    return POLICY_OBJECT if path.rstrip("/") == POLICY_PATH else path.rstrip("/").rsplit("/", 1)[1]


def restore_body(
    path: str, pre: Mapping[str, Any], *, keys: Sequence[str] | None, configurable: bool
) -> dict[str, Any]:
    """The PATCH body that puts ``path`` back to its pre-change JSON (less read-only properties).

    For the root only ``keys`` (the top-level properties the change wrote) are sent; for a method the
    whole writable object (number matching only where it is writable).
    """
    if object_id_for(path) == POLICY_OBJECT:
        writable = policy_writable(pre)
        wanted = keys if keys is not None else sorted(writable)
        return {k: writable[k] for k in wanted if k in writable}
    return method_writable(pre, number_matching_configurable=configurable)


def shows(current: Mapping[str, Any], body: Mapping[str, Any], *, is_policy: bool) -> bool:
    """True when ``current`` (a GET body) carries every value of a PATCH ``body``."""
    now = comparable(current, is_policy=is_policy)
    for key, value in body.items():
        if key == "@odata.type":
            continue
        if key == "featureSettings" and isinstance(value, Mapping):
            features = now.get("featureSettings") or {}
            if any(features.get(name) != feature for name, feature in value.items()):
                return False
        elif now.get(key) != value:
            return False
    return True


@dataclass
class Writer:
    """Runs one apply or rollback against one tenant. Create one per operation."""

    graph: GraphIO
    store: ChangeLog
    tenant: str
    settings: PlanSettings
    verify: VerifyPolicy = field(default_factory=VerifyPolicy)
    sleep: Sleep = asyncio.sleep
    clock: Clock = time.monotonic
    actor: str | None = None
    log: Callable[[str], None] = lambda _message: None
    requests: dict[str, int] = field(default_factory=lambda: {"GET": 0, "PATCH": 0})
    interrupts: Interrupts | None = None
    """Ctrl-C / SIGTERM handling while writing (the CLI passes one; the fleet and tests need not)."""

    # --- interrupts -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def deferring(self, first: str | None = None) -> Iterator[None]:
        """While writing: SIGINT and SIGTERM are noted and acted on at the writer's safe points
        (``first``: what the first one does, as told to the user)."""
        if self.interrupts is None:
            yield
            return
        with self.interrupts.deferred(first):
            yield

    def stopping(self) -> bool:
        """An interrupt asked to stop writing."""
        return self.interrupts is not None and self.interrupts.requested

    def stopping_restore(self) -> bool:
        """A second interrupt asked to stop restoring too."""
        return self.interrupts is not None and self.interrupts.again

    async def _pause(self, seconds: float) -> None:
        if self.interrupts is None:
            await self.sleep(seconds)
        else:
            await self.interrupts.pause(seconds, self.sleep)

    # --- Graph, counted ---------------------------------------------------------------------------

    async def _get(self, path: str) -> dict[str, Any]:
        self.requests["GET"] += 1
        return await self.graph.get(path)

    async def _patch(self, path: str, body: Mapping[str, Any]) -> None:
        self.requests["PATCH"] += 1
        await self.graph.patch(path, body)

    async def read(self, path: str) -> dict[str, Any]:
        """GET one object (counted)."""
        return await self._get(path)

    # --- apply ------------------------------------------------------------------------------------

    async def apply(self, plan: Plan, baseline: Baseline, *, baseline_name: str) -> ApplyOutcome:
        """Apply ``plan`` (made from the tenant's current state) and verify it."""
        if plan.empty:
            return ApplyOutcome(
                "no_changes", True, None, notes=plan.notes, message="the tenant already matches"
            )
        change_id = self.store.create_change(
            self.tenant,
            plan=plan.to_json(),
            kind=ChangeKind.APPLY,
            baseline=baseline_name,
            pilot_group=self.settings.pilot_group,
            actor=self.actor,
        )
        for obj in plan.objects:
            self.store.record_pre_change_object(change_id, obj.path, obj.before)
        written: list[ObjectPlan] = []
        statuses: dict[str, str] = {o.path: "not_written" for o in plan.objects}
        with self.deferring():
            try:
                await self._preflight(plan)
                for obj in plan.objects:
                    self._check_interrupt()
                    current = await self.read(obj.path)
                    self._unchanged_or_raise(obj, current)
                    self._check_interrupt()
                    self.log(f"PATCH {obj.path}")
                    written.append(obj)
                    # Never cut short: its answer says whether it landed.
                    await self._patch(obj.path, obj.body)
                    statuses[obj.path] = "applied"
                self._check_interrupt()
            except (ConcurrentEdit, GraphError, Interrupted) as exc:
                return await self._undo(change_id, plan, written, statuses, exc)
            # Every object is re-read concurrently (each with its own bounded backoff).
            seen_all = await asyncio.gather(
                *(
                    self._await_state(
                        o.path, _desired(o.object_id, baseline, self.settings), stop=self.stopping
                    )
                    for o in plan.objects
                )
            )
            if self.stopping():  # interrupted while verifying: everything was written, undo everything
                return await self._undo(
                    change_id, plan, list(plan.objects), statuses, Interrupted("interrupted")
                )
        verified = True
        for obj, seen in zip(plan.objects, seen_all, strict=True):
            if seen is None:
                verified = False
                continue
            statuses[obj.path] = "verified"
            self.store.record_post_change_object(change_id, obj.path, seen)
        pilot = self.settings.pilot_group is not None
        if verified:
            self.store.mark_change(change_id, ChangeStatus.PILOT_APPLIED if pilot else ChangeStatus.VERIFIED)
            message = (
                f"applied to pilot group {self.settings.pilot_group} and verified; apply again without "
                "--pilot-group to widen to everyone"
                if pilot
                else "applied and verified"
            )
        else:
            self.store.mark_change(
                change_id,
                ChangeStatus.APPLIED,
                error=f"written, but the tenant did not show the desired state within {self.verify.timeout:g} s",
            )
            message = (
                f"written, but Graph did not show the desired state within {self.verify.timeout:g} s "
                f"(eventual consistency?); check with `mfaguard plan`, undo with `mfaguard rollback --to {change_id}`"
            )
        return ApplyOutcome(
            "pilot_applied" if pilot else "applied",
            verified,
            change_id,
            plan.changes,
            message=message,
            notes=plan.notes,
            objects=tuple({"path": p, "status": s} for p, s in statuses.items()),
        )

    def _check_interrupt(self) -> None:
        if self.stopping():
            raise Interrupted("interrupted")

    async def _preflight(self, plan: Plan) -> None:
        """One GET of the whole policy: stop before any write if a planned object changed."""
        policy = await self._get(POLICY_PATH)
        configs = {
            str(c.get("id", "")).lower(): c
            for c in policy.get("authenticationMethodConfigurations") or ()
            if isinstance(c, Mapping)
        }
        for obj in plan.objects:
            current = policy if obj.is_policy else configs.get(obj.object_id.lower())
            if current is None:
                raise ConcurrentEdit(f"{obj.path} disappeared since the plan")
            self._unchanged_or_raise(obj, current)

    def _unchanged_or_raise(self, obj: ObjectPlan, current: Mapping[str, Any]) -> None:
        if comparable(current, is_policy=obj.is_policy) != comparable(obj.before, is_policy=obj.is_policy):
            raise ConcurrentEdit(
                f"{obj.path} changed since the plan (someone else edited the policy); nothing more was written",
                hint="run `mfaguard plan` again to see the current state, then apply",
            )

    async def _undo(
        self,
        change_id: int,
        plan: Plan,
        written: list[ObjectPlan],
        statuses: dict[str, str],
        exc: MfaguardError,
    ) -> ApplyOutcome:
        restored: list[str] = []
        problems: list[str] = []
        left: list[ObjectPlan] = []
        unverified: list[ObjectPlan] = []
        keys_for = {o.path: list(o.body) for o in plan.objects}
        for obj in reversed(written):
            if self.stopping_restore():
                statuses[obj.path] = "not_restored"
                left.append(obj)
                continue
            try:
                if (await self.restore(obj.path, obj.before, keys=keys_for.get(obj.path)))[0]:
                    restored.append(obj.path)
                    statuses[obj.path] = "restored"
                else:
                    statuses[obj.path] = "unchanged"
            except RestoreStopped:
                statuses[obj.path] = "restored_unverified"
                unverified.append(obj)
            except MfaguardError as err:
                statuses[obj.path] = "failed"
                problems.append(f"{obj.path}: {err}")
        if isinstance(exc, Interrupted):
            return self._interrupted(change_id, plan, written, statuses, left, unverified, problems)
        error = str(exc)
        if problems:
            error += "; could NOT restore " + "; ".join(problems)
            message = f"{error} — run `mfaguard rollback --to {change_id}` once Graph answers again"
        elif restored:
            message = (
                f"{error}; restored {', '.join(restored)} to the pre-change state, so nothing is left changed"
            )
        else:
            message = f"{error}; nothing was written"
        self.store.mark_change(change_id, ChangeStatus.FAILED, error=message)
        return ApplyOutcome(
            "failed",
            False,
            change_id,
            plan.changes,
            message=message,
            restored=tuple(restored),
            notes=plan.notes,
            objects=tuple({"path": p, "status": s} for p, s in statuses.items()),
        )

    def _interrupted(
        self,
        change_id: int,
        plan: Plan,
        written: Sequence[ObjectPlan],
        statuses: dict[str, str],
        left: Sequence[ObjectPlan],
        unverified: Sequence[ObjectPlan],
        problems: Sequence[str],
    ) -> ApplyOutcome:
        """The outcome (and the change's record) of an apply stopped by Ctrl-C or SIGTERM."""
        names = [o.object_id for o in plan.objects if o in written]
        put_back = [o.object_id for o in plan.objects if statuses[o.path] == "restored"]
        if not written:
            message, status = "interrupted before anything was written: nothing changed", "failed"
        elif left or problems or unverified:
            parts = []
            if put_back:
                parts.append(f"restored {', '.join(put_back)}")
            if unverified:
                parts.append(f"restored but not verified {', '.join(o.object_id for o in unverified)}")
            not_back = [o.object_id for o in plan.objects if statuses[o.path] in ("not_restored", "failed")]
            parts.append(f"NOT restored {', '.join(not_back)}")
            message = (
                f"interrupted again while restoring: {'; '.join(parts)} — finish with "
                f"`mfaguard rollback --to {change_id}`"
            )
            status = ChangeStatus.PENDING  # audit and plan warn about it; apply offers to finish it
        else:
            message = f"interrupted: restored {', '.join(names)} to their state before change {change_id}"
            status = ChangeStatus.FAILED
        self.store.mark_change(change_id, status, error=message)
        return ApplyOutcome(
            "interrupted",
            False,
            change_id,
            plan.changes,
            message=message,
            restored=tuple(o.path for o in plan.objects if statuses[o.path] == "restored"),
            notes=plan.notes,
            objects=tuple({"path": p, "status": s} for p, s in statuses.items()),
        )

    # --- restore (used by undo and rollback) ------------------------------------------------------

    async def restore(
        self, path: str, pre: Mapping[str, Any], *, keys: Sequence[str] | None
    ) -> tuple[bool, dict[str, Any]]:
        """Put ``path`` back to ``pre``: re-read, PATCH if it differs, verify.

        Returns (whether a PATCH was needed, the object as last read).
        """
        is_policy = object_id_for(path) == POLICY_OBJECT
        body = restore_body(path, pre, keys=keys, configurable=self.settings.configurable)
        current = await self.read(path)
        if shows(current, body, is_policy=is_policy):
            return False, current
        self.log(f"PATCH {path} (restore)")
        await self._patch(path, body)
        seen = await self._await_state(
            path, lambda got: shows(got, body, is_policy=is_policy), stop=self.stopping_restore
        )
        if seen is None and self.stopping_restore():
            raise RestoreStopped(f"{path}: restored, verification skipped (interrupted again)")
        if seen is None:
            raise EnforcementTimeout(
                f"{path}: restored, but Graph did not show the pre-change state within {self.verify.timeout:g} s"
            )
        return True, seen

    async def _await_state(
        self,
        path: str,
        done: Callable[[Mapping[str, Any]], bool],
        *,
        stop: Callable[[], bool] = lambda: False,
    ) -> dict[str, Any] | None:
        """Re-read ``path`` until ``done`` (bounded exponential backoff); None on timeout or ``stop``."""
        deadline = self.clock() + self.verify.timeout
        delay = self.verify.first_delay
        while True:
            body = await self.read(path)
            if done(body):
                return body
            if stop() or self.clock() + delay > deadline:
                return None
            await self._pause(delay)
            delay = min(self.verify.max_delay, delay * 2)


def _desired(
    object_id: str, baseline: Baseline, settings: PlanSettings
) -> Callable[[Mapping[str, Any]], bool]:
    """Check: the object shows the baseline (planning it again gives no changes)."""

    def done(body: Mapping[str, Any]) -> bool:
        return plan_object(object_id, body, baseline, settings) is None

    return done


class EnforcementTimeout(GraphError):
    """A write was accepted but its effect never became visible within the verification budget."""
