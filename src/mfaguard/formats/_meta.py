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

from mfaguard.report import Finding, Severity

PROJECT_URL = "https://github.com/mfaguard/mfaguard"
"""Home of the project; control documentation lives under ``docs/controls/<ID>.md`` there."""


def control_doc_url(control_id: str) -> str:
    """Absolute URL of a control's documentation page (generated from its metadata)."""
    return f"{PROJECT_URL}/blob/main/docs/controls/{control_id}.md"


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

    @property
    def help_uri(self) -> str:
        return control_doc_url(self.id)


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
        return Severity(str(getattr(value, "value", value)))
    except ValueError:
        return fallback


def _references(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable):
        return tuple(str(getattr(v, "id", v)) for v in value)
    return ()


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
                remediation=_text(getattr(meta, "remediation", None)) or finding.remediation.strip(),
                references=_references(getattr(meta, "references", None)) or finding.references,
            )
        )
    return rules
