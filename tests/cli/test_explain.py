"""``mfaguard explain USER``: the full reason chain for each hand-built case (offline snapshot)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.builders.directory import LICENCE_PROBLEM, write_snapshot
from tests.conftest import run_cli


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    return write_snapshot(tmp_path / "snap.json")


def explain(snap: Path, who: str, *extra: str) -> dict[str, object]:
    result = run_cli(["explain", who, "--snapshot", str(snap), "--format", "json", *extra])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_nested_exclusion_three_deep(snap: Path) -> None:
    doc = explain(snap, "carol@contoso.example")
    assert doc["level"] == "phone_only"
    assert doc["memberships"] == [
        "member of group 'Contractors' (c0000000-0000-4000-8000-0000000000c1) ← nested in 'Vendors' ← nested in 'Vendor Acme'"
    ]
    assert any(
        r.startswith(
            "microsoftAuthenticatorPush: not usable — excluded from MicrosoftAuthenticator by group 'Contractors'"
        )
        for r in doc["reasons"]  # type: ignore[union-attr]
    )


def test_disabled_user(snap: Path) -> None:
    doc = explain(snap, "erin")  # by object id
    assert doc["accountEnabled"] is False
    assert any("account disabled" in s for s in doc["status"])  # type: ignore[union-attr]


def test_guest(snap: Path) -> None:
    doc = explain(snap, "GUS@contoso.example")  # UPNs match case-insensitively
    assert any(s.startswith("guest") for s in doc["status"])  # type: ignore[union-attr]
    assert doc["level"] == "phone_only"


def test_missing_from_registration_report(snap: Path) -> None:
    doc = explain(snap, "dave@contoso.example")
    assert doc["level"] == "none"
    assert doc["inRegistrationReport"] is False
    assert "not in the registration report" in doc["reasons"][0]  # type: ignore[index]


def test_text_output_reads_top_down(snap: Path) -> None:
    result = run_cli(["explain", "alice@contoso.example", "--snapshot", str(snap)])
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("alice@contoso.example (alice)")
    assert "level: push_with_context (administrator)" in lines
    assert "  - app-name context: applies — enabled, included by all_users" in lines


def test_unknown_user_is_exit_2(snap: Path) -> None:
    result = run_cli(["explain", "nobody@contoso.example", "--snapshot", str(snap)])
    assert result.returncode == 2
    assert "no user 'nobody@contoso.example'" in result.stderr


def test_unreadable_report_says_why(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s.json", registration=False, problems=[LICENCE_PROBLEM])
    doc = explain(snap, "bob@contoso.example")
    assert doc["level"] is None
    assert "P1 or P2" in doc["reasons"][0]  # type: ignore[index]
    strict = run_cli(["explain", "bob@contoso.example", "--snapshot", str(snap), "--strict"])
    assert strict.returncode == 3
