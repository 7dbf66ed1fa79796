"""The history store's typed API, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mfaguard.errors import StoreError
from mfaguard.model.report import ExceptionGrant, Finding, Severity, Status
from mfaguard.store import (
    ChangeKind,
    ChangeStatus,
    DriftItem,
    NotificationStatus,
    RunKind,
    RunStatus,
    Store,
    open_store,
)

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def _finding(control: str, status: Status, **kw: object) -> Finding:
    return Finding(
        control_id=control,
        title=f"title of {control}",
        status=status,
        severity=Severity.HIGH,
        detail=f"{control} is {status.value}",
        **kw,  # type: ignore[arg-type]
    )


def _audit(store: Store, tenant: str, at: datetime, statuses: dict[str, Status], *, ok: bool = True) -> int:
    run = store.record_run(tenant, RunKind.AUDIT, started_at=at, trigger="test")
    if ok:
        store.save_findings(run, [_finding(c, s) for c, s in statuses.items()])
        store.finish_run(run, status=RunStatus.OK, finished_at=at + timedelta(seconds=3), summary={"FAIL": 1})
    else:
        store.finish_run(
            run, status=RunStatus.ERROR, finished_at=at, error="HTTP 403 Authorization_RequestDenied"
        )
    return run


def test_open_reports_backend_and_head_revision(store: Store) -> None:
    info = store.info()
    assert info.revision == info.head == "0003"
    assert info.backend in {"sqlite", "postgresql"}
    assert set(info.counts) >= {"tenants", "runs", "findings", "changes", "alerts", "locks", "drift"}
    assert all(count == 0 for count in info.counts.values())


def test_run_lifecycle_and_timestamps_are_utc(store: Store) -> None:
    run = store.record_run("contoso", "audit", started_at=T0, trigger="cli")
    running = store.get_run(run)
    assert running is not None and running.status is RunStatus.RUNNING and running.finished_at is None
    store.finish_run(run, status="ok", finished_at=T0 + timedelta(seconds=5), summary={"PASS": 3, "FAIL": 1})
    done = store.get_run(run)
    assert done is not None
    assert done.status is RunStatus.OK
    assert done.started_at == T0 and done.started_at.tzinfo is not None
    assert done.finished_at == T0 + timedelta(seconds=5)
    assert done.summary == {"PASS": 3, "FAIL": 1}
    assert done.tenant == "contoso" and done.kind is RunKind.AUDIT and done.trigger == "cli"


def test_non_utc_input_is_normalised_and_naive_refused(store: Store) -> None:
    plus2 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC).astimezone()  # local zone, same instant
    run = store.record_run("contoso", "audit", started_at=plus2)
    got = store.get_run(run)
    assert got is not None and got.started_at == plus2 and got.started_at.utcoffset() == timedelta(0)
    with pytest.raises(StoreError, match="naive"):
        store.record_run("contoso", "audit", started_at=datetime(2026, 11, 1, 10, 0))


def test_previous_run_and_latest_runs(store: Store) -> None:
    r1 = _audit(store, "a", T0, {"MFA-001": Status.PASS})
    r2 = _audit(store, "a", T0 + timedelta(hours=12), {"MFA-001": Status.FAIL})
    r3 = _audit(store, "a", T0 + timedelta(hours=24), {}, ok=False)
    b1 = _audit(store, "b", T0, {"MFA-001": Status.PASS})
    prev = store.previous_run("a", before_run_id=r2)
    assert prev is not None and prev.id == r1
    assert store.previous_run("a", before_run_id=r1) is None
    latest_ok = store.previous_run("a")
    assert latest_ok is not None and latest_ok.id == r2  # the failed run r3 is skipped
    latest_any = store.previous_run("a", status=None)
    assert latest_any is not None and latest_any.id == r3 and latest_any.error and "403" in latest_any.error
    assert {name: run.id for name, run in store.latest_runs().items()} == {"a": r2, "b": b1}
    assert {name: run.id for name, run in store.latest_runs(status=None).items()} == {"a": r3, "b": b1}
    assert store.latest_runs("detect") == {}
    assert [r.id for r in store.list_runs(tenant="a")] == [r3, r2, r1]
    assert [r.id for r in store.list_runs(status="error")] == [r3]


def test_findings_round_trip_and_latest(store: Store) -> None:
    grant = ExceptionGrant("MFA-006", reason="pilot", owner="secops", expires=date(2027, 3, 31))
    run = store.record_run("contoso", "audit", started_at=T0)
    store.save_findings(
        run,
        [
            _finding(
                "MFA-001", Status.FAIL, evidence={"state": "default"}, resource="MicrosoftAuthenticator"
            ),
            _finding("MFA-006", Status.WARN, exception=grant),
        ],
    )
    store.finish_run(run, status="ok")
    found = store.latest_findings("contoso")
    assert [(f.control_id, f.status, f.severity) for f in found] == [
        ("MFA-001", "FAIL", "high"),
        ("MFA-006", "WARN", "high"),
    ]
    assert found[0].evidence == {"state": "default"} and found[0].resource == "MicrosoftAuthenticator"
    assert found[1].exception == {"reason": "pilot", "owner": "secops", "expires": "2027-03-31"}
    assert store.latest_findings("nobody") == []
    assert store.latest_findings_by_tenant() == {"contoso": found}
    assert store.latest_status_grid() == {"contoso": {"MFA-001": "FAIL", "MFA-006": "WARN"}}


def test_findings_history_for_trends(store: Store) -> None:
    for day in range(5):
        status = Status.PASS if day % 2 else Status.FAIL
        _audit(store, "a", T0 + timedelta(days=day), {"MFA-001": status, "MFA-002": Status.PASS})
    _audit(store, "b", T0, {"MFA-001": Status.PASS})
    points = store.findings_history(tenant="a", since=T0 + timedelta(days=1), control_id="MFA-001")
    assert [(p.started_at.day, p.status) for p in points] == [
        (2, "PASS"),
        (3, "FAIL"),
        (4, "PASS"),
        (5, "FAIL"),
    ]
    assert len(store.findings_history()) == 11
    assert {p.tenant for p in store.findings_history(until=T0 + timedelta(hours=1))} == {"a", "b"}


def test_snapshots_are_deduplicated_by_content(store: Store) -> None:
    body = {"policy": {"id": "authenticationMethodsPolicy", "authenticationMethodConfigurations": []}}
    r1 = store.record_run("contoso", "audit", started_at=T0)
    r2 = store.record_run("contoso", "audit", started_at=T0 + timedelta(hours=1))
    h1 = store.save_snapshot(r1, body, captured_at=T0, api_version="beta")
    h2 = store.save_snapshot(r2, dict(body), captured_at=T0 + timedelta(hours=1), api_version="beta")
    assert h1 == h2
    assert store.info().counts["snapshot_bodies"] == 1
    snap = store.get_snapshot(r2)
    assert snap is not None and snap.body == body and snap.api_version == "beta" and snap.tenant == "contoso"
    assert store.get_snapshot(999) is None


def test_writes_for_missing_runs_and_changes_are_store_errors(store: Store) -> None:
    with pytest.raises(StoreError, match="run 42 does not exist"):
        store.save_findings(42, [_finding("MFA-001", Status.PASS)])
    with pytest.raises(StoreError, match="run 42"):
        store.finish_run(42, status="ok")
    with pytest.raises(StoreError, match="change 7 does not exist"):
        store.mark_change(7, "verified")
    with pytest.raises(StoreError, match="no pre-change record"):
        change = store.create_change("contoso", plan={})
        store.record_post_change_object(change, "/policies/x", {})


def test_tenants_identity_and_tags(store: Store) -> None:
    store.upsert_tenant("contoso", tenant_id="00000000-0000-0000-0000-000000000001", tags=["gold", "eu"])
    store.record_run("fabrikam", "audit")
    store.upsert_tenant("contoso", tags=["gold"])
    contoso = store.get_tenant("contoso")
    assert contoso is not None and contoso.tags == ("gold",)
    assert contoso.tenant_id == "00000000-0000-0000-0000-000000000001"
    assert [t.name for t in store.list_tenants()] == ["contoso", "fabrikam"]
    assert [t.name for t in store.list_tenants(tag="gold")] == ["contoso"]


def test_change_lifecycle_keeps_pre_and_post_objects(store: Store) -> None:
    plan = {
        "objects": [{"path": "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms"}]
    }
    change = store.create_change(
        "contoso",
        plan=plan,
        baseline="recommended",
        pilot_group="g-1",
        actor="alice@contoso.com",
        created_at=T0,
    )
    sms = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms"
    voice = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Voice"
    store.record_pre_change_object(change, sms, {"id": "Sms", "state": "enabled"}, at=T0)
    store.record_pre_change_object(change, voice, {"id": "Voice", "state": "enabled"}, at=T0)
    # A second pre-record of the same object (a retry) must not overwrite the original state.
    store.record_pre_change_object(change, sms, {"id": "Sms", "state": "disabled"}, at=T0)
    store.record_post_change_object(
        change, sms, {"id": "Sms", "state": "disabled"}, at=T0 + timedelta(seconds=2)
    )
    store.mark_change(change, ChangeStatus.PILOT_APPLIED, at=T0 + timedelta(seconds=3))
    got = store.get_change(change)
    assert got is not None
    assert got.status is ChangeStatus.PILOT_APPLIED and got.kind is ChangeKind.APPLY
    assert (got.baseline, got.pilot_group, got.actor) == ("recommended", "g-1", "alice@contoso.com")
    assert got.plan == plan
    assert [(o.path, o.seq) for o in got.objects] == [(sms, 0), (voice, 1)]
    assert got.objects[0].pre == {"id": "Sms", "state": "enabled"}
    assert got.objects[0].post == {"id": "Sms", "state": "disabled"}
    assert got.objects[1].post is None and got.objects[1].post_recorded_at is None
    assert got.updated_at == T0 + timedelta(seconds=3)

    undo = store.create_change(
        "contoso", plan=None, kind="rollback", reverts_id=change, created_at=T0 + timedelta(1)
    )
    store.mark_change(undo, "verified")
    store.mark_change(change, "rolled_back")
    listed = store.list_changes(tenant="contoso")
    assert [(c.id, c.status) for c in listed] == [
        (undo, ChangeStatus.VERIFIED),
        (change, ChangeStatus.ROLLED_BACK),
    ]
    assert listed[0].reverts_id == change and listed[0].objects == ()
    latest_verified = store.latest_change("contoso", status=["verified"])
    assert latest_verified is not None and latest_verified.id == undo
    assert store.get_change(12345) is None


def test_pending_changes_survive_a_crash(store_url: str) -> None:
    first = open_store(store_url)
    change = first.create_change("contoso", plan={"n": 2}, created_at=T0)
    first.record_pre_change_object(change, "/a", {"v": 1})
    failed = first.create_change("contoso", plan={}, created_at=T0)
    first.mark_change(failed, "failed", error="PATCH /a: HTTP 400")
    # The process "dies" here: no mark_change. A new process opens the store.
    first.engine.dispose()
    second = open_store(store_url)
    try:
        pending = second.pending_changes("contoso")
        assert [c.id for c in pending] == [change]
        assert pending[0].objects[0].pre == {"v": 1}
        assert second.get_change(failed).error == "PATCH /a: HTTP 400"  # type: ignore[union-attr]
    finally:
        second.close()


def test_coverage_summaries(store: Store) -> None:
    r1 = store.record_run("contoso", "coverage", started_at=T0)
    store.save_coverage(
        r1,
        total_users=120,
        levels={"phishing_resistant": 10, "number_matching": 90, "sms_only": 15, "none": 5},
        admins={"phishing_resistant": 3, "sms_only": 1},
        below_threshold=[{"upn": "bob@contoso.com", "level": "sms_only", "admin": True}],
        captured_at=T0,
    )
    r2 = store.record_run("contoso", "coverage", started_at=T0 + timedelta(days=1))
    store.save_coverage(
        r2,
        total_users=121,
        levels={"number_matching": 121},
        admins={},
        below_threshold=[],
        captured_at=T0 + timedelta(days=1),
    )
    latest = store.latest_coverage("contoso")
    assert latest is not None and latest.run_id == r2 and latest.total_users == 121
    history = store.coverage_history("contoso")
    assert [c.run_id for c in history] == [r2, r1]
    assert history[1].below_threshold == ({"upn": "bob@contoso.com", "level": "sms_only", "admin": True},)
    assert history[1].levels["sms_only"] == 15
    assert store.latest_coverage("nobody") is None


def _alert(**kw: object) -> dict[str, object]:
    alert: dict[str, object] = {
        "detection_id": "DET-001",
        "severity": "medium",
        "user": "Alice@Contoso.com",
        "first_seen": "2026-11-01T08:00:00Z",
        "last_seen": "2026-11-01T08:10:00Z",
        "denials": {"deny": 5},
    }
    alert.update(kw)
    return alert


def test_alerts_are_deduplicated_and_updated(store: Store) -> None:
    new = store.save_alerts("contoso", [_alert()], at=T0)
    assert len(new) == 1 and new[0].user == "alice@contoso.com" and new[0].first_seen == T0
    again = store.save_alerts(
        "contoso", [_alert(severity="high", last_seen="2026-11-01T09:00:00Z"), _alert(detection_id="DET-002")]
    )
    assert [a.detection_id for a in again] == ["DET-002"]  # only the new one comes back
    stored = {a.detection_id: a for a in store.list_alerts(tenant="contoso")}
    assert stored["DET-001"].severity == "high"
    assert stored["DET-001"].last_seen == T0 + timedelta(hours=1)
    # An older sighting never moves last_seen back, nor lowers severity.
    store.save_alerts("contoso", [_alert(severity="low", last_seen="2026-11-01T08:05:00Z")])
    after = {a.detection_id: a for a in store.list_alerts()}["DET-001"]
    assert after.severity == "high" and after.last_seen == T0 + timedelta(hours=1)
    # Same attack in another tenant is another alert.
    assert len(store.save_alerts("fabrikam", [_alert()])) == 1
    assert store.get_alert(stored["DET-002"].id) is not None
    with pytest.raises(StoreError, match="first_seen"):
        store.save_alerts("contoso", [{"detection_id": "DET-001", "user": "x", "severity": "low"}])


def test_drift_persisted_and_marked(store: Store) -> None:
    r1 = _audit(store, "contoso", T0, {"MFA-001": Status.PASS})
    r2 = _audit(store, "contoso", T0 + timedelta(hours=12), {"MFA-001": Status.FAIL})
    saved = store.save_drift(
        "contoso",
        [
            DriftItem("MFA-001", "status", "PASS", "FAIL"),
            DriftItem("MFA-001", "numberMatchingRequiredState", {"state": "enabled"}, {"state": "default"}),
        ],
        run_id=r2,
        previous_run_id=r1,
        detected_at=T0 + timedelta(hours=12),
    )
    assert {(d.field, str(d.before)) for d in saved} == {
        ("status", "PASS"),
        ("numberMatchingRequiredState", "{'state': 'enabled'}"),
    }
    assert [d.id for d in store.list_drift(unnotified=True)] == sorted((d.id for d in saved), reverse=True)
    store.mark_drift_notified([saved[0].id], at=T0 + timedelta(hours=13))
    assert [d.id for d in store.list_drift(unnotified=True)] == [saved[1].id]
    change = store.create_change("contoso", plan={}, kind="remediate")
    store.link_drift_change([saved[1].id], change)
    linked = store.list_drift(tenant="contoso", since=T0)
    assert {d.id: d.change_id for d in linked} == {saved[0].id: None, saved[1].id: change}


def test_notifications_are_sent_once_per_key_and_target(store: Store) -> None:
    key, target = "drift:contoso:MFA-001:42", "teams:SECOPS_HOOK"
    assert store.claim_notification(key, target, at=T0)
    assert not store.claim_notification(key, target, at=T0)  # claimed, in flight
    assert store.claim_notification(key, "slack:OPS", at=T0)  # another target is independent
    store.finish_notification(
        key, target, sent=False, attempts=3, error="HTTP 500 from https://x.example/hook?sig=abc", at=T0
    )
    failed = store.get_notification(key, target)
    assert failed is not None and failed.status is NotificationStatus.FAILED and failed.attempts == 3
    assert store.claim_notification(
        key, target, at=T0 + timedelta(hours=1)
    )  # failed → retried on a later run
    store.finish_notification(key, target, sent=True, attempts=1, at=T0 + timedelta(hours=1))
    sent = store.get_notification(key, target)
    assert sent is not None and sent.status is NotificationStatus.SENT and sent.attempts == 4
    assert sent.sent_at == T0 + timedelta(hours=1) and sent.last_error is None
    assert not store.claim_notification(key, target, at=T0 + timedelta(days=1))
    # A claim abandoned by a dead sender is taken over once stale.
    assert not store.claim_notification(key, "slack:OPS", at=T0 + timedelta(minutes=5))
    assert store.claim_notification(key, "slack:OPS", at=T0 + timedelta(minutes=11))
    assert len(store.list_notifications()) == 2
    with pytest.raises(StoreError, match="never claimed"):
        store.finish_notification("other", target, sent=True, attempts=1)


def test_locks_are_exclusive_expire_and_renew(store: Store) -> None:
    ttl = timedelta(seconds=60)
    assert store.acquire_lock("watch", "host-a:1", ttl=ttl, now=T0)
    assert not store.acquire_lock("watch", "host-b:2", ttl=ttl, now=T0 + timedelta(seconds=30))
    assert store.acquire_lock(
        "watch", "host-a:1", ttl=ttl, now=T0 + timedelta(seconds=30)
    )  # re-entrant renew
    assert store.heartbeat("watch", "host-a:1", ttl=ttl, now=T0 + timedelta(seconds=80))
    assert not store.acquire_lock("watch", "host-b:2", ttl=ttl, now=T0 + timedelta(seconds=120))
    # host-a stops heart-beating; after expiry host-b takes over and host-a learns it lost the lock.
    assert store.acquire_lock("watch", "host-b:2", ttl=ttl, now=T0 + timedelta(seconds=141))
    assert not store.heartbeat("watch", "host-a:1", ttl=ttl, now=T0 + timedelta(seconds=142))
    held = store.get_lock("watch")
    assert held is not None and held.holder == "host-b:2" and held.expires_at == T0 + timedelta(seconds=201)
    assert not store.release_lock("watch", "host-a:1")
    assert store.release_lock("watch", "host-b:2")
    assert store.get_lock("watch") is None
    assert store.acquire_lock("watch", "host-c:3", ttl=ttl, now=T0)


def test_registered_secrets_and_secret_shapes_never_reach_the_database(store: Store) -> None:
    secret = "Zq8~secret.value-123456"
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ4eHgifQ.c2lnbmF0dXJlLXZhbHVl"
    store.add_secrets([secret])
    run = store.record_run("contoso", "audit")
    store.finish_run(run, status="error", error=f"token request failed for secret {secret}: Bearer {jwt}")
    store.save_snapshot(run, {"note": f"Authorization: Bearer {jwt}", "client_secret": "plain-one"})
    change = store.create_change("contoso", plan={"comment": secret})
    store.mark_change(change, "failed", error=f"auth with {secret}")
    got = store.get_run(run)
    assert got is not None and got.error is not None
    assert secret not in got.error and jwt not in got.error and "***" in got.error
    snap = store.get_snapshot(run)
    assert snap is not None and snap.body["client_secret"] == "***" and jwt not in snap.body["note"]
    assert secret not in str(store.get_change(change))


def test_record_completed_run_is_one_transaction(store: Store) -> None:
    run = store.record_completed_run(
        "contoso",
        "audit",
        started_at=T0,
        finished_at=T0 + timedelta(seconds=1),
        findings=[_finding("MFA-001", Status.FAIL), _finding("MFA-002", Status.PASS)],
        summary={"FAIL": 1},
        trigger="watch",
    )
    got = store.get_run(run)
    assert got is not None and got.status is RunStatus.OK and got.trigger == "watch"
    assert [f.control_id for f in store.latest_findings("contoso")] == ["MFA-001", "MFA-002"]
    failed = store.record_completed_run(
        "contoso", "audit", started_at=T0, finished_at=T0, status="error", error="HTTP 403"
    )
    assert store.findings_for_run(failed) == [] and store.latest_runs()["contoso"].id == run


def test_prune_keeps_changes_and_each_tenants_newest_run(store: Store) -> None:
    old = T0 - timedelta(days=400)
    a_old = _audit(store, "a", old, {"MFA-001": Status.PASS})
    store.save_snapshot(a_old, {"x": "only-old"}, captured_at=old)
    a_new = _audit(store, "a", T0, {"MFA-001": Status.FAIL})
    store.save_snapshot(a_new, {"x": "new"}, captured_at=T0)
    b_only = _audit(store, "b", old, {"MFA-001": Status.PASS})  # newest of b: kept however old
    store.save_drift(
        "a", [DriftItem("MFA-001", "status", "PASS", "FAIL")], run_id=a_new, previous_run_id=a_old
    )
    change = store.create_change("a", plan={}, created_at=old, run_id=a_old)
    store.save_alerts("a", [_alert(first_seen="2025-01-01T00:00:00Z", last_seen="2025-01-01T01:00:00Z")])
    store.claim_notification("k", "t", at=old)
    store.finish_notification("k", "t", sent=True, attempts=1, at=old)
    cutoff = T0 - timedelta(days=180)
    assert store.prune(before=cutoff, dry_run=True) == {"runs": 1, "alerts": 1, "notifications": 1}
    assert store.get_run(a_old) is not None
    counts = store.prune(before=cutoff)
    assert counts == {"runs": 1, "alerts": 1, "notifications": 1, "snapshot_bodies": 1}
    assert store.get_run(a_old) is None and store.findings_for_run(a_old) == []
    assert store.get_run(a_new) is not None and store.get_run(b_only) is not None
    kept = store.get_change(change)
    assert kept is not None and kept.run_id is None  # the change stays; its run link is cleared
    [drift] = store.list_drift()
    assert drift.previous_run_id is None and drift.run_id == a_new
    assert store.list_alerts() == [] and store.list_notifications() == []
    assert store.info().counts["snapshot_bodies"] == 1
