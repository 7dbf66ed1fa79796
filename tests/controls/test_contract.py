"""Contract: every control module is registered once, documented, tested for each status it can
produce, and has valid metadata and references."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections import defaultdict
from pathlib import Path

import pytest

import mfaguard.controls as controls_pkg
from mfaguard.controls import CONTROL_IDS, CONTROLS
from mfaguard.controls.base import REFERENCE_SCHEMES, Control
from mfaguard.controls.docs import pages
from mfaguard.model.policy import ODATA_TYPES
from mfaguard.model.report import Status
from tests.controls.cases import CASES, expected_statuses

DOCS = Path(__file__).resolve().parents[2] / "docs" / "controls"


def test_every_control_module_is_registered_once() -> None:
    modules = sorted(
        m.name for m in pkgutil.iter_modules(controls_pkg.__path__) if re.fullmatch(r"mfa\d{3}_\w+", m.name)
    )
    assert len(modules) == len(CONTROLS) == len(CONTROL_IDS) == 18
    for name in modules:
        module = importlib.import_module(f"mfaguard.controls.{name}")
        control = module.CONTROL
        assert control.id == f"MFA-{name[3:6]}"
        assert sum(c is control for c in CONTROLS) == 1, f"{control.id} is not registered exactly once"
        assert control.doc == module.__doc__


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.id)
def test_metadata_is_complete(control: Control) -> None:
    assert re.fullmatch(r"MFA-\d{3}", control.id)
    assert control.title and not control.title.endswith(".")
    assert len(control.rationale) > 80
    for status in ("PASS", "FAIL"):
        assert f"- {status}:" in control.doc, f"{control.id} docstring lacks the {status} condition"
    remediation = control.remediation
    assert len(remediation.portal) >= 3
    # Policy controls PATCH the policy; MFA-018 fixes group membership instead.
    assert (remediation.method, remediation.path.split("/")[1]) in {
        ("PATCH", "policies"),
        ("DELETE", "groups"),
    }
    json.loads(remediation.body_json())
    odata_type = remediation.body.get("@odata.type")
    if "/authenticationMethodConfigurations/" in remediation.path and "<" not in remediation.path:
        # Per-method PATCH needs @odata.type (DESIGN §2).
        assert odata_type in ODATA_TYPES.values()


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.id)
def test_remediation_never_sends_number_matching_unless_that_is_the_control(control: Control) -> None:
    if control.id != "MFA-002":
        assert "numberMatchingRequiredState" not in control.remediation.body_json()


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.id)
def test_references_are_valid(control: Control) -> None:
    assert control.references
    for ref in control.references:
        scheme = next((s for s, (pattern, _) in REFERENCE_SCHEMES.items() if pattern.fullmatch(ref.id)), None)
        assert scheme is not None, f"{control.id}: unknown reference {ref.id}"
        assert ref.url.startswith(REFERENCE_SCHEMES[scheme][1]), ref.url
    assert len({r.id for r in control.references}) == len(control.references)


def test_fixture_table_covers_every_status_of_every_control() -> None:
    seen: dict[str, set[Status]] = defaultdict(set)
    for case in CASES:
        for control_id, status in expected_statuses(case).items():
            seen[control_id].update(status if isinstance(status, tuple) else (status,))
    for control in CONTROLS:
        assert seen[control.id] == set(control.statuses), control.id


def test_docstrings_name_every_status_they_can_give() -> None:
    for control in CONTROLS:
        for status in control.statuses:
            assert status.value in control.doc, f"{control.id} docstring does not mention {status.value}"


def test_generated_doc_pages_are_up_to_date() -> None:
    expected = pages()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    assert on_disk == expected, "run: python -m mfaguard.controls.docs"
