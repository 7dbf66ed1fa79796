from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mfaguard.fleet.drift import DriftChange, compute_drift, is_regression, regressed_controls
from mfaguard.model.report import Finding, Severity, Status


@dataclass(frozen=True)
class Stored:
    """Shaped like a FindingRecord read back from the store (status a plain string)."""

    control_id: str
    status: str
    resource: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


def finding(control: str, status: Status, resource: str | None = None, **evidence: Any) -> Finding:
    return Finding(control, "t", status, Severity.HIGH, "d", resource=resource, evidence=evidence)


def test_first_run_has_no_drift() -> None:
    assert compute_drift([], [finding("MFA-004", Status.FAIL)]) == ()


def test_same_state_read_back_from_the_store_is_no_drift() -> None:
    before = [Stored("MFA-004", "PASS", "MicrosoftAuthenticator", {"state": "enabled", "groups": ["a", "b"]})]
    now = [finding("MFA-004", Status.PASS, "MicrosoftAuthenticator", state="enabled", groups=("a", "b"))]
    assert compute_drift(before, now) == ()


def test_status_and_watched_value_changes_have_before_and_after() -> None:
    before = [Stored("MFA-004", "PASS", "MicrosoftAuthenticator", {"state": "enabled"})]
    now = [finding("MFA-004", Status.FAIL, "MicrosoftAuthenticator", state="disabled")]
    changes = compute_drift(before, now)
    assert changes == (
        DriftChange("MFA-004", "status", "PASS", "FAIL", "MicrosoftAuthenticator"),
        DriftChange("MFA-004", "evidence.state", "enabled", "disabled", "MicrosoftAuthenticator"),
    )
    assert regressed_controls(changes) == {"MFA-004"}


def test_a_watched_value_can_drift_while_the_status_stays() -> None:
    before = [Stored("MFA-003", "FAIL", None, {"state": "disabled"})]
    now = [finding("MFA-003", Status.FAIL, None, state="default")]
    (change,) = compute_drift(before, now)
    assert (change.field, change.before, change.after) == ("evidence.state", "disabled", "default")
    assert not is_regression(change)


def test_findings_that_appear_or_disappear_drift_per_resource() -> None:
    before = [Stored("MFA-014", "PASS", "group-a")]
    now = [finding("MFA-014", Status.PASS, "group-a"), finding("MFA-014", Status.FAIL, "group-b")]
    (change,) = compute_drift(before, now)
    assert change == DriftChange("MFA-014", "status", None, "FAIL", "group-b")
    assert is_regression(change)
    gone = compute_drift(now, before)
    assert gone == (DriftChange("MFA-014", "status", "FAIL", None, "group-b"),)
    assert not is_regression(gone[0])


def test_error_findings_compare_status_only() -> None:
    before = [Stored("MFA-015", "ERROR", None, {"read_error": "403 one"})]
    now = [finding("MFA-015", Status.ERROR, None, read_error="throttled")]
    assert compute_drift(before, now) == ()
    recovered = compute_drift(before, [finding("MFA-015", Status.PASS, None, groups=[])])
    assert [(c.field, c.before, c.after) for c in recovered] == [("status", "ERROR", "PASS")]
    # A control becoming unreadable is drift, but not something to remediate.
    broke = compute_drift([Stored("MFA-015", "PASS")], [finding("MFA-015", Status.ERROR)])
    assert broke[0].after == "ERROR" and not is_regression(broke[0])


def test_improvement_is_drift_but_not_a_regression() -> None:
    changes = compute_drift([Stored("MFA-007", "FAIL")], [finding("MFA-007", Status.PASS)])
    assert [c.field for c in changes] == ["status"]
    assert regressed_controls(changes) == frozenset()


def test_coverage_controls_drift_by_status_only() -> None:
    # Their evidence is people (levels, who is weak): a user registering a method is not drift.
    before = [Stored("MFA-016", "FAIL", None, {"levels": {"none": 6}, "users": [{"id": "a"}]})]
    same_status = [finding("MFA-016", Status.FAIL, levels={"none": 5}, users=[])]
    assert compute_drift(before, same_status) == ()
    worse = [Stored("MFA-016", "PASS", None, {"levels": {"none": 0}})]
    changes = compute_drift(worse, [finding("MFA-016", Status.FAIL, levels={"none": 1})])
    assert changes == (DriftChange("MFA-016", "status", "PASS", "FAIL", None),)
