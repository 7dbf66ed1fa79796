"""Control metadata for the renderers: from the findings alone, enriched by the control registry.

Rules (SARIF) and the HTML report need a title, severity, rationale, remediation and references per
control. Findings carry most of it; the control registry (:data:`mfaguard.controls.CONTROLS`) adds the
rationale. Renderers never require the registry, so a report from an older or newer mfaguard (or one
loaded from the history store) still renders.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mfaguard.errors import UsageError
from mfaguard.model.report import Finding, Severity

DOCS_PATH = "docs/controls"
"""Where the generated control pages live in the mfaguard source tree."""


def control_doc_url(control_id: str, docs_url: str | None) -> str | None:
    """Absolute URL of a control's documentation page, or None when no docs URL is configured.

    mfaguard has no public home to link to, so links are made only from a base URL the operator
    publishes the pages at (``MFAGUARD_DOCS_URL``, e.g. an internal wiki or their fork); we never
    invent an address.
    """
    if not docs_url:
        return None
    return f"{docs_url.rstrip('/')}/{control_id}.md"


def control_doc_ref(control_id: str, docs_url: str | None) -> str:
    """The link when there is one, else the page's path in the mfaguard source tree."""
    return control_doc_url(control_id, docs_url) or f"{DOCS_PATH}/{control_id}.md (mfaguard source tree)"


class ControlInfo(Protocol):
    """What the renderers read from a control object (duck-typed; every field is read defensively)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """Everything known about one control, merged from its findings and its metadata."""

    id: str
    title: str
    severity: Severity
    rationale: str
    remediation: str
    references: tuple[str, ...]
    reference_urls: Mapping[str, str]
    """Links for the references whose metadata names one (id → URL)."""
    has_metadata: bool = False
    """True when the control registry described this control (not only its findings)."""

    def help_uri(self, docs_url: str | None) -> str | None:
        return control_doc_url(self.id, docs_url)


def registered_controls(given: Sequence[ControlInfo] | None) -> Sequence[ControlInfo]:
    """``given``, or the control registry when it can be imported, or nothing."""
    if given is not None:
        return given
    # Imported by name so the formats work (findings only) before or without the control registry.
    try:
        module = importlib.import_module("mfaguard.controls")
    except ImportError:
        return ()
    return tuple(getattr(module, "CONTROLS", ()))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _severity(value: Any, fallback: Severity) -> Severity:
    try:
        return Severity.parse(value)
    except UsageError:
        return fallback


def _references(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable):
        return tuple(str(getattr(v, "id", v)) for v in value)
    return ()


def _reference_urls(value: Any) -> dict[str, str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        return {}
    urls = {}
    for ref in value:
        url = getattr(ref, "url", None)
        if isinstance(url, str) and url.startswith("https://"):
            urls[str(getattr(ref, "id", ref))] = url
    return urls


def remediation_text(value: Any) -> str:
    """A control's remediation as readable multi-line text.

    Accepts plain text, or an object with ``portal`` steps, ``method``, ``url``, ``body_json()`` and
    ``note`` (the control registry's ``Remediation``), or anything with a ``text()`` method.
    """
    if isinstance(value, str):
        return value.strip()
    portal, method, url = (
        getattr(value, "portal", None),
        getattr(value, "method", None),
        getattr(value, "url", None),
    )
    body_json = getattr(value, "body_json", None)
    if portal and method and url and callable(body_json):
        lines = [
            "Portal: " + " > ".join(str(step) for step in portal),
            f"Graph: {method} {url}",
            str(body_json()),
        ]
        note = getattr(value, "note", "")
        if note:
            lines.append(f"Note: {note}")
        return "\n".join(lines)
    text = getattr(value, "text", None)
    return str(text()).strip() if callable(text) else ""


def rules_for(findings: Iterable[Finding], controls: Sequence[ControlInfo]) -> list[RuleInfo]:
    """One :class:`RuleInfo` per control ID seen in ``findings``, sorted by ID.

    Metadata wins where present (it describes the control, not one verdict); the first finding of a
    control fills in whatever the metadata lacks.
    """
    first: dict[str, Finding] = {}
    for finding in findings:
        first.setdefault(finding.control_id, finding)
    by_id: Mapping[str, ControlInfo] = {str(getattr(c, "id", "")): c for c in controls}
    rules = []
    for control_id in sorted(first):
        finding = first[control_id]
        meta = by_id.get(control_id)
        rules.append(
            RuleInfo(
                id=control_id,
                title=_text(getattr(meta, "title", None)) or finding.title,
                severity=_severity(getattr(meta, "severity", None), finding.severity),
                rationale=_text(getattr(meta, "rationale", None)),
                remediation=remediation_text(getattr(meta, "remediation", None))
                or finding.remediation.strip(),
                references=_references(getattr(meta, "references", None)) or finding.references,
                reference_urls=_reference_urls(getattr(meta, "references", None)),
                has_metadata=meta is not None,
            )
        )
    return rules


def finding_remediation(finding: Finding, rule: RuleInfo | None) -> str:
    """What to show as the finding's fix: the control's formatted remediation when the registry
    describes the control, else the finding's own text; nothing for a finding that needs no fix."""
    if not finding.remediation.strip():
        return ""
    if rule is not None and rule.has_metadata and rule.remediation:
        return rule.remediation
    return finding.remediation.strip()


def rules_by_id(findings: Iterable[Finding], controls: Sequence[ControlInfo] | None) -> dict[str, RuleInfo]:
    """:func:`rules_for` keyed by control ID, with ``controls`` resolved by :func:`registered_controls`."""
    return {rule.id: rule for rule in rules_for(findings, registered_controls(controls))}
