"""Graph v1.0 JSON → Conditional Access models: every property read, unknown values kept, paths named."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mfaguard.graph.ca_parse import (
    parse_authentication_strengths,
    parse_conditional_access,
    parse_licences,
    parse_named_locations,
    parse_policies,
    parse_role_assignments,
    parse_security_defaults,
    problem_from_read_error,
)
from mfaguard.graph.parse import PolicyShapeError
from mfaguard.model.conditional_access import (
    AAD_PREMIUM_P1_PLAN,
    AAD_PREMIUM_P2_PLAN,
    CLIENT_APP_TYPES,
    GRANT_CONTROLS,
    PART_NAMED_LOCATIONS,
    PART_POLICIES,
    PART_ROLE_ASSIGNMENTS,
    PART_SECURITY_DEFAULTS,
    PART_STRENGTHS,
    PRIVILEGED_ROLES,
    SECURITY_DEFAULTS_ROLES,
    Part,
    unknown_values,
)
from mfaguard.model.directory import ProblemKind, ReadProblem
from tests.builders.conditional_access import (
    GA,
    PHISHING_RESISTANT,
    country_location,
    grant,
    guest_types,
    ip_location,
    licence_error,
    permission_error,
    policy,
    role,
    sign_in_frequency_every_time,
    users,
)

Json = dict[str, Any]


def graph_policy() -> Json:
    """A policy as GET /v1.0/identity/conditionalAccess/policies returns it, every condition set."""
    body = policy(
        "Require MFA",
        user_condition=users(
            ["All"],
            ["bg-user"],
            exclude_groups=["bg-group"],
            exclude_roles=[GA],
            exclude_guests=guest_types(
                "internalGuest,b2bDirectConnectUser", kind="enumerated", tenants=["t-1"]
            ),
        ),
        client_apps=["browser", "mobileAppsAndDesktopClients"],
        platforms=(["all"], ["linux"]),
        locations=(["All"], ["AllTrusted", "loc-1"]),
        sign_in_risk=["high"],
        insider_risk="minor,elevated",
        device_filter=("exclude", 'device.trustType -eq "ServerAD"'),
        transfer_methods="deviceCodeFlow,authenticationTransfer",
        grant_controls=grant("mfa", "compliantDevice", terms=["tou-1"], custom=["duo"]),
        session=sign_in_frequency_every_time(),
    )
    body["grantControls"]["authenticationStrength"] = copy.deepcopy(PHISHING_RESISTANT)
    body["conditions"]["applications"]["applicationFilter"] = {
        "mode": "include",
        "rule": 'CustomSecurityAttribute.x -eq "y"',
    }
    return body


def test_parses_every_property_of_a_graph_policy() -> None:
    (parsed,) = parse_policies(
        {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies", "value": [graph_policy()]}
    )
    assert (parsed.id, parsed.display_name, parsed.state) == ("policy-require-mfa", "Require MFA", "enabled")
    assert parsed.modified is not None and parsed.modified.isoformat() == "2026-06-01T09:30:00+00:00"
    conditions = parsed.conditions
    user_conditions = conditions.users
    assert user_conditions is not None
    assert user_conditions.includes_all and user_conditions.exclude_users == ("bg-user",)
    assert user_conditions.exclude_groups == ("bg-group",) and user_conditions.exclude_roles == (GA,)
    guests = user_conditions.exclude_guests_or_external_users
    assert guests is not None
    assert guests.guest_or_external_user_types == ("internalGuest", "b2bDirectConnectUser")
    assert (guests.membership_kind, guests.members) == ("enumerated", ("t-1",))
    assert conditions.client_app_types == ("browser", "mobileAppsAndDesktopClients")
    assert conditions.platforms is not None and conditions.platforms.exclude_platforms == ("linux",)
    assert conditions.locations is not None and conditions.locations.exclude_locations == (
        "AllTrusted",
        "loc-1",
    )
    assert conditions.sign_in_risk_levels == ("high",)
    assert conditions.insider_risk_levels == ("minor", "elevated")
    assert conditions.device_filter is not None and conditions.device_filter.mode == "exclude"
    assert conditions.transfer_methods == ("deviceCodeFlow", "authenticationTransfer")
    apps = conditions.applications
    assert apps is not None and apps.application_filter is not None and not apps.all_resources
    grant_controls = parsed.grant_controls
    assert grant_controls is not None
    assert grant_controls.operator == "OR"
    assert grant_controls.built_in_controls == ("mfa", "compliantDevice")
    assert grant_controls.custom_authentication_factors == ("duo",)
    assert grant_controls.terms_of_use == ("tou-1",)
    strength = grant_controls.authentication_strength
    assert strength is not None and strength.requirements_satisfied == ("mfa",)
    assert strength.allowed_combinations == ("windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor")
    assert parsed.session_controls is not None and parsed.session_controls.sign_in_frequency is not None
    assert parsed.session_controls.sign_in_frequency.every_time


def test_unknown_enum_values_and_properties_are_kept_and_named() -> None:
    body = policy(
        state="somethingNew",
        client_apps=["browser", "unknownFutureValue", "holographic"],
        platforms=(["linux", "unknownFutureValue"], []),
        grant_controls=grant("riskRemediation", "brandNewControl"),
    )
    body["futureProperty"] = {"x": 1}
    (parsed,) = parse_policies([body])
    assert parsed.state == "somethingNew"
    assert unknown_values(parsed.conditions.client_app_types, CLIENT_APP_TYPES) == (
        "unknownFutureValue",
        "holographic",
    )
    assert parsed.grant_controls is not None
    assert unknown_values(parsed.grant_controls.built_in_controls, GRANT_CONTROLS) == ("brandNewControl",)
    assert parsed.conditions.platforms is not None
    assert parsed.conditions.platforms.include_platforms == ("linux", "unknownFutureValue")
    assert parsed.raw["futureProperty"] == {"x": 1}


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda b: b.__setitem__("state", 5), "policies[0].state"),
        (
            lambda b: b["conditions"]["users"].__setitem__("includeGroups", "g1"),
            "policies[0].conditions.users.includeGroups",
        ),
        (
            lambda b: b["conditions"]["users"].__setitem__("includeGroups", [7]),
            "policies[0].conditions.users.includeGroups[0]",
        ),
        (
            lambda b: b["grantControls"].__setitem__("builtInControls", {"mfa": True}),
            "policies[0].grantControls.builtInControls",
        ),
        (lambda b: b.__delitem__("conditions"), "policies[0].conditions"),
        (lambda b: b.__delitem__("id"), "policies[0].id"),
        (lambda b: b.__setitem__("modifiedDateTime", "yesterday"), "policies[0].modifiedDateTime"),
        (
            lambda b: b["conditions"].__setitem__(
                "devices", {"deviceFilter": {"mode": "include", "rule": 3}}
            ),
            "policies[0].conditions.devices.deviceFilter.rule",
        ),
    ],
)
def test_wrong_json_type_names_the_field_path(mutate: Any, path: str) -> None:
    body = policy()
    mutate(body)
    with pytest.raises(PolicyShapeError) as caught:
        parse_policies([body])
    assert caught.value.path == path


def test_a_collection_must_be_an_array_of_objects() -> None:
    with pytest.raises(PolicyShapeError) as caught:
        parse_policies({"value": {"id": "x"}})
    assert caught.value.path == "policies.value"
    with pytest.raises(PolicyShapeError) as caught:
        parse_policies(["not an object"])
    assert caught.value.path == "policies[0]"


def test_strengths_named_locations_security_defaults_and_roles() -> None:
    (strength,) = parse_authentication_strengths({"value": [PHISHING_RESISTANT]})
    assert (strength.id, strength.policy_type) == ("00000000-0000-0000-0000-000000000004", "builtIn")
    ip, country = parse_named_locations(
        [
            ip_location("l1", "HQ", trusted=True, cidr="2001:db8::/48"),
            {**country_location("l2", "NL", ["NL"]), "isTrusted": True},
        ]
    )
    assert (ip.kind, ip.is_trusted, ip.ip_ranges) == ("ip", True, ("2001:db8::/48",))
    assert (country.kind, country.is_trusted, country.countries_and_regions) == ("country", False, ("NL",))
    assert parse_security_defaults(
        {"id": "00000000-0000-0000-0000-000000000005", "isEnabled": True}
    ).is_enabled
    with pytest.raises(PolicyShapeError) as caught:
        parse_security_defaults({"isEnabled": "yes"})
    assert caught.value.path == "security_defaults.isEnabled"
    grouped, direct = parse_role_assignments(
        [role(GA, "G-1", principal_type="group"), role(GA.upper(), "U-1")]
    )
    assert (grouped.principal_type, grouped.principal_id, grouped.at_directory_scope) == (
        "group",
        "g-1",
        True,
    )
    assert (direct.principal_type, direct.role_definition_id) == (None, GA)


def test_licences_from_subscribed_skus() -> None:
    def sku(plan: str, *, status: str = "Enabled", provisioning: str = "Success") -> Json:
        return {
            "capabilityStatus": status,
            "servicePlans": [{"servicePlanId": plan, "provisioningStatus": provisioning}],
        }

    assert (parse_licences([sku(AAD_PREMIUM_P1_PLAN)]).p1, parse_licences([sku(AAD_PREMIUM_P1_PLAN)]).p2) == (
        True,
        False,
    )
    assert parse_licences({"value": [sku(AAD_PREMIUM_P2_PLAN)]}).p2 is True
    assert parse_licences([sku(AAD_PREMIUM_P1_PLAN, status="Suspended")]).p1 is False
    assert parse_licences([sku(AAD_PREMIUM_P1_PLAN, provisioning="Disabled")]).p1 is False


def test_snapshot_shape_parts_and_read_errors() -> None:
    assert parse_conditional_access(None) is None
    data = parse_conditional_access(
        {"policies": [policy()], "authentication_strengths": [], "security_defaults": {"isEnabled": False}},
        read_errors={
            PART_NAMED_LOCATIONS: permission_error(PART_NAMED_LOCATIONS),
            PART_ROLE_ASSIGNMENTS: "HTTP 500 from Graph",
        },
    )
    assert data is not None
    assert data.policies.readable and len(data.policy_list()) == 1
    assert (
        data.named_locations.problem is not None
        and data.named_locations.problem.kind is ProblemKind.PERMISSION
    )
    assert (
        data.role_assignments.problem is not None and data.role_assignments.problem.kind is ProblemKind.ERROR
    )
    assert {p.what for p in data.problems} == {PART_NAMED_LOCATIONS, PART_ROLE_ASSIGNMENTS}


def test_a_part_absent_without_a_read_error_is_unreadable_never_empty() -> None:
    data = parse_conditional_access({}, role_assignments=[])
    assert data is not None
    missing = {p.what for p in data.problems}
    assert missing == {PART_POLICIES, PART_STRENGTHS, PART_NAMED_LOCATIONS, PART_SECURITY_DEFAULTS}
    assert data.role_assignments.readable


def test_read_error_classification() -> None:
    assert problem_from_read_error(PART_POLICIES, licence_error()).kind is ProblemKind.LICENSE
    assert (
        problem_from_read_error(PART_POLICIES, "Authorization_RequestDenied (HTTP 403)").kind
        is ProblemKind.ERROR
    )
    assert (
        problem_from_read_error(PART_POLICIES, {"kind": "license", "reason": "no P1"}).kind
        is ProblemKind.LICENSE
    )
    assert problem_from_read_error(PART_POLICIES, {"kind": "bogus"}).kind is ProblemKind.ERROR


def test_a_part_is_read_or_unreadable_never_neither() -> None:
    with pytest.raises(ValueError, match="either read"):
        Part()
    with pytest.raises(ValueError, match="either read"):
        Part(value=(), problem=ReadProblem("x", ProblemKind.ERROR, "y"))


def test_role_sets() -> None:
    assert len(PRIVILEGED_ROLES) == 14 and GA in PRIVILEGED_ROLES
    assert len(SECURITY_DEFAULTS_ROLES) == 16
    assert "0526716b-113d-4c15-b2c8-68e3c22b9f80" in SECURITY_DEFAULTS_ROLES
    assert "f2ef992c-3afb-46b9-b7cf-a126ee74c451" not in SECURITY_DEFAULTS_ROLES
