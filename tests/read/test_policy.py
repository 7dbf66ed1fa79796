"""collect: policy read with v1.0 fallback, group resolution, read errors (scripted Graph)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from mfaguard.errors import PermissionError_
from mfaguard.graph.parse import parse_policy
from mfaguard.model.policy import ApiVersion, TenantInfo, named_groups
from mfaguard.read.policy import GROUPS_PART, collect_snapshot
from tests.graph._fakes import Recorder, graph_error, make_client, ok, run

FIXTURE = Path(__file__).parents[1] / "fixtures" / "policies" / "compliant.json"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
G1 = "11111111-1111-1111-1111-111111111111"
G2 = "22222222-2222-2222-2222-222222222222"


def policy_with_groups() -> dict[str, Any]:
    body = json.loads(FIXTURE.read_text())
    auth = next(c for c in body["authenticationMethodConfigurations"] if c["id"] == "MicrosoftAuthenticator")
    auth["excludeTargets"] = [{"id": G1, "targetType": "group"}]
    auth["featureSettings"]["displayAppInformationRequiredState"]["excludeTarget"] = {
        "id": G2.upper(),
        "targetType": "group",
    }
    auth["includeTargets"].append({"id": "u-1", "targetType": "user", "authenticationMode": "any"})
    return body


def test_named_groups_walks_every_target() -> None:
    ids = [group.id for group in named_groups(parse_policy(policy_with_groups())).values()]
    assert G1 in ids and G2.upper() in ids
    assert "b7ea4c1a-55e5-4000-8000-00000000b001" in ids  # registration campaign exclusion
    assert "all_users" not in ids and "u-1" not in ids
    assert "00000000-0000-0000-0000-000000000000" not in ids
    assert len(ids) == len({i.lower() for i in ids})


def graph(policy: dict[str, Any], *, groups: dict[str, int], beta_status: int = 200) -> Recorder:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/authenticationMethodsPolicy"):
            if "/beta/" in path and beta_status != 200:
                return graph_error(beta_status, "BadRequest", "Resource not found for the segment")
            return ok(policy)
        if path.endswith("/$batch"):
            answers = []
            for entry in json.loads(request.content)["requests"]:
                group_id = entry["url"].split("/")[2].split("?")[0]
                status = groups.get(group_id.lower(), 404)
                body: dict[str, Any] = {"id": group_id, "displayName": f"name {group_id[:4]}"}
                if status != 200:
                    body = {
                        "error": {
                            "code": "Authorization_RequestDenied"
                            if status == 403
                            else "Request_ResourceNotFound",
                            "message": "x",
                        }
                    }
                answers.append({"id": entry["id"], "status": status, "body": body})
            return ok({"responses": answers})
        return httpx.Response(404)

    return Recorder(handler)


def test_collect_reads_beta_policy_and_resolves_groups() -> None:
    rec = graph(policy_with_groups(), groups={G1: 200})

    async def go() -> Any:
        async with make_client(rec) as client:
            return await collect_snapshot(client, tenant=TenantInfo("t1"), now=NOW)

    snap = run(go())
    assert snap.api_version is ApiVersion.BETA
    assert snap.captured_at == NOW
    assert snap.read_errors == {}
    assert snap.groups[G1].exists and snap.groups[G1].display_name == "name 1111"
    assert not snap.groups[G2].exists  # 404: deleted
    assert snap.raw["policy"]["id"] == "authenticationMethodsPolicy"
    assert [r.url.path for r in rec.requests] == [
        "/beta/policies/authenticationMethodsPolicy",
        "/v1.0/$batch",
    ]


def test_collect_falls_back_to_v1_when_beta_is_missing() -> None:
    policy = policy_with_groups()
    policy["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#authenticationMethodsPolicy"
    rec = graph(policy, groups={}, beta_status=400)

    async def go() -> Any:
        async with make_client(rec) as client:
            return await collect_snapshot(client, tenant=TenantInfo("t1"), now=NOW)

    assert run(go()).api_version is ApiVersion.V1


def test_collect_records_group_permission_error_instead_of_guessing() -> None:
    rec = graph(policy_with_groups(), groups={G1: 403, G2: 403})

    async def go() -> Any:
        async with make_client(rec) as client:
            return await collect_snapshot(client, tenant=TenantInfo("t1"), now=NOW)

    snap = run(go())
    assert "GroupMember.Read.All" in snap.read_errors[GROUPS_PART]
    assert snap.groups == {}  # attempted, nothing known: MFA-015 cannot pass


def test_collect_raises_when_the_policy_is_denied() -> None:
    rec = Recorder(lambda r: graph_error(403, "Authorization_RequestDenied", "Insufficient privileges"))

    async def go() -> Any:
        async with make_client(rec) as client:
            return await collect_snapshot(client, tenant=TenantInfo("t1"), now=NOW)

    with pytest.raises(PermissionError_, match=r"Policy\.Read\.AuthenticationMethod"):
        run(go())
    assert len(rec.requests) == 1  # a 403 on beta is not "beta unavailable": no v1.0 retry


def test_group_read_error_makes_mfa015_error_never_pass() -> None:
    from mfaguard.audit.engine import audit
    from mfaguard.controls import CONTROLS
    from mfaguard.model.report import Status
    from mfaguard.model.settings import AuditSettings

    rec = graph(policy_with_groups(), groups={G1: 403, G2: 403})

    async def go() -> Any:
        async with make_client(rec) as client:
            return await collect_snapshot(client, tenant=TenantInfo("t1"), now=NOW)

    report = audit(run(go()), CONTROLS, settings=AuditSettings(), now=NOW)
    [mfa015] = [f for f in report.findings if f.control_id == "MFA-015"]
    assert mfa015.status is Status.ERROR
    assert "GroupMember.Read.All" in mfa015.detail


def test_read_errors_survive_a_snapshot_file(tmp_path: Path) -> None:
    from mfaguard.read.snapshot_file import load_snapshot, save_snapshot

    rec = graph(policy_with_groups(), groups={G1: 403})

    async def go() -> Any:
        async with make_client(rec) as client:
            return await collect_snapshot(client, tenant=TenantInfo("t1"), now=NOW)

    snap = run(go())
    save_snapshot(snap, tmp_path / "s.json")
    again = load_snapshot(tmp_path / "s.json")
    assert again.read_errors == snap.read_errors
    assert again.groups == {}
