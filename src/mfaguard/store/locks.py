"""Named leases in the store: one ``mfaguard watch`` per store, however many machines try.

A lock has an expiry; its holder renews it with :meth:`LocksMixin.heartbeat`. A holder that dies
stops renewing and the lock can be taken over once it expires, so a crashed watcher never blocks
its successor forever. Works the same on SQLite and PostgreSQL (one conditional UPDATE).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from mfaguard.store._base import StoreBase, from_row, utcnow
from mfaguard.store._dialect import insert_ignore
from mfaguard.store.records import LockRecord
from mfaguard.store.schema import locks


class LocksMixin(StoreBase):
    def acquire_lock(self, name: str, holder: str, *, ttl: timedelta, now: datetime | None = None) -> bool:
        """Take lock ``name`` for ``holder`` until ``now + ttl``; False if someone else holds it.

        Re-acquiring a lock one already holds renews it.
        """
        now = now or utcnow()
        with self._write(f"acquiring lock {name!r}") as conn:
            inserted = conn.execute(
                insert_ignore(conn, locks)
                .values(name=name, holder=holder, acquired_at=now, heartbeat_at=now, expires_at=now + ttl)
                # RETURNING, not rowcount: psycopg reports -1 for INSERT .. ON CONFLICT DO NOTHING.
                .returning(locks.c.name)
            ).first()
            if inserted is not None:
                return True
            taken = conn.execute(
                update(locks)
                .where(locks.c.name == name, (locks.c.expires_at <= now) | (locks.c.holder == holder))
                .values(holder=holder, acquired_at=now, heartbeat_at=now, expires_at=now + ttl)
            )
            return bool(taken.rowcount == 1)

    def heartbeat(self, name: str, holder: str, *, ttl: timedelta, now: datetime | None = None) -> bool:
        """Extend ``holder``'s lease; False if the lock was lost (expired and taken by another)."""
        now = now or utcnow()
        with self._write(f"renewing lock {name!r}") as conn:
            renewed = conn.execute(
                update(locks)
                .where(locks.c.name == name, locks.c.holder == holder)
                .values(heartbeat_at=now, expires_at=now + ttl)
            )
            return bool(renewed.rowcount == 1)

    def release_lock(self, name: str, holder: str) -> bool:
        """Give the lock up (only its holder can); True if it was held by ``holder``."""
        with self._write(f"releasing lock {name!r}") as conn:
            return bool(
                conn.execute(delete(locks).where(locks.c.name == name, locks.c.holder == holder)).rowcount
                == 1
            )

    def get_lock(self, name: str) -> LockRecord | None:
        """Who holds ``name`` (expired leases included: compare ``expires_at`` with the clock)."""
        with self._read(f"reading lock {name!r}") as conn:
            row = conn.execute(select(locks).where(locks.c.name == name)).first()
        return None if row is None else from_row(LockRecord, row._mapping)
