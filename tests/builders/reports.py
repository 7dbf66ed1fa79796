"""Fixed reports for the format tests: every status, exceptions, and text that needs escaping."""

from __future__ import annotations

from datetime import UTC, date, datetime

from mfaguard.model.report import AuditReport, ExceptionGrant, Finding, Severity, Status, TenantResult

CAPTURED_AT = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
GENERATED_AT = datetime(2026, 11, 2, 8, 31, 5, tzinfo=UTC)

SMS_REMEDIATION = (
    "Entra admin center > Protection > Authentication methods > Policies > SMS: set Enable to Off.\n"
    "Graph: PATCH /beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms\n"
    '{"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "state": "disabled"}'
)


def every_status_findings() -> tuple[Finding, ...]:
    """One finding per status plus the awkward cases (exception, expired exception, odd text)."""
    return (
        Finding(
            control_id="MFA-001",
            title="Microsoft Authenticator is enabled for all users",
            status=Status.PASS,
            severity=Severity.HIGH,
            detail="MicrosoftAuthenticator state is 'enabled' and includeTargets has all_users.",
            references=("EIDSCA.AM01", "CISA MS.AAD.3.3v2"),
            remediation="Nothing to do.",
            resource="MicrosoftAuthenticator",
        ),
        Finding(
            control_id="MFA-003",
            title="Notifications show the application name",
            status=Status.FAIL,
            severity=Severity.MEDIUM,
            detail="displayAppInformationRequiredState is 'default' (Microsoft managed).",
            references=("EIDSCA.AM06", "CIS M365 5.2.3.1"),
            remediation="Set featureSettings.displayAppInformationRequiredState.state to enabled for all_users.",
            resource="MicrosoftAuthenticator",
            exception=ExceptionGrant(
                control_id="MFA-003",
                reason="Pilot of the new sign-in experience until March",
                owner="secops@contoso.example",
                expires=date(2027, 3, 31),
            ),
        ),
        Finding(
            control_id="MFA-007",
            title="SMS is off",
            status=Status.FAIL,
            severity=Severity.HIGH,
            detail='Sms is enabled for all_users (isUsableForSignIn: true); group "Sales, EMEA | <b>"',
            references=("EIDSCA.AS04", "https://www.cisa.gov/scuba"),
            remediation=SMS_REMEDIATION,
            resource="Sms",
            expired_exception=ExceptionGrant(
                control_id="MFA-007",
                reason="Legacy phones",
                owner="it-ops",
                expires=date(2026, 1, 31),
            ),
        ),
        Finding(
            control_id="MFA-011",
            title="System-preferred MFA is on for all users",
            status=Status.WARN,
            severity=Severity.MEDIUM,
            detail="systemCredentialPreferences state is 'default' (Microsoft managed, currently on).",
            references=("CIS M365 5.2.3.6",),
            remediation="Pin systemCredentialPreferences.state to enabled for all_users.",
        ),
        Finding(
            control_id="MFA-006",
            title="Authenticator OTP codes are off",
            status=Status.ERROR,
            severity=Severity.MEDIUM,
            detail="isSoftwareOathEnabled is absent <script>alert('x')</script> & cannot be judged.",
            references=("EIDSCA.AM02",),
            remediation="Export the policy from the beta endpoint and audit again.",
            resource="MicrosoftAuthenticator",
        ),
        Finding(
            control_id="MFA-015",
            title="Every group the policy names exists",
            status=Status.NOT_APPLICABLE,
            severity=Severity.MEDIUM,
            detail="The snapshot has no directory data, so group existence cannot be checked.",
            references=("Maester MT.1067",),
            remediation="Collect a live snapshot (mfaguard export) to include group data.",
        ),
        Finding(
            control_id="MFA-014",
            title="Exclusions are limited to break-glass groups",
            status=Status.FAIL,
            severity=Severity.CRITICAL,
            detail="=HYPERLINK(\"http://evil.example\") group 'Ops' is excluded from number matching.",
            references=("ZTA 21802",),
            remediation="Remove the exclusion or add the group to break_glass_groups.",
            resource="11111111-2222-3333-4444-555555555555",
        ),
    )


def every_status_report() -> AuditReport:
    return AuditReport(
        tenant_id="00000000-0000-0000-0000-0000000000c1",
        tenant_name="Contoso Ltd",
        captured_at=CAPTURED_AT,
        api_version="beta",
        findings=every_status_findings(),
        generated_at=GENERATED_AT,
    )


def empty_report() -> AuditReport:
    return AuditReport(
        tenant_id=None,
        tenant_name=None,
        captured_at=None,
        api_version="v1.0",
        findings=(),
        generated_at=GENERATED_AT,
    )


def all_pass_report() -> AuditReport:
    base = every_status_report()
    findings = tuple(
        Finding(f.control_id, f.title, Status.PASS, f.severity, "Configured as recommended.", f.references)
        for f in base.findings
    )
    return AuditReport(
        tenant_id="00000000-0000-0000-0000-0000000000f2",
        tenant_name="Fabrikam",
        captured_at=CAPTURED_AT,
        api_version="beta",
        findings=findings,
        generated_at=GENERATED_AT,
    )


def fleet_results() -> tuple[TenantResult, ...]:
    return (
        TenantResult(name="contoso", status="ok", report=every_status_report()),
        TenantResult(
            name="northwind",
            status="error",
            error="Graph answered 403 Authorization_RequestDenied: grant Policy.Read.AuthenticationMethod.",
        ),
        TenantResult(name="fabrikam", status="ok", report=all_pass_report()),
    )


class FakeReference:
    def __init__(self, id: str, url: str) -> None:
        self.id = id
        self.url = url


class FakeRemediation:
    """Shaped like the control registry's Remediation (portal steps plus the Graph request)."""

    portal = ("Microsoft Entra admin center", "Entra ID", "Authentication methods", "SMS")
    method = "PATCH"
    url = "https://graph.microsoft.com/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms"
    note = "Send only @odata.type and state."

    def body_json(self) -> str:
        return '{\n  "state": "disabled"\n}'


class FakeControl:
    """Control metadata as the registry provides it (only the attributes the renderers read)."""

    def __init__(self, id: str, title: str, severity: Severity, rationale: str) -> None:
        self.id = id
        self.title = title
        self.severity = severity
        self.rationale = rationale
        self.references = (
            FakeReference("EIDSCA.AS04", "https://maester.dev/docs/tests/EIDSCA/EIDSCA.AS04"),
            FakeReference("CISA MS.AAD.3.5v2", "https://github.com/cisagov/ScubaGear/"),
        )
        self.remediation = FakeRemediation()


CONTROL_METADATA = (
    FakeControl(
        "MFA-007",
        "SMS is off",
        Severity.HIGH,
        "SMS codes can be phished and SIM-swapped; attackers fall back to them when push is hardened.",
    ),
)


_SHOWCASE = (
    (
        "MFA-001",
        "Microsoft Authenticator is enabled for all users",
        "PASS",
        "high",
        "MicrosoftAuthenticator is enabled and targets all_users.",
    ),
    (
        "MFA-002",
        "Number matching is in effect for Authenticator push",
        "PASS",
        "high",
        "numberMatchingRequiredState is 'default': the service enforces number matching.",
    ),
    (
        "MFA-003",
        "Notifications show the application name",
        "FAIL",
        "medium",
        "displayAppInformationRequiredState is 'default' (Microsoft managed), not enabled for all_users.",
    ),
    (
        "MFA-004",
        "Notifications show the geographic location",
        "FAIL",
        "medium",
        "displayLocationInformationRequiredState is 'disabled'.",
    ),
    (
        "MFA-005",
        "Authenticator Lite (companion app) is off",
        "FAIL",
        "low",
        "companionAppAllowedState is 'default' (Microsoft managed = enabled).",
    ),
    ("MFA-006", "Authenticator OTP codes are off", "PASS", "medium", "isSoftwareOathEnabled is false."),
    ("MFA-007", "SMS is off", "FAIL", "high", "Sms is enabled for all_users (isUsableForSignIn: true)."),
    ("MFA-008", "Voice call is off", "PASS", "high", "Voice is disabled."),
    (
        "MFA-009",
        "Email OTP is off for members",
        "PASS",
        "medium",
        "Email is enabled with no includeTargets (guests only).",
    ),
    (
        "MFA-010",
        "Users can report suspicious MFA prompts",
        "FAIL",
        "medium",
        "reportSuspiciousActivitySettings state is 'default' (= disabled).",
    ),
    (
        "MFA-011",
        "System-preferred MFA is on for all users",
        "WARN",
        "medium",
        "systemCredentialPreferences state is 'default' (Microsoft managed, currently on); pin it.",
    ),
    (
        "MFA-012",
        "Registration campaign nudges users to Authenticator",
        "PASS",
        "low",
        "The registration campaign is enabled for all_users.",
    ),
    (
        "MFA-013",
        "Methods policy migration is complete",
        "PASS",
        "medium",
        "policyMigrationState is 'migrationComplete'.",
    ),
    (
        "MFA-014",
        "Exclusions are limited to break-glass groups",
        "FAIL",
        "high",
        "Group 'Helpdesk Legacy' (3f1c…) is excluded from MicrosoftAuthenticator.",
    ),
    (
        "MFA-015",
        "Every group the policy names exists",
        "NOT_APPLICABLE",
        "medium",
        "The snapshot has no directory data, so group existence cannot be checked.",
    ),
)


def showcase_report() -> AuditReport:
    """A realistic tenant for the README screenshot."""
    findings = tuple(
        Finding(
            control_id=cid,
            title=title,
            status=Status(status),
            severity=Severity(severity),
            detail=detail,
            remediation=SMS_REMEDIATION if cid == "MFA-007" else "",
            exception=ExceptionGrant(
                cid, "Kiosk devices replaced in Q1", "it-ops@contoso.example", date(2027, 3, 31)
            )
            if cid == "MFA-005"
            else None,
        )
        for cid, title, status, severity, detail in _SHOWCASE
    )
    return AuditReport(
        tenant_id="8d2a6a1e-5c1b-4f3e-9a63-2f9c3e0d7b41",
        tenant_name="Contoso Ltd",
        captured_at=CAPTURED_AT,
        api_version="beta",
        findings=findings,
        generated_at=GENERATED_AT,
    )
