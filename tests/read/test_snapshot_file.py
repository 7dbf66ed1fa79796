from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mfaguard.errors import InputError
from mfaguard.model.policy import ApiVersion, TenantInfo
from mfaguard.read.snapshot_file import (
    SNAPSHOT_FORMAT,
    build_snapshot,
    load_snapshot,
    save_snapshot,
    snapshot_to_json,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
GROUP = "6a1b2c3d-0000-4000-8000-000000000a01"


def policy_body() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "compliant.json").read_text())
    return data


def test_raw_graph_explorer_body_loads_as_beta_without_tenant(tmp_path: Path) -> None:
    snap = load_snapshot(FIXTURES / "compliant.json")
    assert snap.api_version is ApiVersion.BETA
    assert snap.source == "graph-explorer"
    assert snap.tenant.id is None and snap.captured_at is None
    assert snap.groups is None
    assert snap.policy.authenticator is not None


def test_v1_body_is_detected(tmp_path: Path) -> None:
    body = policy_body()
    body["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#authenticationMethodsPolicy"
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(body))
    assert load_snapshot(path).api_version is ApiVersion.V1


def test_snapshot_round_trip_keeps_everything(tmp_path: Path) -> None:
    captured = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)
    snap = build_snapshot(
        policy_body(),
        tenant=TenantInfo(id="11111111-2222-3333-4444-555555555555", name="contoso"),
        captured_at=captured,
        group_bodies={GROUP.upper(): {"id": GROUP, "displayName": "Pilot"}, "dead": None},
        source="graph",
    )
    path = tmp_path / "snap.json"
    save_snapshot(snap, path)
    document = json.loads(path.read_text())
    assert document["format"] == SNAPSHOT_FORMAT and document["format_version"] == 1
    assert document["raw"]["policy"] == policy_body()
    again = load_snapshot(path)
    assert again.tenant == snap.tenant
    assert again.captured_at == captured
    assert again.api_version is ApiVersion.BETA
    assert again.source == "graph"
    assert again.groups is not None
    assert again.groups[GROUP].exists and again.groups[GROUP].display_name == "Pilot"
    assert not again.groups["dead"].exists
    assert snapshot_to_json(again) == document
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]  # no temp file left behind


def test_snapshot_without_groups_keeps_none(tmp_path: Path) -> None:
    snap = build_snapshot(policy_body(), tenant=TenantInfo(id=None), captured_at=None)
    path = tmp_path / "s.json"
    save_snapshot(snap, path)
    assert load_snapshot(path).groups is None


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "input.json"
    path.write_text(text)
    return path


def _envelope(**changes: Any) -> str:
    doc: dict[str, Any] = {
        "format": SNAPSHOT_FORMAT,
        "format_version": 1,
        "tenant": {"id": "t", "name": None},
        "api_version": "beta",
        "captured_at": "2026-11-28T19:00:00Z",
        "source": "graph",
        "raw": {"policy": policy_body(), "groups": None},
    }
    doc.update(changes)
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("  \n", "the file is empty"),
        ("{not json", "not JSON"),
        ("[1, 2]", "JSON array"),
        ("42", "the number 42"),
        ('{"schema_version": "1.0", "findings": []}', "an mfaguard audit report"),
        ('{"value": []}', "Graph collection page"),
        (
            '{"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "id": "Sms"}',
            "a single method configuration",
        ),
        ('{"hello": 1}', "unknown kind (keys: hello)"),
        (_envelope(format_version=7), "format_version 7"),
        (_envelope(api_version="v2"), 'api_version: expected "beta" or "v1.0"'),
        (_envelope(captured_at="yesterday"), "captured_at: expected an ISO 8601 timestamp"),
        (_envelope(raw={}), "raw.policy: missing"),
        (_envelope(tenant=[]), "tenant: expected an object"),
    ],
)
def test_bad_input_names_file_and_problem(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_snapshot(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert expected in message
    assert info.value.exit_code == 2


def test_shape_error_in_policy_names_field_and_file(tmp_path: Path) -> None:
    body = policy_body()
    body["policyMigrationState"] = ["x"]
    path = _write(tmp_path, json.dumps(body))
    with pytest.raises(InputError, match=r"input\.json: policyMigrationState: expected a string"):
        load_snapshot(path)


def test_not_json_reports_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '{\n  "a": 1,\n  oops\n}')
    with pytest.raises(InputError) as info:
        load_snapshot(path)
    assert info.value.line == 3
    assert f"{path}:3:" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_snapshot(tmp_path / "nope.json")


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(policy_body()).encode())
    assert load_snapshot(path).policy.authenticator is not None
