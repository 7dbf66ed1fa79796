"""``mfaguard coverage`` on a snapshot file with directory data (offline) — the real CLI in a subprocess."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.builders.directory import LICENCE_PROBLEM, write_snapshot
from tests.builders.policy import BREAK_GLASS
from tests.conftest import run_cli


def test_json_document_has_the_design_shape(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "snap.json")
    result = run_cli(["coverage", "--snapshot", str(snap), "--format", "json", "--fail-on", "critical"])
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"schema_version", "tenant", "levels", "admins", "users", "guests"} <= set(doc)
    assert doc["tenant"] == {"id": "11111111-1111-4111-8111-111111111111", "name": "Contoso"}
    assert doc["levels"] == {
        "phishing_resistant": 1,
        "push_with_context": 1,
        "push": 0,
        "otp": 0,
        "phone_only": 2,
        "none": 1,
    }
    assert doc["admins"] == {
        "phishing_resistant": 1,
        "push_with_context": 1,
        "push": 0,
        "otp": 0,
        "phone_only": 0,
        "none": 0,
    }
    assert doc["guests"] == 1
    by_upn = {u["userPrincipalName"]: u for u in doc["users"]}
    assert set(by_upn) == {
        "alice@contoso.example",
        "bob@contoso.example",
        "carol@contoso.example",
        "dave@contoso.example",
        "bg1@contoso.example",
    }
    carol = by_upn["carol@contoso.example"]
    assert carol["level"] == "phone_only"
    assert any(
        "by group 'Contractors'" in r and "← nested in 'Vendors' ← nested in 'Vendor Acme'" in r
        for r in carol["reasons"]
    )
    assert by_upn["dave@contoso.example"]["level"] == "none"
    assert "not in the registration report" in by_upn["dave@contoso.example"]["reasons"][0]
    assert set(by_upn["alice@contoso.example"]) == {"id", "userPrincipalName", "isAdmin", "level", "reasons"}
    assert {f["control_id"] for f in doc["findings"]} == {"MFA-016", "MFA-017", "MFA-018"}


def test_exits_1_on_weak_members_like_audit(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "snap.json")
    result = run_cli(["coverage", "--snapshot", str(snap)])
    assert result.returncode == 1
    assert "MFA-016 FAIL" in result.stdout
    assert "phone_only" in result.stdout
    assert "bob@contoso.example" in result.stdout


def test_below_filters_the_user_list(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "snap.json")
    result = run_cli(["coverage", "--snapshot", str(snap), "--format", "json", "--below", "otp"])
    doc = json.loads(result.stdout)
    assert {u["level"] for u in doc["users"]} == {"phone_only", "none"}
    assert sum(doc["levels"].values()) == 5  # counts stay whole


def test_csv_lists_one_row_per_member(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "snap.json")
    result = run_cli(["coverage", "--snapshot", str(snap), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5
    assert {r["level"] for r in rows} >= {"phone_only", "none", "phishing_resistant"}


def test_html_has_the_chart(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "snap.json")
    out = tmp_path / "coverage.html"
    result = run_cli(["coverage", "--snapshot", str(snap), "--format", "html", "--output", str(out)])
    assert result.returncode == 1
    page = out.read_text()
    assert '<table id="levels">' in page and "phone_only" in page and "carol@contoso.example" in page


def test_break_glass_group_is_checked(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "snap.json")
    result = run_cli(
        ["coverage", "--snapshot", str(snap), "--format", "json", "--break-glass-group", BREAK_GLASS]
    )
    (mfa018,) = [f for f in json.loads(result.stdout)["findings"] if f["control_id"] == "MFA-018"]
    assert mfa018["status"] == "PASS"


def test_licence_error_degrades_and_strict_exits_3(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "snap.json", registration=False, problems=[LICENCE_PROBLEM])
    result = run_cli(["coverage", "--snapshot", str(snap), "--format", "json"])
    assert result.returncode == 0, result.stderr
    assert "could not read registration" in result.stderr and "P1 or P2" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["unavailable"][0]["kind"] == "license"
    assert doc["guests"] == 1
    statuses = {f["control_id"]: f["status"] for f in doc["findings"]}
    assert statuses["MFA-016"] == "ERROR" and statuses["MFA-017"] == "ERROR"
    strict = run_cli(["coverage", "--snapshot", str(snap), "--strict"])
    assert strict.returncode == 3


def test_snapshot_without_directory_is_an_input_error(tmp_path: Path) -> None:
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "policies" / "compliant.json"
    result = run_cli(["coverage", "--snapshot", str(fixture)])
    assert result.returncode == 2
    assert "no directory data" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_level_is_a_usage_error(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "snap.json")
    result = run_cli(["coverage", "--snapshot", str(snap), "--below", "strong"])
    assert result.returncode == 2
    assert "invalid value for --below: 'strong'" in result.stderr
