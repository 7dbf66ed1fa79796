"""Directories for tests: users, groups with nested members, registration rows, and the small
coverage tenant (a snapshot file with directory data) the coverage and explain CLI tests read."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tests.builders.policy import BREAK_GLASS, CONTRACTORS, coverage_policy_body

from mfaguard.model.directory import Directory, DirectoryUser, Group, RegistrationDetail, intern_methods
from mfaguard.read.directory_json import directory_to_json

VENDORS = "c0000000-0000-4000-8000-0000000000c2"
ACME = "c0000000-0000-4000-8000-0000000000c3"


def user(
    user_id: str,
    *,
    enabled: bool = True,
    guest: bool = False,
    external: bool = False,
    name: str | None = None,
) -> DirectoryUser:
    """A user; ``external`` puts ``#EXT#`` in the UPN (a B2B account)."""
    upn = f"{user_id}_fabrikam.example#EXT#@contoso.example" if external else f"{user_id}@contoso.example"
    return DirectoryUser(
        id=user_id,
        user_principal_name=upn,
        display_name=name or user_id.title(),
        account_enabled=enabled,
        user_type="Guest" if guest else "Member",
    )


def reg(user_id: str, *methods: str, admin: bool = False) -> RegistrationDetail:
    return RegistrationDetail(
        id=user_id,
        user_principal_name=f"{user_id}@contoso.example",
        is_admin=admin,
        methods_registered=intern_methods(methods),
        is_mfa_registered=bool(methods),
    )


def group(
    group_id: str, users: Iterable[str] = (), groups: Iterable[str] = (), name: str | None = None
) -> Group:
    return Group(
        id=group_id,
        display_name=name or group_id.upper(),
        member_users=frozenset(users),
        member_groups=frozenset(groups),
    )


def directory(
    users: Iterable[DirectoryUser],
    registrations: Iterable[RegistrationDetail] | None,
    groups: Iterable[Group] = (),
) -> Directory:
    registration: Mapping[str, RegistrationDetail] | None = (
        None if registrations is None else {r.id: r for r in registrations}
    )
    return Directory(
        users={u.id: u for u in users},
        groups={g.id: g for g in groups},
        registration=registration,
    )


def people(*entries: DirectoryUser | str, groups: Iterable[Group] = ()) -> Directory:
    """A directory of users (a str is a plain member) and groups, with an empty registration report."""
    found = [e if isinstance(e, DirectoryUser) else user(e) for e in entries]
    return Directory(users={u.id: u for u in found}, groups={g.id: g for g in groups}, registration={})


# ---- the coverage tenant --------------------------------------------------------------------------


def tenant_directory(*, registration: bool = True) -> dict[str, Any]:
    users = [
        user("alice", name="Alice Admin"),
        user("bob", name="Bob"),
        user("carol", name="Carol Contractor"),
        user("dave", name="Dave New"),
        user("erin", enabled=False, name="Erin Gone"),
        user("gus", guest=True, name="Gus Guest"),
        user("bg1", name="Break Glass 1"),
    ]
    rows = [
        reg("alice", "microsoftAuthenticatorPush", "mobilePhone", admin=True),
        reg("bob", "mobilePhone"),
        reg("carol", "microsoftAuthenticatorPush", "mobilePhone"),
        reg("gus", "mobilePhone"),
        reg("bg1", "fido2", admin=True),
    ]
    groups = [
        group(BREAK_GLASS, users=["bg1"], name="Break glass"),
        group(CONTRACTORS, groups=[VENDORS], name="Contractors"),
        group(VENDORS, groups=[ACME], name="Vendors"),
        group(ACME, users=["carol"], name="Vendor Acme"),
    ]
    return directory_to_json(directory(users, rows if registration else None, groups))


def write_snapshot(
    path: Path, *, registration: bool = True, problems: list[dict[str, Any]] | None = None
) -> Path:
    direc = tenant_directory(registration=registration)
    if problems:
        direc["unavailable"] = problems
    document = {
        "format": "mfaguard-snapshot",
        "format_version": 1,
        "tenant": {"id": "11111111-1111-4111-8111-111111111111", "name": "Contoso"},
        "api_version": "beta",
        "captured_at": "2026-11-28T19:00:00+00:00",
        "source": "graph",
        "raw": {"policy": coverage_policy_body(), "groups": None},
        "directory": direc,
    }
    path.write_text(json.dumps(document))
    return path


LICENCE_PROBLEM = {
    "what": "registration",
    "kind": "license",
    "reason": "the registration report (userRegistrationDetails) needs Microsoft Entra ID P1 or P2",
    "hint": "license the tenant for Entra ID P1/P2 (reports are a premium feature)",
}
