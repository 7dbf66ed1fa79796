"""The SARIF 2.1.0 pieces every SARIF document shares (audit reports, fleet runs, detection alerts): the
schema, severity → level, identifier-like rule names, and the document itself."""

from __future__ import annotations

import json
import re
from typing import Any

from mfaguard.model.report import Severity

__all__ = ["LEVEL", "SARIF_SCHEMA", "SARIF_VERSION", "rule_name", "sarif_text"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"

LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
"""The SARIF level of a failed control or an alert of each severity."""


def rule_name(title: str) -> str:
    """A rule's identifier-like name from its title (``"SMS is off"`` → ``SMSIsOff``); the title itself
    goes in ``shortDescription``."""
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title))


def sarif_text(runs: list[dict[str, Any]]) -> str:
    """The SARIF document holding ``runs``, as text."""
    document = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
