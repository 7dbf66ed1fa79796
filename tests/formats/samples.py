"""Fixed reports for the format tests: every status, exceptions, and text that needs escaping."""

from __future__ import annotations

from datetime import UTC, date, datetime

from mfaguard.report import AuditReport, ExceptionGrant, Finding, Severity, Status, TenantResult

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


class FakeControl:
    """Control metadata as the registry provides it (only the attributes the renderers read)."""

    def __init__(self, id: str, title: str, severity: Severity, rationale: str) -> None:
        self.id = id
        self.title = title
        self.severity = severity
        self.rationale = rationale
        self.references = ("EIDSCA.AS04", "CISA MS.AAD.3.5v2")
        self.remediation = "Disable SMS as a sign-in and MFA method."


CONTROL_METADATA = (
    FakeControl(
        "MFA-007",
        "SMS is off",
        Severity.HIGH,
        "SMS codes can be phished and SIM-swapped; attackers fall back to them when push is hardened.",
    ),
)
