"""Changes made to tenants (apply, rollback, remediation) and the objects they touched.

The pre-change JSON of every object is written *before* its PATCH is sent and the change stays
``pending`` until the writer marks it, so a process killed mid-apply leaves enough behind for the
next ``apply`` or ``rollback`` to restore the tenant (see :meth:`ChangesMixin.pending_changes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from mfaguard.enforce.journal import ChangeKind, ChangeStatus
from mfaguard.errors import StoreError
from mfaguard.store._base import StoreBase, from_row, utcnow
from mfaguard.store.records import ChangeObjectRecord, ChangeRecord
from mfaguard.store.schema import change_objects, changes, tenants


class ChangesMixin(StoreBase):
    def create_change(
        self,
        tenant: str,
        *,
        plan: Mapping[str, Any] | None,
        kind: ChangeKind | str = ChangeKind.APPLY,
        baseline: str | None = None,
        pilot_group: str | None = None,
        actor: str | None = None,
        reverts_id: int | None = None,
        run_id: int | None = None,
        created_at: datetime | None = None,
    ) -> int:
        """Open a ``pending`` change; returns its id (what ``rollback --to`` takes)."""
        at = created_at or utcnow()
        with self._write(f"recording a change to {tenant!r}") as conn:
            key = self._require_tenant(conn, tenant)
            return int(
                conn.execute(
                    insert(changes)
                    .values(
                        tenant_pk=key,
                        kind=ChangeKind(kind).value,
                        baseline=baseline,
                        pilot_group=pilot_group,
                        actor=actor,
                        created_at=at,
                        updated_at=at,
                        status=ChangeStatus.PENDING.value,
                        plan=self._json(dict(plan)) if plan is not None else None,
                        reverts_id=reverts_id,
                        run_id=run_id,
                    )
                    .returning(changes.c.id)
                ).scalar_one()
            )

    def record_pre_change_object(
        self, change_id: int, path: str, pre: Mapping[str, Any] | None, *, at: datetime | None = None
    ) -> None:
        """Keep ``path``'s JSON as read just before its PATCH (call this *before* sending it).

        Recording the same path again keeps the first copy: that is the state to roll back to.
        """
        with self._write(f"recording the pre-change state of {path}") as conn:
            _require_change(conn, change_id)
            exists = conn.execute(
                select(change_objects.c.id).where(
                    change_objects.c.change_id == change_id, change_objects.c.path == path
                )
            ).first()
            if exists is not None:
                return
            seq = conn.execute(
                select(func.count())
                .select_from(change_objects)
                .where(change_objects.c.change_id == change_id)
            ).scalar_one()
            conn.execute(
                insert(change_objects).values(
                    change_id=change_id,
                    seq=int(seq),
                    path=path,
                    pre=self._json(dict(pre)) if pre is not None else None,
                    pre_recorded_at=at or utcnow(),
                )
            )
            _touch(conn, change_id, at)

    def record_post_change_object(
        self, change_id: int, path: str, post: Mapping[str, Any] | None, *, at: datetime | None = None
    ) -> None:
        """Keep ``path``'s JSON as read back after the write (what verification saw)."""
        with self._write(f"recording the post-change state of {path}") as conn:
            result = conn.execute(
                update(change_objects)
                .where(change_objects.c.change_id == change_id, change_objects.c.path == path)
                .values(
                    post=self._json(dict(post)) if post is not None else None, post_recorded_at=at or utcnow()
                )
            )
            if result.rowcount != 1:
                raise StoreError(
                    f"change {change_id} has no pre-change record for {path}",
                    hint="record_pre_change_object must come before the PATCH",
                )
            _touch(conn, change_id, at)

    def mark_change(
        self,
        change_id: int,
        status: ChangeStatus | str,
        *,
        error: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Move a change to ``status`` (with the reason when it failed)."""
        with self._write(f"updating change {change_id}") as conn:
            _require_change(conn, change_id)
            conn.execute(
                update(changes)
                .where(changes.c.id == change_id)
                .values(status=ChangeStatus(status).value, error=self._text(error), updated_at=at or utcnow())
            )

    def get_change(self, change_id: int) -> ChangeRecord | None:
        """A change with every object it touched (in the order they were recorded)."""
        found = self._changes(changes.c.id == change_id, with_objects=True, limit=1)
        return found[0] if found else None

    def list_changes(
        self,
        *,
        tenant: str | None = None,
        status: Iterable[ChangeStatus | str] | None = None,
        limit: int | None = 100,
        with_objects: bool = False,
    ) -> list[ChangeRecord]:
        """Changes, newest first."""
        conditions: list[Any] = []
        if tenant is not None:
            conditions.append(tenants.c.name == tenant)
        if status is not None:
            conditions.append(changes.c.status.in_([ChangeStatus(s).value for s in status]))
        return self._changes(*conditions, with_objects=with_objects, limit=limit)

    def pending_changes(self, tenant: str | None = None) -> list[ChangeRecord]:
        """Changes left ``pending`` (a crash mid-apply), with their pre-change objects, newest first."""
        return self.list_changes(tenant=tenant, status=[ChangeStatus.PENDING], limit=None, with_objects=True)

    def latest_change(
        self, tenant: str, *, status: Iterable[ChangeStatus | str] | None = None
    ) -> ChangeRecord | None:
        """``tenant``'s newest change (optionally only in one of ``status``), with its objects."""
        found = self.list_changes(tenant=tenant, status=status, limit=1, with_objects=True)
        return found[0] if found else None

    def _changes(self, *conditions: Any, with_objects: bool, limit: int | None) -> list[ChangeRecord]:
        query = (
            select(changes, tenants.c.name.label("tenant"))
            .join(tenants, tenants.c.id == changes.c.tenant_pk)
            .where(*conditions)
            .order_by(changes.c.created_at.desc(), changes.c.id.desc())
        )
        if limit is not None:
            query = query.limit(limit)
        with self._read("reading changes") as conn:
            rows = [row._mapping for row in conn.execute(query)]
            objects: dict[int, list[ChangeObjectRecord]] = {}
            if with_objects and rows:
                ids = [m["id"] for m in rows]
                for row in conn.execute(
                    select(change_objects)
                    .where(change_objects.c.change_id.in_(ids))
                    .order_by(change_objects.c.change_id, change_objects.c.seq)
                ):
                    o = row._mapping
                    objects.setdefault(o["change_id"], []).append(from_row(ChangeObjectRecord, o))
        return [
            from_row(
                ChangeRecord,
                m,
                kind=ChangeKind(m["kind"]),
                status=ChangeStatus(m["status"]),
                objects=tuple(objects.get(m["id"], ())),
            )
            for m in rows
        ]


def _require_change(conn: Connection, change_id: int) -> None:
    if conn.execute(select(changes.c.id).where(changes.c.id == change_id)).first() is None:
        raise StoreError(
            f"change {change_id} does not exist in the history store",
            hint="`mfaguard history changes` lists the recorded changes",
        )


def _touch(conn: Connection, change_id: int, at: datetime | None) -> None:
    conn.execute(update(changes).where(changes.c.id == change_id).values(updated_at=at or utcnow()))
