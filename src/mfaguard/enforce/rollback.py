"""Rollback: put every object a change touched back to the JSON recorded before it. Same safety as apply.

The pre-change JSON comes from the history store (recorded before the first PATCH of the change, so a
change left ``pending`` by a killed process can be restored too). For each object: re-read it; unless
``force``, refuse when it no longer shows what the change left (someone or something edited it since);
then record a new ``rollback`` change with the current JSON (so a rollback can itself be undone),
PATCH the pre-change values back, re-read until Graph shows them, and mark the original change
``rolled_back``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from mfaguard.enforce.apply import ApplyOutcome, Writer, object_id_for, restore_body
from mfaguard.enforce.body import comparable
from mfaguard.enforce.journal import ChangeKind, ChangeLike, ChangeStatus
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


def _diff(path: str, current: Mapping[str, Any], pre: Mapping[str, Any], keys: Sequence[str]) -> list[Change]:
    is_policy = object_id_for(path) == POLICY_OBJECT
    now = comparable(current, is_policy=is_policy)
    then = comparable(pre, is_policy=is_policy)
    return [
        Change(path, key, now.get(key), then.get(key), None) for key in keys if now.get(key) != then.get(key)
    ]


async def rollback_change(writer: Writer, change: ChangeLike, *, force: bool = False) -> ApplyOutcome:
    """Restore every object of ``change`` to its pre-change JSON; verify; record it as a new change."""
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
        is_policy = object_id_for(obj.path) == POLICY_OBJECT
        if (
            not force
            and obj.post is not None
            and comparable(body, is_policy=is_policy) != comparable(obj.post, is_policy=is_policy)
        ):
            raise EnforcementError(
                f"{obj.path} changed after change {change.id} was applied (someone else, or a later change); "
                "nothing was written",
                hint="look at `mfaguard history changes` and `mfaguard plan`; --force restores it anyway",
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
    restored: list[str] = []
    statuses: dict[str, str] = {o.path: "not_written" for o in objects}
    for obj in reversed(objects):
        assert obj.pre is not None
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
            writer.store.mark_change(rollback_id, ChangeStatus.FAILED, error=message)
            return ApplyOutcome(
                "failed",
                False,
                rollback_id,
                tuple(changes),
                message=message,
                restored=tuple(restored),
                objects=tuple({"path": p, "status": s} for p, s in statuses.items()),
            )
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
