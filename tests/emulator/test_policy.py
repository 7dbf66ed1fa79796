"""The policy endpoints: shapes per version, PATCH semantics and every validation rule Graph applies."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mfaguard.emulator import ROLE_POLICY_READ, ROLE_POLICY_WRITE, Emulator
from tests.emulator.conftest import AUTHENTICATOR_TYPE, CONFIGS, POLICY, SMS_TYPE, FakeClock, graph_error
from tests.emulator_fixtures import graph_client

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def get_json(emu: Emulator, path: str, **kwargs: Any) -> Any:
    async with graph_client(emu, **kwargs) as client:
        response = await client.get(path)
        assert response.status_code == 200, response.text
        return response.json()


async def patch(emu: Emulator, path: str, body: Any, *, version: str = "beta", roles: Any = None) -> Any:
    async with graph_client(emu, roles=roles) as client:
        return await client.patch(f"/{version}{path}", json=body)


async def test_beta_policy_has_configurations_inline_and_beta_fields(emulator: Emulator) -> None:
    body = await get_json(emulator, f"/beta{POLICY}")
    assert body["@odata.context"].endswith("/beta/$metadata#policies/authenticationMethodsPolicy")
    assert body["id"] == "authenticationMethodsPolicy"
    assert body["policyMigrationState"] == "migrationInProgress"
    assert "reportSuspiciousActivitySettings" in body
    assert "systemCredentialPreferences" in body
    ids = [c["id"] for c in body["authenticationMethodConfigurations"]]
    assert ids[:3] == ["MicrosoftAuthenticator", "Sms", "Voice"]
    assert "HardwareOath" in ids
    auth = body["authenticationMethodConfigurations"][0]
    assert auth["@odata.type"] == AUTHENTICATOR_TYPE
    assert set(auth["featureSettings"]) == {
        "numberMatchingRequiredState",
        "displayAppInformationRequiredState",
        "displayLocationInformationRequiredState",
        "companionAppAllowedState",
    }


async def test_v1_policy_follows_v1_metadata(emulator: Emulator) -> None:
    body = await get_json(emulator, f"/v1.0{POLICY}")
    assert "/v1.0/" in body["@odata.context"]
    assert "reportSuspiciousActivitySettings" not in body
    assert "systemCredentialPreferences" not in body
    campaign = body["registrationEnforcement"]["authenticationMethodsRegistrationCampaign"]
    assert "enforceRegistrationAfterAllowedSnoozes" not in campaign
    ids = [c["id"] for c in body["authenticationMethodConfigurations"]]
    assert "HardwareOath" not in ids
    auth = body["authenticationMethodConfigurations"][0]
    assert set(auth["featureSettings"]) == {
        "displayAppInformationRequiredState",
        "displayLocationInformationRequiredState",
    }


async def test_v1_wire_knob_returns_beta_fields_on_v1(emulator: Emulator) -> None:
    emulator.set_knobs(v1_wire_includes_beta=True)
    body = await get_json(emulator, f"/v1.0{POLICY}")
    assert "reportSuspiciousActivitySettings" in body
    assert "numberMatchingRequiredState" in body["authenticationMethodConfigurations"][0]["featureSettings"]


@pytest.mark.parametrize(
    "path_id", ["MicrosoftAuthenticator", "microsoftAuthenticator", "MICROSOFTAUTHENTICATOR"]
)
async def test_configuration_ids_are_case_insensitive(emulator: Emulator, path_id: str) -> None:
    body = await get_json(emulator, f"/beta{CONFIGS}/{path_id}")
    assert body["id"] == "MicrosoftAuthenticator"
    assert body["@odata.context"].endswith("/$entity")
    assert "includeTargets@odata.context" in body


async def test_unknown_configuration_is_404(emulator: Emulator) -> None:
    async with graph_client(emulator) as client:
        response = await client.get(f"/beta{CONFIGS}/NoSuchMethod")
    assert response.status_code == 404
    assert graph_error(response)["code"] == "Request_ResourceNotFound"


async def test_hardware_oath_is_not_on_v1(emulator: Emulator) -> None:
    async with graph_client(emulator) as client:
        response = await client.get(f"/v1.0{CONFIGS}/HardwareOath")
    assert response.status_code == 404


async def test_patch_configuration_returns_204_and_replaces_collections(emulator: Emulator) -> None:
    staff = emulator.default_tenant.directory.iter_groups(0)
    group_id = next(staff)[1]["id"]
    response = await patch(
        emulator,
        f"{CONFIGS}/sms",
        {
            "@odata.type": SMS_TYPE,
            "state": "disabled",
            "includeTargets": [{"id": group_id, "targetType": "group"}],
        },
    )
    assert response.status_code == 204
    assert response.content == b""
    stored = emulator.stored_configuration("Sms")
    assert stored["state"] == "disabled"
    # the whole collection is replaced; defaults are filled for what the body left out
    assert stored["includeTargets"] == [
        {"id": group_id, "targetType": "group", "isRegistrationRequired": False, "isUsableForSignIn": True}
    ]
    assert stored["excludeTargets"] == []  # untouched


async def test_patch_replaces_a_feature_object_whole(emulator: Emulator) -> None:
    before = emulator.stored_configuration("MicrosoftAuthenticator")["featureSettings"]
    response = await patch(
        emulator,
        f"{CONFIGS}/MicrosoftAuthenticator",
        {
            "@odata.type": AUTHENTICATOR_TYPE,
            "featureSettings": {"displayLocationInformationRequiredState": {"state": "enabled"}},
        },
    )
    assert response.status_code == 204, response.text
    after = emulator.stored_configuration("MicrosoftAuthenticator")["featureSettings"]
    # the weak scenario excluded a group from location context; the replaced object has no exclusion
    assert (
        before["displayLocationInformationRequiredState"]["excludeTarget"]["id"]
        != "00000000-0000-0000-0000-000000000000"
    )
    assert after["displayLocationInformationRequiredState"] == {
        "state": "enabled",
        "includeTarget": {"targetType": "group", "id": "all_users"},
        "excludeTarget": {"targetType": "group", "id": "00000000-0000-0000-0000-000000000000"},
    }
    assert after["displayAppInformationRequiredState"] == before["displayAppInformationRequiredState"]


async def test_patch_without_odata_type_is_400(emulator: Emulator) -> None:
    response = await patch(emulator, f"{CONFIGS}/Sms", {"state": "disabled"})
    assert response.status_code == 400
    assert "@odata.type" in graph_error(response)["message"]
    assert emulator.stored_configuration("Sms")["state"] == "enabled"


async def test_patch_with_mismatched_odata_type_is_400(emulator: Emulator) -> None:
    response = await patch(
        emulator, f"{CONFIGS}/Sms", {"@odata.type": AUTHENTICATOR_TYPE, "state": "disabled"}
    )
    assert response.status_code == 400
    assert "does not match" in graph_error(response)["message"]


async def test_unknown_property_is_400(emulator: Emulator) -> None:
    response = await patch(emulator, f"{CONFIGS}/Sms", {"@odata.type": SMS_TYPE, "stat": "disabled"})
    assert response.status_code == 400
    error = graph_error(response)
    assert error["code"] == "BadRequest"
    assert (
        "The property 'stat' does not exist on type 'microsoft.graph.smsAuthenticationMethodConfiguration'"
        in error["message"]
    )


async def test_unknown_nested_property_is_400(emulator: Emulator) -> None:
    body = {
        "@odata.type": AUTHENTICATOR_TYPE,
        "featureSettings": {"displayAppInformationRequiredState": {"state": "enabled", "colour": "blue"}},
    }
    response = await patch(emulator, f"{CONFIGS}/MicrosoftAuthenticator", body)
    assert response.status_code == 400
    assert "authenticationMethodFeatureConfiguration" in graph_error(response)["message"]


@pytest.mark.parametrize(
    ("config", "odata_type", "body"),
    [
        ("Sms", SMS_TYPE, {"state": "on"}),
        ("Sms", SMS_TYPE, {"state": "default"}),  # authenticationMethodState has no default
        (
            "MicrosoftAuthenticator",
            AUTHENTICATOR_TYPE,
            {"featureSettings": {"displayAppInformationRequiredState": {"state": "unknownFutureValue"}}},
        ),
        (
            "MicrosoftAuthenticator",
            AUTHENTICATOR_TYPE,
            {"includeTargets": [{"id": "all_users", "targetType": "group", "authenticationMode": "pushy"}]},
        ),
        (
            "MicrosoftAuthenticator",
            AUTHENTICATOR_TYPE,
            {"includeTargets": [{"id": "all_users", "targetType": "team"}]},
        ),
    ],
)
async def test_bad_enum_value_is_400(
    emulator: Emulator, config: str, odata_type: str, body: dict[str, Any]
) -> None:
    response = await patch(emulator, f"{CONFIGS}/{config}", {"@odata.type": odata_type, **body})
    assert response.status_code == 400
    assert "not a valid value" in graph_error(response)["message"]


async def test_wrong_json_type_is_400(emulator: Emulator) -> None:
    response = await patch(
        emulator,
        f"{CONFIGS}/MicrosoftAuthenticator",
        {"@odata.type": AUTHENTICATOR_TYPE, "isSoftwareOathEnabled": "false"},
    )
    assert response.status_code == 400
    assert "Edm.Boolean" in graph_error(response)["message"]


async def test_number_matching_in_patch_is_rejected_with_the_service_message(emulator: Emulator) -> None:
    current = emulator.stored_configuration("MicrosoftAuthenticator")
    body = {"@odata.type": AUTHENTICATOR_TYPE, "featureSettings": copy.deepcopy(current["featureSettings"])}
    response = await patch(emulator, f"{CONFIGS}/MicrosoftAuthenticator", body)
    assert response.status_code == 400
    assert graph_error(response)["message"] == (
        "Persistance of policy failed with error: Microsoft Authenticator's number matching feature can no "
        "longer be toggled as part of featureSettings."
    )
    assert emulator.stored_configuration("MicrosoftAuthenticator") == current


async def test_number_matching_is_writable_in_legacy_2022() -> None:
    emu = Emulator("legacy-2022")
    pilot = next(emu.default_tenant.directory.iter_groups(0))[1]["id"]
    body = {
        "@odata.type": AUTHENTICATOR_TYPE,
        "featureSettings": {
            "numberMatchingRequiredState": {
                "state": "enabled",
                "includeTarget": {"targetType": "group", "id": pilot},
                "excludeTarget": {"targetType": "group", "id": "00000000-0000-0000-0000-000000000000"},
            }
        },
    }
    response = await patch(emu, f"{CONFIGS}/MicrosoftAuthenticator", body)
    assert response.status_code == 204, response.text
    stored = emu.stored_configuration("MicrosoftAuthenticator")["featureSettings"][
        "numberMatchingRequiredState"
    ]
    assert stored["state"] == "enabled" and stored["includeTarget"]["id"] == pilot
    # ... with its three values only, and without the 2023 Authenticator Lite setting
    bad = {
        "@odata.type": AUTHENTICATOR_TYPE,
        "featureSettings": {"numberMatchingRequiredState": {"state": "on"}},
    }
    assert (await patch(emu, f"{CONFIGS}/MicrosoftAuthenticator", bad)).status_code == 400
    lite = {
        "@odata.type": AUTHENTICATOR_TYPE,
        "featureSettings": {"companionAppAllowedState": {"state": "disabled"}},
    }
    response = await patch(emu, f"{CONFIGS}/MicrosoftAuthenticator", lite)
    assert response.status_code == 400
    assert "companionAppAllowedState" in graph_error(response)["message"]


async def test_number_matching_on_v1_is_an_unknown_property(emulator: Emulator) -> None:
    body = {
        "@odata.type": AUTHENTICATOR_TYPE,
        "featureSettings": {"numberMatchingRequiredState": {"state": "enabled"}},
    }
    response = await patch(emulator, f"{CONFIGS}/MicrosoftAuthenticator", body, version="v1.0")
    assert response.status_code == 400
    assert "does not exist" in graph_error(response)["message"]


@pytest.mark.parametrize("where", ["includeTargets", "excludeTargets"])
async def test_unknown_group_in_targets_is_400(emulator: Emulator, where: str) -> None:
    body = {
        "@odata.type": SMS_TYPE,
        where: [{"id": "5f0e6c2a-0000-4000-8000-000000000bad", "targetType": "group"}],
    }
    response = await patch(emulator, f"{CONFIGS}/Sms", body)
    assert response.status_code == 400
    assert "5f0e6c2a-0000-4000-8000-000000000bad" in graph_error(response)["message"]


async def test_unknown_group_in_feature_target_is_400(emulator: Emulator) -> None:
    body = {
        "@odata.type": AUTHENTICATOR_TYPE,
        "featureSettings": {
            "displayAppInformationRequiredState": {
                "state": "enabled",
                "includeTarget": {"targetType": "group", "id": "5f0e6c2a-0000-4000-8000-000000000bad"},
            }
        },
    }
    assert (await patch(emulator, f"{CONFIGS}/MicrosoftAuthenticator", body)).status_code == 400


async def test_id_in_body_must_match(emulator: Emulator) -> None:
    ok = await patch(emulator, f"{CONFIGS}/sms", {"@odata.type": SMS_TYPE, "id": "Sms", "state": "disabled"})
    assert ok.status_code == 204
    bad = await patch(emulator, f"{CONFIGS}/Sms", {"@odata.type": SMS_TYPE, "id": "Voice"})
    assert bad.status_code == 400


async def test_odata_annotations_from_a_get_are_ignored(emulator: Emulator) -> None:
    async with graph_client(emulator) as client:
        got = (await client.get(f"/beta{CONFIGS}/Voice")).json()
        got["state"] = "disabled"
        response = await client.patch(f"/beta{CONFIGS}/Voice", json=got)
    assert response.status_code == 204, response.text
    assert emulator.stored_configuration("Voice")["state"] == "disabled"


async def test_write_needs_the_write_role(emulator: Emulator) -> None:
    response = await patch(
        emulator,
        f"{CONFIGS}/Sms",
        {"@odata.type": SMS_TYPE, "state": "disabled"},
        roles=[ROLE_POLICY_READ, "Policy.Read.All"],
    )
    assert response.status_code == 403
    assert graph_error(response)["code"] == "Authorization_RequestDenied"
    assert emulator.stored_configuration("Sms")["state"] == "enabled"


@pytest.mark.parametrize("role", [ROLE_POLICY_READ, ROLE_POLICY_WRITE, "Policy.Read.All"])
async def test_each_read_role_may_read(emulator: Emulator, role: str) -> None:
    await get_json(emulator, f"/beta{POLICY}", roles=[role])


async def test_read_without_a_policy_role_is_403(emulator: Emulator) -> None:
    async with graph_client(emulator, roles=["User.Read.All"]) as client:
        response = await client.get(f"/beta{POLICY}")
    assert response.status_code == 403
    assert graph_error(response)["code"] == "Authorization_RequestDenied"


async def test_root_patch_returns_200_with_the_policy(emulator: Emulator) -> None:
    body = {
        "reportSuspiciousActivitySettings": {
            "state": "enabled",
            "includeTarget": {"targetType": "group", "id": "all_users"},
        },
        "policyMigrationState": "migrationComplete",
        "displayName": "ignored (read-only)",
    }
    response = await patch(emulator, POLICY, body)
    assert response.status_code == 200
    out = response.json()
    assert out["reportSuspiciousActivitySettings"] == {
        "state": "enabled",
        "voiceReportingCode": 0,
        "includeTarget": {"targetType": "group", "id": "all_users"},
    }
    assert out["policyMigrationState"] == "migrationComplete"
    assert out["displayName"] == "Authentication Methods Policy"


@pytest.mark.parametrize(
    "body",
    [
        {"policyMigrationState": "premigration"},
        {"authenticationMethodConfigurations": []},
        {
            "registrationEnforcement": {
                "authenticationMethodsRegistrationCampaign": {"snoozeDurationInDays": 15}
            }
        },
        {
            "systemCredentialPreferences": {
                "state": "enabled",
                "includeTargets": [{"id": "nope", "targetType": "group"}],
            }
        },
        {"reportSuspiciousActivitySettings": {"state": "enabled", "voiceReportingCode": "0"}},
        {"@odata.type": "#microsoft.graph.policyBase"},
    ],
)
async def test_root_patch_validation(emulator: Emulator, body: dict[str, Any]) -> None:
    before = emulator.stored_policy().root
    response = await patch(emulator, POLICY, body)
    assert response.status_code == 400, response.text
    graph_error(response)
    assert emulator.stored_policy().root == before


async def test_migration_cannot_go_back_to_pre_migration(emulator: Emulator) -> None:
    response = await patch(emulator, POLICY, {"policyMigrationState": "preMigration"})
    assert response.status_code == 400


async def test_v1_root_patch_rejects_beta_only_objects(emulator: Emulator) -> None:
    response = await patch(
        emulator, POLICY, {"systemCredentialPreferences": {"state": "enabled"}}, version="v1.0"
    )
    assert response.status_code == 400


async def test_consistency_delay_keeps_the_old_object_visible() -> None:
    clock = FakeClock()
    emu = Emulator("weak", clock=clock)
    emu.set_consistency_delay(5)
    response = await patch(emu, f"{CONFIGS}/Sms", {"@odata.type": SMS_TYPE, "state": "disabled"})
    assert response.status_code == 204
    assert (await get_json(emu, f"/beta{CONFIGS}/Sms"))["state"] == "enabled"
    clock.advance(4.9)
    policy = await get_json(emu, f"/beta{POLICY}")
    assert policy["authenticationMethodConfigurations"][1]["state"] == "enabled"
    clock.advance(0.2)
    assert (await get_json(emu, f"/beta{CONFIGS}/Sms"))["state"] == "disabled"


async def test_writes_build_on_the_stored_state_not_the_stale_view() -> None:
    clock = FakeClock()
    emu = Emulator("weak", clock=clock)
    emu.set_consistency_delay(10)
    await patch(emu, f"{CONFIGS}/Sms", {"@odata.type": SMS_TYPE, "state": "disabled"})
    await patch(emu, f"{CONFIGS}/Sms", {"@odata.type": SMS_TYPE, "includeTargets": []})
    clock.advance(11)
    sms = await get_json(emu, f"/beta{CONFIGS}/Sms")
    assert sms["state"] == "disabled" and sms["includeTargets"] == []


async def test_patch_with_invalid_json_or_empty_body(emulator: Emulator) -> None:
    async with graph_client(emulator) as client:
        bad = await client.patch(
            f"/beta{CONFIGS}/Sms", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        empty = await client.patch(f"/beta{CONFIGS}/Sms", content=b"")
    assert bad.status_code == 400 and "JSON" in graph_error(bad)["message"]
    assert empty.status_code == 400 and "Empty Payload" in graph_error(empty)["message"]


async def test_unknown_segment_and_method(emulator: Emulator) -> None:
    async with graph_client(emulator) as client:
        unknown = await client.get("/beta/policies/authenticationMethodPolicy")
        method = await client.delete(f"/beta{POLICY}")
    assert unknown.status_code == 400
    assert "Resource not found for the segment" in graph_error(unknown)["message"]
    assert method.status_code == 405


async def test_policy_over_20_kb_is_refused(emulator: Emulator) -> None:
    groups = [g["id"] for _, g in emulator.default_tenant.directory.iter_groups(0)]
    targets = [{"id": g, "targetType": "group"} for g in groups] * 40  # ~320 targets
    response = await patch(emulator, f"{CONFIGS}/Sms", {"@odata.type": SMS_TYPE, "excludeTargets": targets})
    assert response.status_code == 400
    assert "Consolidate targets" in graph_error(response)["message"]
    emulator.set_knobs(policy_size_limit_bytes=0)
    assert (
        await patch(emulator, f"{CONFIGS}/Sms", {"@odata.type": SMS_TYPE, "excludeTargets": targets})
    ).status_code == 204
