"""SARIF 2.1.0 audit report for GitHub code scanning (and Azure DevOps, GitLab, any SARIF viewer).

Choices, made for how GitHub code scanning treats an upload:
- Only FAIL, WARN and ERROR become results. PASS and NOT_APPLICABLE are left out rather than sent as
  ``kind: pass`` / ``notApplicable``: GitHub turns every result into an alert whatever its ``kind``,
  and closes an alert by itself when a later upload for the same category no longer reports it, so
  omitting passes is what makes a fixed control's alert close.
- Levels: a FAIL maps by severity (critical/high → ``error``, medium → ``warning``, low/info →
  ``note``); a WARN is a ``note`` (worth a look, not a failure); an ERROR is a ``warning`` result (the
  control could not be judged, which must not look clean) and also a tool execution notification.
- Rules carry ``security-severity`` (GitHub's 0–10 score that drives its critical/high/medium/low
  labels), help text with the remediation, and ``helpUri`` to the control's documentation page.
- Each result points at the snapshot file (GitHub needs a location) and at a logical location naming
  the tenant and the policy object; ``partialFingerprints`` from tenant, control and resource keep the
  alert stable across runs, and ``automationDetails.id`` is per tenant so tenants never close each
  other's alerts.
- An accepted exception becomes a SARIF ``suppression`` (status ``accepted``, with the reason), the
  standard way to say "known and accepted"; the status of the finding is unchanged.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mfaguard import __version__
from mfaguard.formats._common import ACTION, exception_notes, fenced, fleet_error, grant_text, utc_z
from mfaguard.formats._meta import RuleInfo, control_doc_ref, registered_controls, rules_for
from mfaguard.formats.sarif import LEVEL, rule_name, sarif_text
from mfaguard.model.report import AuditReport, Finding, Severity, Status, TenantResult

if TYPE_CHECKING:
    from mfaguard.formats.base import RenderOptions

DEFAULT_ARTIFACT = "authenticationMethodsPolicy.json"
"""Location used when the caller does not say which file the policy came from."""

SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
"""GitHub: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low."""


def result_level(finding: Finding) -> str:
    """The SARIF level of a reported finding."""
    if finding.status is Status.FAIL:
        return LEVEL[finding.severity]
    if finding.status is Status.ERROR:
        return "warning"
    return "note"


def _help(rule: RuleInfo, *, markdown: bool, docs_url: str | None) -> str:
    head = f"**{rule.id}: {rule.title}**" if markdown else f"{rule.id}: {rule.title}"
    parts = [f"{head} (severity: {rule.severity.value})"]
    if rule.rationale:
        parts.append(rule.rationale)
    if rule.remediation:
        body = fenced(rule.remediation) if markdown else rule.remediation
        parts.append(f"Remediation:\n\n{body}")
    if rule.references:
        parts.append("References: " + ", ".join(rule.references))
    parts.append(f"Documentation: {control_doc_ref(rule.id, docs_url)}")
    return "\n\n".join(parts)


def _rule(rule: RuleInfo, docs_url: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": rule.id,
        "name": rule_name(rule.title) or rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale or rule.title},
        "help": {
            "text": _help(rule, markdown=False, docs_url=docs_url),
            "markdown": _help(rule, markdown=True, docs_url=docs_url),
        },
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": ["security", "entra-id", "mfa", *rule.references],
            "precision": "very-high",
            "problem.severity": LEVEL[rule.severity],
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }
    help_uri = rule.help_uri(docs_url)
    if help_uri:
        result["helpUri"] = help_uri
    return result


def _fingerprint(report: AuditReport, finding: Finding) -> str:
    key = "|".join([report.tenant_id or report.tenant_name or "", finding.control_id, finding.resource or ""])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _message(finding: Finding) -> str:
    prefix = {Status.FAIL: "", Status.WARN: "Warning: ", Status.ERROR: "Could not be evaluated: "}
    text = f"{prefix.get(finding.status, '')}{finding.title}: {finding.detail}"
    return " ".join([text, *exception_notes(finding)])


def _result(report: AuditReport, finding: Finding, rule_index: int, artifact: str) -> dict[str, Any]:
    tenant = report.tenant_id or report.tenant_name or "unknown-tenant"
    resource = finding.resource or "authenticationMethodsPolicy"
    result: dict[str, Any] = {
        "ruleId": finding.control_id,
        "ruleIndex": rule_index,
        "level": result_level(finding),
        "message": {"text": _message(finding)},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": artifact}, "region": {"startLine": 1}},
                "logicalLocations": [
                    {
                        "name": resource,
                        "fullyQualifiedName": f"tenants/{tenant}/policies/authenticationMethodsPolicy/{resource}",
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {"mfaguardFinding/v1": _fingerprint(report, finding)},
        "properties": {
            "status": finding.status.value,
            "severity": finding.severity.value,
            "remediation": finding.remediation,
            "references": list(finding.references),
        },
    }
    if finding.exception is not None:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": grant_text(finding.exception)}
        ]
    return result


def _driver(rules: Sequence[RuleInfo], docs_url: str | None) -> dict[str, Any]:
    return {
        "name": "mfaguard",
        "fullName": "mfaguard: MFA fatigue hardening audit for Microsoft Entra ID",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_rule(r, docs_url) for r in rules],
    }


def _run(report: AuditReport, options: RenderOptions, category: str) -> dict[str, Any]:
    reported = [f for f in report.findings if f.status in ACTION]
    rules = rules_for(reported, registered_controls(options.controls))
    index = {rule.id: i for i, rule in enumerate(rules)}
    artifact = options.source_uri or DEFAULT_ARTIFACT
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": f"{f.control_id} could not be evaluated: {f.detail}"},
                "associatedRule": {"id": f.control_id, "index": index[f.control_id]},
            }
            for f in reported
            if f.status is Status.ERROR
        ],
    }
    if report.generated_at is not None:
        invocation["endTimeUtc"] = utc_z(report.generated_at)
    return {
        "tool": {"driver": _driver(rules, options.docs_url)},
        "automationDetails": {"id": f"{category}/"},
        "invocations": [invocation],
        "results": [_result(report, f, index[f.control_id], artifact) for f in reported],
        "columnKind": "unicodeCodePoints",
        "properties": {
            "tenant": {"id": report.tenant_id, "name": report.tenant_name},
            "captured_at": report.captured_at.isoformat() if report.captured_at else None,
            "api_version": report.api_version,
            "summary": report.summary(),
        },
    }


def _category(name: str | None) -> str:
    return "mfaguard/" + re.sub(r"[^A-Za-z0-9._-]+", "-", name or "unknown-tenant")


def render(report: AuditReport, options: RenderOptions) -> str:
    """One run for the tenant."""
    return sarif_text([_run(report, options, _category(report.tenant_id or report.tenant_name))])


def _failed_run(result: TenantResult) -> dict[str, Any]:
    return {
        "tool": {"driver": _driver((), None)},
        "automationDetails": {"id": f"{_category(result.name)}/"},
        "invocations": [
            {
                "executionSuccessful": False,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": f"{result.name}: {fleet_error(result)}"}}
                ],
            }
        ],
        "results": [],
        "properties": {"tenant": {"id": None, "name": result.name}},
    }


def render_fleet(results: Sequence[TenantResult], options: RenderOptions) -> str:
    """One run per tenant (its own category); a tenant that could not be read is an unsuccessful run."""
    runs = [
        _run(r.report, options, _category(r.name))
        if r.status == "ok" and r.report is not None
        else _failed_run(r)
        for r in results
    ]
    return sarif_text(runs)
