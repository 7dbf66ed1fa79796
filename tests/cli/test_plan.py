"""`mfaguard plan` end to end: the real CLI against the emulator over HTTPS on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mfaguard.emulator import RunningEmulator
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e

FIELD_OPS = "37b632a4-6a93-57f0-800a-11b563d7a59c"  # a group of the weak scenario (push-only target)
MISSING = "99999999-9999-4999-8999-999999999999"


def _writes(server: RunningEmulator) -> list[dict[str, object]]:
    return [
        e
        for e in server.emulator.requests()
        if e["method"] in ("PATCH", "POST", "PUT", "DELETE") and "/oauth2/" not in str(e["path"])
    ]


def test_plan_lists_every_change_and_writes_nothing(emulator_server: RunningEmulator) -> None:
    result = run_cli(["plan", "--baseline", "recommended", "--format", "json"], env=emulator_server.env())
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["tenant"] == emulator_server.emulator.default_tenant.id.lower()
    assert [o["object"] for o in document["objects"]] == [
        "MicrosoftAuthenticator",
        "Sms",
        "Voice",
        "Email",
        "authenticationMethodsPolicy",
    ]
    fields = {(c["path"].rsplit("/", 1)[1], c["field"]) for c in document["changes"]}
    assert ("Sms", "state") in fields and ("authenticationMethodsPolicy", "policyMigrationState") in fields
    auth = document["objects"][0]["body"]
    assert auth["@odata.type"] == "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration"
    assert "numberMatchingRequiredState" not in auth["featureSettings"]
    modes = {t["id"]: t["authenticationMode"] for t in auth["includeTargets"]}
    assert modes[FIELD_OPS] == "push"
    assert _writes(emulator_server) == []
    table = run_cli(["plan", "--baseline", "recommended"], env={**emulator_server.env(), "COLUMNS": "250"})
    assert table.returncode == 0 and "PATCH Sms" in table.stdout and "MFA-013" in table.stdout
    assert _writes(emulator_server) == []


def test_plan_with_pilot_group(emulator_server: RunningEmulator) -> None:
    result = run_cli(
        ["plan", "--baseline", "recommended", "--pilot-group", FIELD_OPS, "--format", "json"],
        env=emulator_server.env(),
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["pilot_group"] == FIELD_OPS
    sms = next(o for o in document["objects"] if o["object"] == "Sms")
    assert sms["body"]["state"] == "enabled" and [t["id"] for t in sms["body"]["excludeTargets"]] == [
        FIELD_OPS
    ]
    assert any("isSoftwareOathEnabled" in n for n in document["notes"])


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "sms: disabled\nauthenticator:\n  state: enabled\n  colour: blue\n",
            ":4: authenticator.colour: unknown key",
        ),
        (
            "authenticator:\n  software_oath: 'false'\n",
            ":2: authenticator.software_oath: Input should be a valid boolean",
        ),
        (
            "authenticator:\n  state: enabled\n  include: []\n",
            ":3: authenticator.include: must name at least one target",
        ),
        (
            f"authenticator:\n  include:\n    - all_users\n    - {MISSING}\n",
            f":4: authenticator.include[1]: group {MISSING} does not exist",
        ),
    ],
)
def test_bad_baseline_is_exit_2_naming_file_line_and_key(
    emulator_server: RunningEmulator, tmp_path: Path, text: str, where: str
) -> None:
    path = tmp_path / "baseline.yaml"
    path.write_text(text, encoding="utf-8")
    emulator_server.emulator.clear_requests()
    commands = [
        ["plan", "--baseline", str(path)],
        ["apply", "--baseline", str(path), "--yes", "--store", f"sqlite:///{tmp_path}/history.db"],
    ]
    for command in commands:
        result = run_cli(command, env=emulator_server.env())
        assert result.returncode == 2, result.stderr
        assert f"{path}{where}" in result.stderr
        assert "Traceback" not in result.stderr
    graph = [
        e
        for e in emulator_server.emulator.requests()
        if "/oauth2/" not in str(e["path"]) and "openid" not in str(e["path"])
    ]
    if "does not exist" in where:
        assert {e["method"] for e in graph} == {"GET"}  # only the group look-ups
        assert all("/groups/" in str(e["path"]) for e in graph)
    else:
        assert graph == []  # offline errors: no request at all


def test_unknown_pilot_group_is_exit_2(emulator_server: RunningEmulator) -> None:
    result = run_cli(
        ["plan", "--baseline", "recommended", "--pilot-group", MISSING], env=emulator_server.env()
    )
    assert result.returncode == 2
    assert f"--pilot-group {MISSING} does not exist" in result.stderr
    assert _writes(emulator_server) == []
