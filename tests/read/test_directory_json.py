"""Directory data round-trips through the snapshot's ``directory`` object; bad input is named."""

from __future__ import annotations

import json

import pytest

from mfaguard.errors import InputError
from mfaguard.model.directory import ProblemKind, ReadProblem
from mfaguard.read.directory_json import directory_from_json, directory_to_json
from tests.builders.directory import directory, group, reg, user


def test_round_trip_keeps_everything() -> None:
    original = directory(
        [user("a"), user("g", guest=True), user("d", enabled=False)],
        [reg("a", "fido2", "mobilePhone", admin=True)],
        [group("outer", groups=["inner"]), group("inner", users=["a"])],
    )
    original = type(original)(
        users=original.users,
        groups=original.groups,
        registration=original.registration,
        problems=(ReadProblem("group:x", ProblemKind.PERMISSION, "denied", "grant it"),),
    )
    document = json.loads(json.dumps(directory_to_json(original)))
    restored = directory_from_json(document)
    assert restored == original


def test_unreadable_parts_stay_none() -> None:
    restored = directory_from_json({"users": None, "groups": [], "registration": None})
    assert restored.users is None
    assert restored.registration is None


@pytest.mark.parametrize(
    ("document", "key"),
    [
        ({"users": {"id": "a"}}, "directory.users"),
        ({"users": [{"displayName": "no id"}]}, "directory.users[0]"),
        ({"groups": [{"id": "g", "members": {"users": [1]}}]}, "directory.groups[0].members.users"),
        ({"registration": ["x"]}, "directory.registration[0]"),
    ],
)
def test_malformed_input_names_the_key(document: dict[str, object], key: str) -> None:
    with pytest.raises(InputError) as info:
        directory_from_json(document)
    assert info.value.key == key


def test_snapshot_files_carry_the_directory(tmp_path: object) -> None:
    import dataclasses
    from pathlib import Path

    from mfaguard.model.policy import TenantInfo
    from mfaguard.read.snapshot_file import build_snapshot, load_snapshot, save_snapshot

    body = json.loads((Path(__file__).parent.parent / "fixtures/policies/compliant.json").read_text())
    snap = build_snapshot(body, tenant=TenantInfo(id="t"), captured_at=None)
    direc = directory([user("a")], [reg("a", "fido2")], [group("g", users=["a"])])
    path = Path(str(tmp_path)) / "snap.json"
    save_snapshot(dataclasses.replace(snap, directory=direc), path)
    assert load_snapshot(path).directory == direc
    save_snapshot(snap, path)
    assert load_snapshot(path).directory is None
    assert "directory" not in json.loads(path.read_text())
