"""A small tenant on disk for the coverage and explain CLI tests: snapshot file with directory data."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from mfaguard.read.directory_json import directory_to_json
from tests.coverage.builders import directory, group, reg, user

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "policies" / "compliant.json"
BREAK_GLASS = "b7ea4c1a-55e5-4000-8000-00000000b001"
CONTRACTORS = "c0000000-0000-4000-8000-0000000000c1"
VENDORS = "c0000000-0000-4000-8000-0000000000c2"
ACME = "c0000000-0000-4000-8000-0000000000c3"


def policy_body() -> dict[str, Any]:
    """The compliant policy with SMS on and Authenticator also excluding a nested contractors group."""
    body: dict[str, Any] = copy.deepcopy(json.loads(FIXTURE.read_text()))
    for config in body["authenticationMethodConfigurations"]:
        if config["id"] == "Sms":
            config["state"] = "enabled"
        if config["id"] == "MicrosoftAuthenticator":
            config["excludeTargets"].append({"id": CONTRACTORS, "targetType": "group"})
    return body


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
        "raw": {"policy": policy_body(), "groups": None},
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
