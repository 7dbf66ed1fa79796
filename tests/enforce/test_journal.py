"""The change journal's vocabulary: one answer to "can this change be restored"."""

from __future__ import annotations

from mfaguard.enforce.journal import ChangeStatus
from mfaguard.store import ChangeStatus as StoredStatus


def test_every_status_but_rolled_back_is_restorable() -> None:
    restorable = {s.value for s in ChangeStatus if s.restorable}
    assert restorable == {"pending", "applied", "verified", "pilot_applied", "failed"}


def test_the_store_records_the_same_statuses() -> None:
    assert StoredStatus is ChangeStatus
