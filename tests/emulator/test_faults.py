"""Realism knobs: faults by rate (seeded) and by script, timeouts, resets, out-of-band edits, latency,
the request log and the control plane."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from typing import Any

import httpx
import pytest

from mfaguard.emulator import ConnectionReset, Emulator, RunningEmulator
from tests.emulator.conftest import CONFIGS, POLICY, SMS_TYPE, graph_error
from tests.emulator_fixtures import graph_client

pytestmark = pytest.mark.anyio
VOICE_TYPE = "#microsoft.graph.voiceAuthenticationMethodConfiguration"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def statuses(emu: Emulator, n: int, path: str = f"/beta{POLICY}") -> list[int]:
    async with graph_client(emu) as client:
        return [(await client.get(path)).status_code for _ in range(n)]


async def test_rate_faults_are_seeded_and_reproducible() -> None:
    runs = []
    for _ in range(2):
        emu = Emulator("weak", seed=7)
        emu.add_fault(kind="status", status=429, rate=0.3, retry_after=2)
        runs.append(await statuses(emu, 60))
    assert runs[0] == runs[1]
    share = runs[0].count(429) / 60
    assert 0.1 < share < 0.5
    assert set(runs[0]) == {200, 429}


async def test_injected_429_has_graph_shape_and_retry_after(emulator: Emulator) -> None:
    emulator.add_fault(kind="status", status=429, nth=1, retry_after=3)
    async with graph_client(emulator) as client:
        response = await client.get(f"/beta{POLICY}")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert graph_error(response)["code"] == "TooManyRequests"


async def test_script_second_patch_to_voice_fails_with_500(emulator: Emulator) -> None:
    emulator.add_fault(kind="status", status=500, method="PATCH", path="/Voice$", nth=2)
    body = {"@odata.type": VOICE_TYPE, "isOfficePhoneAllowed": False}
    async with graph_client(emulator) as client:
        results = [(await client.patch(f"/beta{CONFIGS}/Voice", json=body)).status_code for _ in range(3)]
        other = await client.patch(f"/beta{CONFIGS}/Sms", json={"@odata.type": SMS_TYPE, "state": "enabled"})
    assert results == [204, 500, 204]
    assert other.status_code == 204
    log = emulator.requests(method="PATCH", path_contains="/Voice")
    assert [e["status"] for e in log] == [204, 500, 204]
    assert log[1]["fault"] == "status 500"
    assert log[0]["body"] == body


async def test_script_times_covers_consecutive_requests(emulator: Emulator) -> None:
    emulator.add_fault(kind="status", status=503, nth=2, times=2)
    assert await statuses(emulator, 5) == [200, 503, 503, 200, 200]


async def test_fault_scoped_to_a_tenant() -> None:
    emu = Emulator("weak", tenants=2)
    second = emu.tenant_ids[1]
    emu.add_fault(kind="status", status=503, rate=1.0, tenant=second)
    assert await statuses(emu, 2) == [200, 200]
    async with graph_client(emu, tenant=second) as client:
        assert (await client.get(f"/beta{POLICY}")).status_code == 503


async def test_edit_between_plan_and_apply(emulator: Emulator) -> None:
    # "between plan and apply someone edits X": the 2nd GET of the Authenticator config sees a change
    emulator.add_fault(
        kind="edit",
        method="GET",
        path="/MicrosoftAuthenticator$",
        nth=2,
        edit={"configuration": "MicrosoftAuthenticator", "body": {"isSoftwareOathEnabled": False}},
    )
    async with graph_client(emulator) as client:
        plan = (await client.get(f"/beta{CONFIGS}/MicrosoftAuthenticator")).json()
        apply = (await client.get(f"/beta{CONFIGS}/MicrosoftAuthenticator")).json()
    assert plan["isSoftwareOathEnabled"] is True
    assert apply["isSoftwareOathEnabled"] is False


async def test_out_of_band_edit_api(emulator: Emulator) -> None:
    emulator.edit_configuration("Sms", {"state": "disabled"})
    emulator.edit_policy({"policyMigrationState": "migrationComplete"})
    emulator.edit_configuration(
        "MicrosoftAuthenticator",
        {"featureSettings": {"numberMatchingRequiredState": {"state": "disabled"}}},
        force=True,
    )
    async with graph_client(emulator) as client:
        body = (await client.get(f"/beta{POLICY}")).json()
    assert body["policyMigrationState"] == "migrationComplete"
    assert body["authenticationMethodConfigurations"][1]["state"] == "disabled"
    assert body["authenticationMethodConfigurations"][0]["featureSettings"] == {
        "numberMatchingRequiredState": {"state": "disabled"}
    }
    with pytest.raises(Exception, match="does not exist"):
        emulator.edit_configuration("Sms", {"colour": "red"})


async def test_in_process_reset_and_timeout_raise_transport_errors(emulator: Emulator) -> None:
    emulator.add_fault(kind="reset", nth=1)
    async with graph_client(emulator) as client:
        with pytest.raises(httpx.TransportError):
            await client.get(f"/beta{POLICY}")
        emulator.add_fault(kind="timeout", nth=1, hang_s=30)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.get(f"/beta{POLICY}"), 0.2)
    assert issubclass(ConnectionReset, httpx.TransportError)


async def test_latency_knob_per_tenant() -> None:
    emu = Emulator("weak", tenants=2)
    emu.set_latency(150, tenant=emu.tenant_ids[1])
    async with graph_client(emu) as fast, graph_client(emu, tenant=emu.tenant_ids[1]) as slow:
        started = time.perf_counter()
        await fast.get(f"/beta{POLICY}")
        quick = time.perf_counter() - started
        started = time.perf_counter()
        await slow.get(f"/beta{POLICY}")
        delayed = time.perf_counter() - started
    assert delayed >= 0.15 > quick


def test_bad_fault_specs_are_rejected(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="rate"):
        emulator.add_fault(kind="status")
    with pytest.raises(ValueError, match="kind"):
        emulator.add_fault(kind="explode", rate=1)
    with pytest.raises(ValueError, match="knob"):
        emulator.set_knobs(latency=5)


def _ctx(server: RunningEmulator) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.ca_path))


def test_socket_reset_and_timeout(emulator_server: RunningEmulator) -> None:
    emu = emulator_server.emulator
    token = emu.issue_token()
    url = f"{emulator_server.graph_endpoint}/beta{POLICY}"
    headers = {"Authorization": f"Bearer {token}"}
    emu.add_fault(kind="reset", nth=1)
    emu.add_fault(kind="timeout", nth=2, hang_s=30)
    with httpx.Client(verify=_ctx(emulator_server), headers=headers) as client:
        with pytest.raises(httpx.TransportError):
            client.get(url)
        with pytest.raises(httpx.ReadTimeout):
            client.get(url, timeout=0.3)
        assert client.get(url).status_code == 200


def test_control_plane_over_the_socket(emulator_server: RunningEmulator) -> None:
    base = emulator_server.base_url
    token_body: dict[str, Any]
    with httpx.Client(base_url=base, verify=_ctx(emulator_server)) as client:
        summary = client.get("/_emulator/").json()
        assert summary["tenants"][0]["scenario"] == "weak"
        token_body = client.post(
            "/_emulator/token", json={"roles": ["Policy.Read.AuthenticationMethod"]}
        ).json()
        headers = {"Authorization": f"Bearer {token_body['access_token']}"}
        assert (
            client.post("/_emulator/faults", json={"kind": "status", "status": 503, "nth": 1}).status_code
            == 201
        )
        assert client.get(f"/beta{POLICY}", headers=headers).status_code == 503
        assert client.get(f"/beta{POLICY}", headers=headers).status_code == 200
        assert client.post("/_emulator/knobs", json={"latency_ms": 1}).status_code == 200
        app = client.post("/_emulator/apps", json={"roles": ["User.Read.All"], "secret": "s"}).json()
        tenant = summary["tenants"][0]["id"]
        issued = client.post(
            f"/{tenant}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app["client_id"],
                "client_secret": "s",
                "scope": "https://graph.microsoft.com/.default",
            },
        )
        limited = {"Authorization": f"Bearer {issued.json()['access_token']}"}
        assert client.get(f"/beta{POLICY}", headers=limited).status_code == 403
        assert (
            client.post(
                "/_emulator/edit", json={"configuration": "Sms", "body": {"state": "disabled"}}
            ).status_code
            == 200
        )
        assert (
            client.get("/_emulator/policy").json()["authenticationMethodConfigurations"][1]["state"]
            == "disabled"
        )
        log = client.get("/_emulator/requests", params={"path": "authenticationMethodsPolicy"}).json()[
            "value"
        ]
        assert [e["status"] for e in log] == [503, 200, 403]
        assert all("access_token" not in json.dumps(e) for e in log)
        bad = client.post("/_emulator/faults", json={"kind": "nope", "rate": 1})
        assert bad.status_code == 400
        assert client.post("/_emulator/reset").status_code == 200
        assert client.get("/_emulator/requests").json()["value"] == []


async def test_write_quota_is_per_app_per_tenant_with_retry_after() -> None:
    emu = Emulator("weak")
    emu.set_knobs(write_limit=3, write_window_s=150)
    body = {"@odata.type": SMS_TYPE, "state": "enabled"}
    async with graph_client(emu) as client:
        results = [(await client.patch(f"/beta{CONFIGS}/Sms", json=body)).status_code for _ in range(4)]
        throttled = await client.patch(f"/beta{CONFIGS}/Sms", json=body)
        reads = await client.get(f"/beta{POLICY}")
    assert results == [204, 204, 204, 429]
    assert throttled.headers["x-ms-throttle-information"] == "WriteLimitExceeded"
    assert 140 <= int(throttled.headers["Retry-After"]) <= 150
    assert reads.status_code == 200


async def test_latency_jitter_is_seeded() -> None:
    emu = Emulator("weak", seed=3)
    emu.set_knobs(latency_ms=0, latency_jitter_ms=40)
    tenant = emu.default_tenant
    first = [emu.latency_s(tenant) for _ in range(5)]
    again = Emulator("weak", seed=3)
    again.set_knobs(latency_ms=0, latency_jitter_ms=40)
    assert first == [again.latency_s(again.default_tenant) for _ in range(5)]
    assert all(0 <= x <= 0.04 for x in first) and len(set(first)) == 5


def test_reset_restores_the_constructed_state() -> None:
    from mfaguard.emulator import Knobs

    emu = Emulator("weak", knobs=Knobs(latency_ms=7))
    emu.set_knobs(latency_ms=99, consistency_delay_s=3)
    emu.edit_configuration("Sms", {"state": "disabled"})
    emu.add_fault(kind="status", status=503, rate=1.0)
    emu.reset()
    assert emu.knobs.latency_ms == 7 and emu.knobs.consistency_delay_s == 0
    assert emu.stored_configuration("Sms")["state"] == "enabled"
    assert emu.faults.rules == [] and emu.requests() == []
