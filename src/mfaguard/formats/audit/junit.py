"""JUnit XML: one test case per control, so CI systems show the audit as a test report.

Mapping (each CI — Azure DevOps, GitLab, Jenkins, GitHub test reporters — reads these the same way):
- FAIL → ``<failure>`` (message: the detail; body: remediation, references, documentation link).
- FAIL covered by an accepted exception → ``<skipped>`` naming the exception, because the audit's
  exit code does not count it either; the FAIL detail stays in ``<system-out>``.
- ERROR → ``<error>``: the control could not be evaluated (never shown as passed).
- NOT_APPLICABLE → ``<skipped>`` with the reason.
- WARN → passed, with the warning in ``<system-out>``.
- PASS → passed.
Each suite's ``accepted`` property counts the accepted risks (FAIL or WARN covered by an exception).
A fleet document has one ``<testsuite>`` per tenant; a tenant that could not be read is a suite with
one errored test case carrying the error.
Validated in the tests against Jenkins' ``junit-10.xsd``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mfaguard.formats._common import exception_notes, fleet_error, grant_text, utc
from mfaguard.formats._meta import control_doc_ref
from mfaguard.model.report import AuditReport, Finding, Status, TenantResult

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from mfaguard.formats.base import RenderOptions

# XML 1.0 cannot carry most control characters, even escaped; tenant text could contain one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _sub(parent: Element, tag: str, text: str | None = None, **attrib: str) -> Element:
    from xml.etree.ElementTree import SubElement

    element = SubElement(parent, tag, {k: _clean(v) for k, v in attrib.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def _body(finding: Finding, docs_url: str | None) -> str:
    lines = [f"{finding.status.value} ({finding.severity.value}): {finding.detail}"]
    if finding.resource:
        lines.append(f"Resource: {finding.resource}")
    lines += exception_notes(finding)
    if finding.remediation:
        lines += ["", "Remediation:", finding.remediation]
    if finding.references:
        lines += ["", "References: " + ", ".join(finding.references)]
    lines.append(f"Documentation: {control_doc_ref(finding.control_id, docs_url)}")
    return "\n".join(lines)


def _testcase(
    suite: Element, classname: str, finding: Finding, counts: dict[str, int], docs_url: str | None
) -> None:
    case = _sub(
        suite, "testcase", classname=classname, name=f"{finding.control_id}: {finding.title}", time="0"
    )
    counts["tests"] += 1
    status = finding.status
    if status is Status.FAIL and finding.exception is not None:
        counts["skipped"] += 1
        _sub(
            case,
            "skipped",
            message=f"FAIL accepted by exception: {grant_text(finding.exception)}",
            type="exception",
        )
        _sub(case, "system-out", _body(finding, docs_url))
    elif status is Status.FAIL:
        counts["failures"] += 1
        _sub(
            case,
            "failure",
            _body(finding, docs_url),
            message=finding.detail,
            type=f"{finding.severity.value} severity",
        )
    elif status is Status.ERROR:
        counts["errors"] += 1
        _sub(
            case,
            "error",
            _body(finding, docs_url),
            message=f"could not be evaluated: {finding.detail}",
            type="ERROR",
        )
    elif status is Status.NOT_APPLICABLE:
        counts["skipped"] += 1
        _sub(case, "skipped", message=f"not applicable: {finding.detail}", type="NOT_APPLICABLE")
    elif status is Status.WARN:
        _sub(case, "system-out", _body(finding, docs_url))


def _suite(
    parent: Element, report: AuditReport, name: str, suite_id: int, docs_url: str | None
) -> dict[str, int]:
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suite = _sub(parent, "testsuite", name=f"mfaguard audit: {name}", id=str(suite_id), package="mfaguard")
    properties = _sub(suite, "properties")
    for key, value in (
        ("tenant_id", report.tenant_id),
        ("tenant_name", report.tenant_name),
        ("captured_at", report.captured_at.isoformat() if report.captured_at else None),
        ("api_version", report.api_version),
        # Accepted risks: FAILs among them are <skipped> below; the count covers WARNs too.
        ("accepted", str(len(report.accepted()))),
    ):
        if value:
            _sub(properties, "property", name=key, value=value)
    classname = f"mfaguard.{name}"
    for finding in report.findings:
        _testcase(suite, classname, finding, counts, docs_url)
    suite.set("time", "0")
    if report.generated_at is not None:
        # JUnit timestamps are ISO 8601 without an offset (the Ant schema forbids one); ours are UTC.
        suite.set("timestamp", utc(report.generated_at).replace(tzinfo=None).isoformat(timespec="seconds"))
    for key, count in counts.items():
        suite.set(key, str(count))
    return counts


def _error_suite(parent: Element, result: TenantResult, suite_id: int) -> dict[str, int]:
    message = fleet_error(result)
    suite = _sub(
        parent,
        "testsuite",
        name=f"mfaguard audit: {result.name}",
        id=str(suite_id),
        package="mfaguard",
        tests="1",
        failures="0",
        errors="1",
        skipped="0",
        time="0",
    )
    case = _sub(
        suite, "testcase", classname=f"mfaguard.{result.name}", name="tenant could be audited", time="0"
    )
    _sub(case, "error", message, message=message, type="TenantError")
    return {"tests": 1, "failures": 0, "errors": 1, "skipped": 0}


def _document(entries: Sequence[TenantResult], docs_url: str | None) -> str:
    from xml.etree.ElementTree import Element, indent, tostring

    root = Element("testsuites", {"name": "mfaguard audit"})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for i, entry in enumerate(entries):
        if entry.status == "ok" and entry.report is not None:
            counts = _suite(root, entry.report, entry.name, i, docs_url)
        else:
            counts = _error_suite(root, entry, i)
        for key in totals:
            totals[key] += counts[key]
    for key, total in totals.items():
        root.set(key, str(total))
    root.set("time", "0")
    indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"


def render(report: AuditReport, options: RenderOptions) -> str:
    """One test suite for the tenant."""
    name = report.tenant_name or report.tenant_id or "tenant"
    return _document([TenantResult(name=name, status="ok", report=report)], options.docs_url)


def render_fleet(results: Sequence[TenantResult], options: RenderOptions) -> str:
    """One test suite per tenant."""
    return _document(results, options.docs_url)
