"""What the fleet tells people about: alerts (deduplicated), drift, and the notifications sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from mfaguard.errors import StoreError
from mfaguard.model.report import Severity
from mfaguard.store._base import StoreBase, from_row, utcnow
from mfaguard.store._dialect import insert_ignore
from mfaguard.store.records import (
    AlertRecord,
    DriftItem,
    DriftRecord,
    NotificationRecord,
    NotificationStatus,
)
from mfaguard.store.schema import alerts, drift, notifications, tenants

STALE_CLAIM = timedelta(minutes=10)
"""A notification claimed but never finished (the sender died) may be claimed again after this."""


def alert_dedupe_key(tenant: str, alert: Mapping[str, Any]) -> str:
    """The identity of an alert across runs: tenant, detection, user and when the attack began.

    A detector may supply its own ``dedupe_key``; otherwise overlapping detection windows that see
    the same attack produce the same key, so it is stored and notified once.
    """
    if alert.get("dedupe_key"):
        return f"{tenant}|{alert['dedupe_key']}"
    first = _timestamp(alert.get("first_seen"), "first_seen")
    return f"{tenant}|{alert['detection_id']}|{str(alert['user']).lower()}|{first.isoformat()}"


class EventsMixin(StoreBase):
    # ---- alerts -----------------------------------------------------------------------------------
    def save_alerts(
        self,
        tenant: str,
        items: Iterable[Mapping[str, Any]],
        *,
        run_id: int | None = None,
        at: datetime | None = None,
    ) -> list[AlertRecord]:
        """Store detection alerts (DESIGN §6 JSON); returns only the *new* ones (to notify).

        An alert seen before (same :func:`alert_dedupe_key`) is updated in place: later
        ``last_seen``, the higher severity, the newest JSON.
        """
        at = at or utcnow()
        new_ids: list[int] = []
        with self._write(f"saving alerts of {tenant!r}") as conn:
            key = self._require_tenant(conn, tenant)
            for alert in items:
                for required in ("detection_id", "user", "severity", "first_seen"):
                    if alert.get(required) in (None, ""):
                        raise StoreError(f"alert without {required!r} cannot be stored: {dict(alert)!r:.200}")
                dedupe = alert_dedupe_key(tenant, alert)
                first = _timestamp(alert["first_seen"], "first_seen")
                last = _timestamp(alert.get("last_seen") or alert["first_seen"], "last_seen")
                data = self._json(dict(alert))
                existing = conn.execute(
                    select(alerts.c.id, alerts.c.last_seen, alerts.c.severity).where(
                        alerts.c.dedupe_key == dedupe
                    )
                ).first()
                if existing is None:
                    new_ids.append(
                        conn.execute(
                            insert(alerts)
                            .values(
                                tenant_pk=key,
                                run_id=run_id,
                                dedupe_key=dedupe,
                                detection_id=str(alert["detection_id"]),
                                user=str(alert["user"]).lower(),
                                severity=str(alert["severity"]),
                                first_seen=first,
                                last_seen=last,
                                data=data,
                                created_at=at,
                                updated_at=at,
                            )
                            .returning(alerts.c.id)
                        ).scalar_one()
                    )
                    continue
                severity = max((existing.severity, str(alert["severity"])), key=Severity.rank_of)
                conn.execute(
                    update(alerts)
                    .where(alerts.c.id == existing.id)
                    .values(
                        last_seen=max(existing.last_seen, last),
                        severity=severity,
                        data=data,
                        updated_at=at,
                    )
                )
        return self._alerts(alerts.c.id.in_(new_ids), limit=None) if new_ids else []

    def list_alerts(
        self,
        *,
        tenant: str | None = None,
        since: datetime | None = None,
        limit: int | None = 100,
    ) -> list[AlertRecord]:
        """Alerts, most recent activity first."""
        conditions: list[Any] = []
        if tenant is not None:
            conditions.append(tenants.c.name == tenant)
        if since is not None:
            conditions.append(alerts.c.last_seen >= since)
        return self._alerts(*conditions, limit=limit)

    def get_alert(self, alert_id: int) -> AlertRecord | None:
        found = self._alerts(alerts.c.id == alert_id, limit=1)
        return found[0] if found else None

    def _alerts(self, *conditions: Any, limit: int | None) -> list[AlertRecord]:
        query = (
            select(alerts, tenants.c.name.label("tenant"))
            .join(tenants, tenants.c.id == alerts.c.tenant_pk)
            .where(*conditions)
            .order_by(alerts.c.last_seen.desc(), alerts.c.id.desc())
        )
        return self._fetch(query, "reading alerts", lambda m: from_row(AlertRecord, m), limit=limit)

    # ---- drift ------------------------------------------------------------------------------------
    def save_drift(
        self,
        tenant: str,
        items: Iterable[DriftItem],
        *,
        run_id: int,
        previous_run_id: int | None,
        detected_at: datetime | None = None,
    ) -> list[DriftRecord]:
        """Persist drift found between ``previous_run_id`` and ``run_id``; returns the stored records."""
        at = detected_at or utcnow()
        ids: list[int] = []
        with self._write(f"saving drift of {tenant!r}") as conn:
            key = self._require_tenant(conn, tenant)
            for item in items:
                ids.append(
                    conn.execute(
                        insert(drift)
                        .values(
                            tenant_pk=key,
                            control_id=item.control_id,
                            field=item.field,
                            before=self._json(item.before),
                            after=self._json(item.after),
                            run_id=run_id,
                            previous_run_id=previous_run_id,
                            detected_at=at,
                        )
                        .returning(drift.c.id)
                    ).scalar_one()
                )
        return self._drift(drift.c.id.in_(ids), limit=None) if ids else []

    def list_drift(
        self,
        *,
        tenant: str | None = None,
        since: datetime | None = None,
        unnotified: bool = False,
        run_id: int | None = None,
        limit: int | None = 100,
    ) -> list[DriftRecord]:
        """Drift, newest first (``unnotified=True``: only drift nobody has been told about yet;
        ``run_id``: only the drift that run found)."""
        conditions: list[Any] = []
        if tenant is not None:
            conditions.append(tenants.c.name == tenant)
        if run_id is not None:
            conditions.append(drift.c.run_id == run_id)
        if since is not None:
            conditions.append(drift.c.detected_at >= since)
        if unnotified:
            conditions.append(drift.c.notified_at.is_(None))
        return self._drift(*conditions, limit=limit)

    def mark_drift_notified(self, drift_ids: Iterable[int], *, at: datetime | None = None) -> None:
        ids = list(drift_ids)
        if ids:
            with self._write("marking drift notified") as conn:
                conn.execute(update(drift).where(drift.c.id.in_(ids)).values(notified_at=at or utcnow()))

    def link_drift_change(self, drift_ids: Iterable[int], change_id: int) -> None:
        """Record that ``change_id`` (a remediation) was made for this drift."""
        ids = list(drift_ids)
        if ids:
            with self._write("linking drift to its remediation") as conn:
                conn.execute(update(drift).where(drift.c.id.in_(ids)).values(change_id=change_id))

    def _drift(self, *conditions: Any, limit: int | None) -> list[DriftRecord]:
        query = (
            select(drift, tenants.c.name.label("tenant"))
            .join(tenants, tenants.c.id == drift.c.tenant_pk)
            .where(*conditions)
            .order_by(drift.c.detected_at.desc(), drift.c.id.desc())
        )
        return self._fetch(query, "reading drift", lambda m: from_row(DriftRecord, m), limit=limit)

    # ---- notifications ----------------------------------------------------------------------------
    def claim_notification(self, dedupe_key: str, target: str, *, at: datetime | None = None) -> bool:
        """True when the caller should send ``dedupe_key`` to ``target`` now (and then call
        :meth:`finish_notification`); False when it was sent already or another sender holds it.

        ``target`` is the target's *name* (never its URL). A failed notification is claimable again
        on a later run; a claim left unfinished for :data:`STALE_CLAIM` is considered abandoned.
        """
        at = at or utcnow()
        with self._write("claiming a notification") as conn:
            inserted = conn.execute(
                insert_ignore(conn, notifications)
                .values(
                    dedupe_key=dedupe_key,
                    target=target,
                    status=NotificationStatus.PENDING.value,
                    attempts=0,
                    created_at=at,
                    updated_at=at,
                )
                # RETURNING, not rowcount: psycopg reports -1 for INSERT .. ON CONFLICT DO NOTHING.
                .returning(notifications.c.id)
            ).first()
            if inserted is not None:
                return True
            reclaimed = conn.execute(
                update(notifications)
                .where(
                    notifications.c.dedupe_key == dedupe_key,
                    notifications.c.target == target,
                    (notifications.c.status == NotificationStatus.FAILED.value)
                    | (
                        (notifications.c.status == NotificationStatus.PENDING.value)
                        & (notifications.c.updated_at < at - STALE_CLAIM)
                    ),
                )
                .values(status=NotificationStatus.PENDING.value, updated_at=at)
            )
            return bool(reclaimed.rowcount == 1)

    def finish_notification(
        self,
        dedupe_key: str,
        target: str,
        *,
        sent: bool,
        attempts: int,
        error: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Record the outcome of a claimed notification (``error`` is redacted before it is kept)."""
        at = at or utcnow()
        with self._write("recording a notification") as conn:
            _require_notification(conn, dedupe_key, target)
            conn.execute(
                update(notifications)
                .where(notifications.c.dedupe_key == dedupe_key, notifications.c.target == target)
                .values(
                    status=(NotificationStatus.SENT if sent else NotificationStatus.FAILED).value,
                    attempts=notifications.c.attempts + attempts,
                    sent_at=at if sent else None,
                    last_error=None if sent else self._text(error),
                    updated_at=at,
                )
            )

    def get_notification(self, dedupe_key: str, target: str) -> NotificationRecord | None:
        found = self._notifications(
            notifications.c.dedupe_key == dedupe_key, notifications.c.target == target, limit=1
        )
        return found[0] if found else None

    def list_notifications(self, *, limit: int | None = 100) -> list[NotificationRecord]:
        """Notifications, most recently updated first."""
        return self._notifications(limit=limit)

    def _notifications(self, *conditions: Any, limit: int | None) -> list[NotificationRecord]:
        query = (
            select(notifications)
            .where(*conditions)
            .order_by(notifications.c.updated_at.desc(), notifications.c.id.desc())
        )
        return self._fetch(
            query,
            "reading notifications",
            lambda m: from_row(NotificationRecord, m, status=NotificationStatus(m["status"])),
            limit=limit,
        )


def _require_notification(conn: Connection, dedupe_key: str, target: str) -> None:
    found = conn.execute(
        select(notifications.c.id).where(
            notifications.c.dedupe_key == dedupe_key, notifications.c.target == target
        )
    ).first()
    if found is None:
        raise StoreError(
            f"notification {dedupe_key!r} to {target!r} was never claimed", hint="claim_notification first"
        )


def _timestamp(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise StoreError(f"alert {name} {value!r} is not an ISO 8601 timestamp") from exc
    else:
        raise StoreError(f"alert {name} is missing or not a timestamp: {value!r}")
    if parsed.tzinfo is None:
        # Graph and the detectors speak UTC; a naive value is UTC without the marker.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
