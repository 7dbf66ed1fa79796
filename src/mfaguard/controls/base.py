"""The control interface: metadata, a pure ``evaluate`` and the value objects it returns.

A control judges one aspect of a :class:`~mfaguard.model.policy.TenantSnapshot` and returns one or more
:class:`Result` (one per resource when a resource-scoped exception should be able to cover it, e.g.
one per excluded group). The engine turns results into findings, adds metadata and exceptions, and
turns an exception raised by ``evaluate`` into an ERROR finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mfaguard.model.policy import ODATA_TYPES, TenantSnapshot
from mfaguard.model.report import Severity, Status
from mfaguard.model.settings import AuditSettings

GRAPH_BETA = "https://graph.microsoft.com/beta"
POLICY_PATH = "/policies/authenticationMethodsPolicy"


@dataclass(frozen=True, slots=True)
class Reference:
    """A benchmark or framework item the control maps to (e.g. ``EIDSCA.AM01``)."""

    id: str
    url: str


# Known reference schemes: the id pattern and the site its URL must be on (checked by a contract test).
REFERENCE_SCHEMES: Mapping[str, tuple[re.Pattern[str], str]] = {
    "EIDSCA": (re.compile(r"^EIDSCA\.A[A-Z]\d{2}$"), "https://maester.dev/docs/tests/EIDSCA/"),
    "CISA": (re.compile(r"^CISA MS\.AAD\.\d+\.\d+v\d+$"), "https://github.com/cisagov/ScubaGear/"),
    "CIS": (re.compile(r"^CIS M365 \d+(\.\d+)+$"), "https://www.cisecurity.org/benchmark/microsoft_365"),
    "ZTA": (re.compile(r"^ZTA \d{5}$"), "https://github.com/microsoft/zerotrustassessment"),
    "MITRE": (re.compile(r"^MITRE T\d{4}(\.\d{3})?$"), "https://attack.mitre.org/techniques/"),
    "Maester": (re.compile(r"^Maester MT\.\d{4}$"), "https://maester.dev/docs/tests/"),
}


def eidsca(item: str) -> Reference:
    return Reference(f"EIDSCA.{item}", f"https://maester.dev/docs/tests/EIDSCA/EIDSCA.{item}")


def cisa(item: str) -> Reference:
    anchor = item.lower().replace(".", "")
    return Reference(
        f"CISA {item}",
        f"https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md#{anchor}",
    )


def cis(item: str) -> Reference:
    return Reference(f"CIS M365 {item}", "https://www.cisecurity.org/benchmark/microsoft_365")


def zta(item: str) -> Reference:
    return Reference(f"ZTA {item}", "https://github.com/microsoft/zerotrustassessment")


def mitre(item: str) -> Reference:
    return Reference(f"MITRE {item}", f"https://attack.mitre.org/techniques/{item.replace('.', '/')}/")


def maester(item: str) -> Reference:
    return Reference(f"Maester {item}", f"https://maester.dev/docs/tests/{item}")


@dataclass(frozen=True, slots=True)
class Remediation:
    """How to fix a WARN/FAIL: the portal steps and the Graph request that does the same."""

    portal: tuple[str, ...]
    """Steps in the Microsoft Entra admin center."""
    method: str
    path: str
    """Graph path relative to the version root, e.g. ``/policies/authenticationMethodsPolicy``."""
    body: Mapping[str, Any]
    note: str = ""
    """What to keep in mind when sending the body (read-modify-write, fields never to send)."""

    @property
    def url(self) -> str:
        return GRAPH_BETA + self.path

    def body_json(self) -> str:
        return json.dumps(self.body, indent=2)

    def text(self) -> str:
        """One plain-text block (what goes into a finding)."""
        steps = " > ".join(self.portal)
        graph = f"{self.method} {self.url} {json.dumps(self.body, separators=(',', ':'))}"
        text = f"Portal: {steps}. Graph: {graph}"
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True, slots=True)
class Result:
    """One verdict of a control. ``severity`` overrides the control's default (e.g. SMS scope)."""

    status: Status
    detail: str
    resource: str | None = None
    severity: Severity | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)


Evaluate = Callable[[TenantSnapshot, AuditSettings], "Result | Sequence[Result]"]


@dataclass(frozen=True, slots=True)
class Control:
    """A registered control: stable id, metadata and its pure ``evaluate`` function."""

    id: str
    title: str
    """The secure condition, phrased so that PASS means it holds."""
    severity: Severity
    rationale: str
    remediation: Remediation
    references: tuple[Reference, ...]
    statuses: frozenset[Status]
    """Statuses ``evaluate`` can return (the engine may add ERROR for a bug); checked by tests."""
    evaluate: Evaluate
    doc: str
    """The module docstring: the PASS/WARN/FAIL/N-A/ERROR conditions, for the doc page."""

    def results(self, snapshot: TenantSnapshot, settings: AuditSettings) -> tuple[Result, ...]:
        outcome = self.evaluate(snapshot, settings)
        return (outcome,) if isinstance(outcome, Result) else tuple(outcome)


def portal(*steps: str) -> tuple[str, ...]:
    """Portal steps, starting at Authentication methods in the Microsoft Entra admin center."""
    return ("Microsoft Entra admin center", "Entra ID", "Authentication methods", *steps)


def disable_method(
    config_id: str,
    portal_label: str,
    *,
    note: str,
    portal_step: str = "Enable and Target: Enable = Off",
) -> Remediation:
    """Turning a weak method off: the portal steps and the PATCH of its configuration (MFA-007..009)."""
    return Remediation(
        portal=portal("Policies", portal_label, portal_step),
        method="PATCH",
        path=f"{POLICY_PATH}/authenticationMethodConfigurations/{config_id}",
        body={"@odata.type": ODATA_TYPES[config_id.lower()], "state": "disabled"},
        note=note,
    )


def authenticator_feature_body(feature: str, state: str) -> dict[str, Any]:
    """PATCH body setting one Authenticator feature for all_users with no exclusion."""
    return {
        "@odata.type": "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration",
        "featureSettings": {
            feature: {
                "state": state,
                "includeTarget": {"targetType": "group", "id": "all_users"},
                "excludeTarget": {"targetType": "group", "id": "00000000-0000-0000-0000-000000000000"},
            }
        },
    }
