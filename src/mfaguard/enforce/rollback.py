"""Rollback: put every object a change touched back to the JSON recorded before it. Same safety as apply.

The pre-change JSON comes from the history store (recorded before the first PATCH of the change, so a
change left ``pending`` by a killed or interrupted process can be restored too). For each object: re-read
it; unless ``overwrite_concurrent``, refuse when someone or something edited it since the change — an
object the change verified must still show what it left; an object it never verified (a ``pending``
change) must show either its pre-change state (never written, or already restored) or exactly what the
change wrote. Then record a new ``rollback`` change with the current JSON (so a rollback can itself be
undone), PATCH the pre-change values back, re-read until Graph shows them, and mark the original change
``rolled_back``. Ctrl-C or SIGTERM stops at the next object (the request in flight finishes); the
message names what is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

from mfaguard.enforce.apply import ApplyOutcome, Writer, object_id_for, restore_body, shows
from mfaguard.enforce.body import comparable
from mfaguard.enforce.journal import ChangeKind, ChangeLike, ChangeObjectLike, ChangeStatus
from mfaguard.enforce.plan import POLICY_OBJECT, Change, PlanSettings
from mfaguard.errors import EnforcementError, MfaguardError
from mfaguard.model.settings import NumberMatchingMode


def written_keys(change: ChangeLike, path: str) -> list[str] | None:
    """Top-level properties the change sent to ``path`` (from its recorded plan), if known."""
    plan = change.plan or {}
    for obj in plan.get("objects") or ():
        if isinstance(obj, Mapping) and obj.get("path") == path and isinstance(obj.get("body"), Mapping):
            return [k for k in obj["body"] if k != "@odata.type"]
    return None


def written_body(change: ChangeLike, path: str) -> Mapping[str, Any] | None:
    """The PATCH body the change sent (or meant to send) to ``path``, from its recorded plan."""
    plan = change.plan or {}
    for obj in plan.get("objects") or ():
        if isinstance(obj, Mapping) and obj.get("path") == path and isinstance(obj.get("body"), Mapping):
            return {k: v for k, v in obj["body"].items() if k != "@odata.type"}
    return None


def edited_since(
    change: ChangeLike, obj: ChangeObjectLike, current: Mapping[str, Any], *, configurable: bool
) -> bool:
    """True when someone else edited ``obj`` after ``change`` touched it (the rollback rule).

    A verified object must still show what the change left (its recorded post-change JSON). An
    object the change never verified — it was interrupted, killed or not yet consistent — must show
    its pre-change state (not written, or already put back) or exactly what the change wrote.
    """
    is_policy = object_id_for(obj.path) == POLICY_OBJECT
    if obj.post is not None:
        return comparable(current, is_policy=is_policy) != comparable(obj.post, is_policy=is_policy)
    assert obj.pre is not None
    before = restore_body(obj.path, obj.pre, keys=written_keys(change, obj.path), configurable=configurable)
    if shows(current, before, is_policy=is_policy):
        return False
    wrote = written_body(change, obj.path)
    return wrote is None or not shows(current, wrote, is_policy=is_policy)


def _diff(path: str, current: Mapping[str, Any], pre: Mapping[str, Any], keys: Sequence[str]) -> list[Change]:
    is_policy = object_id_for(path) == POLICY_OBJECT
    now = comparable(current, is_policy=is_policy)
    then = comparable(pre, is_policy=is_policy)
    return [
        Change(path, key, now.get(key), then.get(key), None) for key in keys if now.get(key) != then.get(key)
    ]


async def rollback_change(
    writer: Writer, change: ChangeLike, *, overwrite_concurrent: bool = False
) -> ApplyOutcome:
    """Restore every object of ``change`` to its pre-change JSON; verify; record it as a new change.

    ``overwrite_concurrent`` restores even objects someone else edited since (their edits are lost).
    """
    status = str(change.status)
    if not ChangeStatus(status).restorable:
        raise EnforcementError(
            f"change {change.id} is {status}; there is nothing to roll back",
            hint="`mfaguard history changes` lists changes; roll back a later one or use --to",
        )
    objects = [o for o in change.objects if o.pre is not None]
    if not objects:
        raise EnforcementError(
            f"change {change.id} has no recorded pre-change JSON (it stopped before recording any)",
            hint="nothing was written by it; `mfaguard plan` shows the tenant as it is",
        )
    recorded_mode = (change.plan or {}).get("number_matching")
    if recorded_mode in tuple(NumberMatchingMode):
        # Restore the way the change was written: number matching is writable only where it was.
        writer = replace(writer, settings=PlanSettings(number_matching=NumberMatchingMode(recorded_mode)))
    current: dict[str, dict[str, Any]] = {}
    changes: list[Change] = []
    for obj in objects:
        assert obj.pre is not None
        body = await writer.read(obj.path)
        current[obj.path] = body
        if not overwrite_concurrent and edited_since(
            change, obj, body, configurable=writer.settings.configurable
        ):
            raise EnforcementError(
                f"{obj.path} was edited after change {change.id} (someone else, or a later change); "
                "nothing was written",
                hint="look at `mfaguard history changes` and `mfaguard plan`; --overwrite-concurrent "
                "restores it anyway, losing that edit",
            )
        keys = written_keys(change, obj.path)
        restore = restore_body(obj.path, obj.pre, keys=keys, configurable=writer.settings.configurable)
        changes.extend(_diff(obj.path, body, obj.pre, [k for k in restore if k != "@odata.type"]))
    rollback_id = writer.store.create_change(
        writer.tenant,
        plan={
            "reverts": change.id,
            "number_matching": writer.settings.number_matching,
            "objects": [
                {
                    "path": o.path,
                    "body": restore_body(
                        o.path,
                        o.pre or {},
                        keys=written_keys(change, o.path),
                        configurable=writer.settings.configurable,
                    ),
                }
                for o in objects
            ],
        },
        kind=ChangeKind.ROLLBACK,
        actor=writer.actor,
        reverts_id=change.id,
    )
    for obj in objects:
        writer.store.record_pre_change_object(rollback_id, obj.path, current[obj.path])
    with writer.deferring(
        "stopping the rollback after the request in flight; the message will say what is left"
    ):
        return await _restore_all(writer, change, objects, rollback_id, changes)


async def _restore_all(
    writer: Writer,
    change: ChangeLike,
    objects: Sequence[ChangeObjectLike],
    rollback_id: int,
    changes: Sequence[Change],
) -> ApplyOutcome:
    """The rollback's writes, object by object (newest first), stopping at an interrupt."""
    restored: list[str] = []
    statuses: dict[str, str] = {o.path: "not_written" for o in objects}

    def stopped(result: Literal["failed", "interrupted"], message: str) -> ApplyOutcome:
        writer.store.mark_change(rollback_id, ChangeStatus.FAILED, error=message)
        return ApplyOutcome(
            result,
            False,
            rollback_id,
            tuple(changes),
            message=message,
            restored=tuple(restored),
            objects=tuple({"path": p, "status": s} for p, s in statuses.items()),
        )

    for obj in reversed(objects):
        assert obj.pre is not None
        if writer.stopping():
            left = [o.path.rsplit("/", 1)[-1] for o in objects if statuses[o.path] == "not_written"]
            done = f"restored {', '.join(p.rsplit('/', 1)[-1] for p in restored)}; " if restored else ""
            message = (
                f"interrupted: rollback of change {change.id} stopped; {done}NOT restored {', '.join(left)} — "
                f"finish with `mfaguard rollback --to {change.id}`"
            )
            return stopped("interrupted", message)
        try:
            changed, seen = await writer.restore(obj.path, obj.pre, keys=written_keys(change, obj.path))
            if changed:
                restored.append(obj.path)
                statuses[obj.path] = "restored"
            else:
                statuses[obj.path] = "unchanged"
        except MfaguardError as exc:
            statuses[obj.path] = "failed"
            message = (
                f"rollback of change {change.id} stopped at {obj.path}: {exc}"
                + (f"; already restored: {', '.join(restored)}" if restored else "; nothing was written")
                + f". Run `mfaguard rollback --to {change.id}` again once Graph answers"
            )
            return stopped("failed", message)
        writer.store.record_post_change_object(rollback_id, obj.path, seen)
    writer.store.mark_change(rollback_id, ChangeStatus.VERIFIED)
    writer.store.mark_change(change.id, ChangeStatus.ROLLED_BACK)
    return ApplyOutcome(
        "rolled_back",
        True,
        rollback_id,
        tuple(changes),
        message=f"change {change.id} rolled back and verified (recorded as change {rollback_id})",
        restored=tuple(restored),
        objects=tuple({"path": p, "status": s} for p, s in statuses.items()),
    )
