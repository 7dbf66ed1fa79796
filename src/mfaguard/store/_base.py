"""Connection handling, error translation and tenant keys shared by every part of :class:`Store`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from mfaguard.config.redact import Redactor
from mfaguard.errors import StoreError
from mfaguard.store._dialect import insert_ignore
from mfaguard.store.engine import WRITE_OPTION
from mfaguard.store.records import TenantRecord
from mfaguard.store.schema import tenants
from mfaguard.store.url import redact_url

R = TypeVar("R")


def utcnow() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    """The engine, transactions and tenant name → key mapping."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = redact_url(url)
        """The store's URL with any password masked (safe to print)."""
        self.redactor = Redactor()
        self._tenant_keys: dict[str, int] = {}

    # ---- lifecycle --------------------------------------------------------------------------------
    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return str(self.engine.dialect.name)

    def close(self) -> None:
        """Release connections (the store cannot be used afterwards)."""
        self.engine.dispose()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_secrets(self, values: Iterable[str]) -> None:
        """Register secret values that must never be written (masked in every text and JSON saved).

        The fleet runner registers each tenant's client secret and token here: defence in depth for
        error messages that quote more than they should.
        """
        self.redactor.add(values)

    # ---- transactions -----------------------------------------------------------------------------
    @contextmanager
    def _read(self, what: str) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise self._error(what, exc) from exc

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        try:
            with self.engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
                yield conn
        except BaseException:
            # A tenant created in the rolled-back transaction does not exist: forget cached keys.
            self._tenant_keys.clear()
            raise

    @contextmanager
    def _write(self, what: str) -> Iterator[Connection]:
        try:
            with self._transaction() as conn:
                yield conn
        except IntegrityError as exc:
            raise self._error(what, exc, hint="a referenced run, change or tenant does not exist") from exc
        except SQLAlchemyError as exc:
            raise self._error(what, exc) from exc

    def _error(self, what: str, exc: SQLAlchemyError, *, hint: str | None = None) -> StoreError:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return StoreError(
            f"history store {self.url}: {what} failed: {self.redactor.text(reason)}",
            hint=hint
            or "check that the store is reachable and writable (`mfaguard store upgrade` migrates it)",
        )

    def _fetch(
        self, query: Any, what: str, build: Callable[[Any], R], *, limit: int | None = None
    ) -> list[R]:
        """Run a SELECT (optionally limited) and build one record per row mapping."""
        if limit is not None:
            query = query.limit(limit)
        with self._read(what) as conn:
            return [build(row._mapping) for row in conn.execute(query)]

    def _text(self, value: str | None) -> str | None:
        return None if value is None else self.redactor.text(value)

    def _json(self, value: Any) -> Any:
        return self.redactor.json(to_jsonable(value))

    # ---- tenants ----------------------------------------------------------------------------------
    def _tenant_pk(self, conn: Connection, name: str, *, create: bool = True) -> int | None:
        key = self._tenant_keys.get(name)
        if key is not None:
            return key
        key = conn.execute(select(tenants.c.id).where(tenants.c.name == name)).scalar()
        if key is not None:
            # Visible to this transaction, so committed (READ COMMITTED / SQLite): safe to share.
            self._tenant_keys[name] = int(key)
            return int(key)
        if not create:
            return None
        # ON CONFLICT DO NOTHING: another writer may create the same tenant at the same moment.
        conn.execute(insert_ignore(conn, tenants).values(name=name, created_at=utcnow(), tags=[]))
        # Not cached: the row may still be uncommitted (or be rolled back), and another thread using a
        # cached key would then reference a tenant its own transaction cannot see (FK violation on
        # PostgreSQL). The next call finds it by the SELECT above once it is committed.
        return int(conn.execute(select(tenants.c.id).where(tenants.c.name == name)).scalar_one())

    def _require_tenant(self, conn: Connection, name: str) -> int:
        key = self._tenant_pk(conn, name)
        assert key is not None  # create=True always yields a key
        return key

    def upsert_tenant(
        self,
        name: str,
        *,
        tenant_id: str | None = None,
        tags: Sequence[str] | None = None,
        at: datetime | None = None,
    ) -> TenantRecord:
        """Create or update a tenant's identity (name, Entra tenant ID, tags). Never its credential."""
        at = at or utcnow()
        with self._write(f"saving tenant {name!r}") as conn:
            key = self._require_tenant(conn, name)
            values: dict[str, Any] = {"updated_at": at}
            if tenant_id is not None:
                values["tenant_id"] = tenant_id
            if tags is not None:
                values["tags"] = sorted(set(tags))
            conn.execute(update(tenants).where(tenants.c.id == key).values(**values))
        found = self.get_tenant(name)
        assert found is not None
        return found

    def get_tenant(self, name: str) -> TenantRecord | None:
        """A tenant by name (None if the store has never seen it)."""
        with self._read("reading a tenant") as conn:
            row = conn.execute(select(tenants).where(tenants.c.name == name)).first()
        return None if row is None else _tenant_record(row._mapping)

    def list_tenants(self, *, tag: str | None = None) -> list[TenantRecord]:
        """Every tenant the store knows, by name; optionally only those with ``tag``."""
        with self._read("listing tenants") as conn:
            rows = conn.execute(select(tenants).order_by(tenants.c.name)).all()
        records = [_tenant_record(row._mapping) for row in rows]
        return [r for r in records if tag is None or tag in r.tags]


def from_row(cls: type[R], row: Any, **overrides: Any) -> R:
    """Build the record dataclass ``cls`` from a row mapping whose keys are its field names."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    values = {name: row[name] for name in names if name not in overrides and name in row}
    return cls(**values, **overrides)


_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}


def to_jsonable(value: Any) -> Any:
    """A JSON-safe copy: datetimes and dates as ISO 8601, enums as their value, tuples/sets as lists."""
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    return value


def _tenant_record(row: Any) -> TenantRecord:
    return from_row(TenantRecord, row, tags=tuple(row["tags"] or ()))
