"""`mfaguard store upgrade` and `mfaguard history ...` against a real store file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from mfaguard.store import DriftItem, open_store
from tests.conftest import run_cli

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def _seed(url: str) -> None:
    with open_store(url) as store:
        run = store.record_run("contoso", "audit", started_at=T0)
        store.finish_run(run, status="ok", summary={"FAIL": 2})
        bad = store.record_run("fabrikam", "audit", started_at=T0)
        store.finish_run(bad, status="error", error="HTTP 403 Authorization_RequestDenied")
        change = store.create_change("contoso", plan={}, baseline="recommended", actor="alice", created_at=T0)
        store.record_pre_change_object(change, "/policies/authenticationMethodsPolicy", {"a": 1})
        store.mark_change(change, "verified")
        store.save_drift(
            "contoso", [DriftItem("MFA-001", "status", "PASS", "FAIL")], run_id=run, previous_run_id=None
        )
        store.save_alerts(
            "contoso",
            [{"detection_id": "DET-001", "user": "bob@contoso.com", "severity": "high", "first_seen": T0}],
        )


def test_store_upgrade_creates_the_default_store_in_the_data_dir(tmp_path: Path) -> None:
    result = run_cli(["store", "upgrade"], env={"XDG_DATA_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "mfaguard" / "history.db").is_file()
    assert "schema revision: 0003 (newest: 0003)" in result.stdout


def test_history_json_and_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    _seed(url)
    runs = run_cli(["history", "runs", "--store", url, "--format", "json"])
    assert runs.returncode == 0, runs.stderr
    data = json.loads(runs.stdout)
    assert {(r["tenant"], r["status"]) for r in data} == {("contoso", "ok"), ("fabrikam", "error")}
    only = json.loads(
        run_cli(["history", "runs", "--store", url, "--tenant", "fabrikam", "--format", "json"]).stdout
    )
    assert [r["error"] for r in only] == ["HTTP 403 Authorization_RequestDenied"]
    changes = json.loads(
        run_cli(["history", "changes", "--format", "json"], env={"MFAGUARD_STORE": url}).stdout
    )
    assert changes[0]["status"] == "verified" and changes[0]["actor"] == "alice"
    assert changes[0]["objects"][0]["pre"] == {"a": 1}
    alerts = json.loads(run_cli(["history", "alerts", "--store", url, "--format", "json"]).stdout)
    assert alerts[0]["user"] == "bob@contoso.com" and alerts[0]["first_seen"] == "2026-11-01T08:00:00+00:00"
    drift = json.loads(run_cli(["history", "drift", "--store", url, "--format", "json"]).stdout)
    assert [(d["control_id"], d["before"], d["after"]) for d in drift] == [("MFA-001", "PASS", "FAIL")]
    assert "MFA-001" in run_cli(["history", "drift", "--store", url]).stdout
    table = run_cli(["history", "changes", "--store", url])
    assert table.returncode == 0 and "recommended" in table.stdout and "verified" in table.stdout


def test_bad_store_urls_are_one_line_errors_without_passwords() -> None:
    bad = run_cli(["history", "runs", "--store", "mysql://u:pw@h/db"])
    assert bad.returncode == 2 and "unsupported history store URL scheme 'mysql'" in bad.stderr
    unreachable = run_cli(["history", "runs", "--store", "postgresql://u:hunter2secret@127.0.0.1:9/db"])
    assert unreachable.returncode == 3, unreachable.stderr
    assert "hunter2secret" not in unreachable.stderr and "Traceback" not in unreachable.stderr
    assert "127.0.0.1" in unreachable.stderr
    wrong_kind = run_cli(["history", "runs", "--kind", "nope", "--store", "sqlite://"])
    assert wrong_kind.returncode == 2 and "invalid value for --kind: 'nope'" in wrong_kind.stderr


def test_store_prune(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    _seed(url)
    dry = run_cli(["store", "prune", "--older-than", "1d", "--dry-run", "--store", url])
    assert dry.returncode == 0, dry.stderr
    # fabrikam's old failed run goes; contoso's newest successful audit stays however old.
    assert dry.stdout.startswith("would delete: 1 runs, 1 alerts, 0 notifications")
    too_short = run_cli(["store", "prune", "--older-than", "2h", "--store", url])
    assert too_short.returncode == 2 and "less than a day" in too_short.stderr
    bad = run_cli(["store", "prune", "--older-than", "soon", "--store", url])
    assert bad.returncode == 2 and "invalid value for --older-than: 'soon'" in bad.stderr
