"""``explain`` for Conditional Access: one sentence per policy, the chain, and cells when they matter."""

from __future__ import annotations

from mfaguard.coverage.ca_explain import explain_requirement
from mfaguard.coverage.requirement import RequirementEngine
from mfaguard.model.conditional_access import PART_POLICIES
from tests.builders.conditional_access import (
    GA,
    NOW,
    apps,
    ca,
    grant,
    ip_location,
    licence_error,
    policy,
    role,
    users,
)
from tests.builders.directory import group, people, user

DIRECTORY = people(
    "u",
    user("off", enabled=False),
    groups=[group("g1", groups=["g2"], name="All staff"), group("g2", ["u"], name="Contractors")],
)


def explain_lines(data: object, uid: str = "u") -> list[str]:
    engine = RequirementEngine(data, DIRECTORY, now=NOW)  # type: ignore[arg-type]
    return explain_requirement(engine, DIRECTORY.users[uid]).lines()  # type: ignore[index]


def test_each_policy_applies_excluded_or_does_not_apply_with_why() -> None:
    data = ca(
        [
            policy("Require MFA", user_condition=users(exclude_groups=["g1"])),
            policy("Office only", app_condition=apps(["Office365"])),
            policy("Risky", sign_in_risk=["high"], grant_controls=grant("block")),
            policy("Off", state="disabled"),
            policy("Admins", user_condition=users([], roles=[GA])),
            policy("App protection", grant_controls=grant("mfa", "compliantApplication")),
        ],
        roles=[role(GA, "someone-else")],
    )
    lines = explain_lines(data)
    assert lines[0] == "requirement conditional: or_alternative:App protection on android/iOS/windows"
    assert "excluded from 'Require MFA' via group Contractors ← nested in All staff" in lines
    assert (
        "'Office only' does not apply because it targets some resources only (Office365), not all resources"
        in lines
    )
    assert "'Risky' does not apply because it applies only under risk (signInRiskLevels high)" in lines
    assert "'Off' does not apply because it is disabled" in lines
    assert "'Admins' does not apply because the user is in none of its include targets" in lines
    at = lines.index("'App protection' applies: included via all users")
    assert lines[at + 1 : at + 3] == [
        "  grant on android, iOS, windows: satisfied without MFA by compliantApplication",
        "  grant on macOS, linux, windowsPhone, unknown: requires MFA "
        "(not strict: the alternative compliantApplication cannot be met)",
    ]


def test_cells_when_they_matter() -> None:
    data = ca(
        [
            policy(
                "Modern",
                client_apps=["browser", "mobileAppsAndDesktopClients"],
                platforms=(["all"], ["linux"]),
                locations=(["All"], ["branch", "hq"]),
            )
        ],
        locations=[ip_location("branch", "Branch"), ip_location("hq", "HQ", trusted=True)],
    )
    lines = explain_lines(data)
    assert lines[0] == (
        "requirement conditional: client_app:exchangeActiveSync, client_app:other, platform:linux, location:Branch, "
        "trusted_location_exempt:Modern"
    )
    assert lines[lines.index("'Modern' applies: included via all users") + 1 :] == [
        "  not on client apps exchangeActiveSync, other (clientAppTypes)",
        "  not on platforms linux (platforms)",
        "  not at Branch (locations)",
        "  trusted locations exempt (HQ): not attacker sign-ins (trusted_location_exempt)",
        "  grant: requires MFA (strict)",
    ]


def test_report_only_policy_is_marked_and_the_shadow_shown() -> None:
    lines = explain_lines(ca([policy(state="enabledForReportingButNotEnforced")]))
    assert lines[:2] == [
        "requirement not_required: report_only_only",
        "if every report-only policy were on: mfa",
    ]
    assert (
        "'P' applies: included via all users [report-only since 2026-06-01 (183 days): counts only for the "
        "shadow requirement]"
    ) in lines
    assert (
        "  on exchangeActiveSync, other: MFA cannot be done on legacy clients, so those sign-ins are blocked"
        in lines
    )


def test_no_p1_and_disabled_account_are_said() -> None:
    lines = explain_lines(ca([policy()], read_errors={PART_POLICIES: licence_error()}), "off")
    assert lines[2:4] == [
        "Conditional Access cannot apply: the tenant has no Entra ID P1, and security defaults are off",
        "account disabled: it cannot sign in, so it is not counted",
    ]


def test_json_shape() -> None:
    engine = RequirementEngine(ca([policy()]), DIRECTORY, now=NOW)
    document = explain_requirement(engine, DIRECTORY.users["u"]).to_json()  # type: ignore[index]
    assert document["requirement"] == "mfa"
    assert document["conditional_access"][0]["verdict"] == "applies"
    assert set(document) == {
        "guest_type",
        "mode",
        "requirement",
        "strict",
        "requirement_reasons",
        "policies",
        "shadow_requirement",
        "notes",
        "conditional_access",
    }
