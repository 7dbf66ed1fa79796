"""A small, known history for the dashboard tests: three tenants, a few audits, coverage, drift, an alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mfaguard.model.report import Finding, Status
from mfaguard.store import DriftItem

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CONTROLS = tuple(f"MFA-{i:03d}" for i in range(1, 19))
_NOT_PASS = {
    "contoso": {"MFA-016": "NOT_APPLICABLE"},
    "fabrikam": {"MFA-002": "FAIL", "MFA-007": "WARN", "MFA-010": "WARN", "MFA-014": "NOT_APPLICABLE"},
    "woodgrove": {
        "MFA-001": "ERROR",
        "MFA-002": "FAIL",
        "MFA-004": "FAIL",
        "MFA-007": "FAIL",
        "MFA-011": "WARN",
    },
}
# tenant → statuses of its newest audit, by control (the grid the browser test checks).
EXPECTED = {name: {c: extra.get(c, "PASS") for c in CONTROLS} for name, extra in _NOT_PASS.items()}
TAGS = {"contoso": ["gold"], "fabrikam": ["gold", "eu"], "woodgrove": ["silver"]}


def _findings(statuses: dict[str, str]) -> list[Finding]:
    from mfaguard.controls import CONTROLS as REGISTRY

    meta = {c.id: c for c in REGISTRY}
    return [
        Finding(c, meta[c].title, Status(s), meta[c].severity, f"{c} is {s.lower()}", evidence={"state": s})
        for c, s in statuses.items()
    ]


def seed(store: Any, *, days: int = 5) -> dict[str, Any]:
    """Write the history; returns ids the tests use."""
    ids: dict[str, Any] = {"runs": {}}
    for index, (name, final) in enumerate(EXPECTED.items()):
        store.upsert_tenant(
            name, tenant_id=f"0000000{index}-0000-0000-0000-00000000000{index}", tags=TAGS[name]
        )
        previous = None
        for day in range(days):
            at = NOW - timedelta(days=days - 1 - day)
            # The last audit has the final statuses; earlier ones were all PASS (so drift exists).
            statuses = final if day == days - 1 else dict.fromkeys(final, "PASS")
            run_id = store.record_completed_run(
                name,
                "audit",
                started_at=at,
                finished_at=at + timedelta(seconds=3),
                findings=_findings(statuses),
                summary={"FAIL": list(statuses.values()).count("FAIL")},
                trigger="schedule",
            )
            if previous is not None and statuses != dict.fromkeys(final, "PASS"):
                store.save_drift(
                    name,
                    [DriftItem(c, "status", "PASS", s) for c, s in statuses.items() if s != "PASS"],
                    run_id=run_id,
                    previous_run_id=previous,
                    detected_at=at,
                )
            previous = run_id
        ids["runs"][name] = previous
    cov = store.record_completed_run(
        "fabrikam", "coverage", started_at=NOW, finished_at=NOW, summary={"users": 10, "below": 3}
    )
    store.save_coverage(
        cov,
        total_users=10,
        levels={
            "phishing_resistant": 2,
            "push_with_context": 4,
            "push": 1,
            "otp": 0,
            "phone_only": 2,
            "none": 1,
        },
        admins={"phishing_resistant": 1, "phone_only": 1},
        below_threshold=[
            {"user": "bob@fabrikam.example", "level": "phone_only", "admin": True},
            {"user": "carol@fabrikam.example", "level": "phone_only", "admin": False},
            {"user": "dave@fabrikam.example", "level": "none", "admin": False},
        ],
        captured_at=NOW,
    )
    ids["coverage_run"] = cov
    t0 = NOW - timedelta(hours=2)
    [alert] = store.save_alerts(
        "fabrikam",
        [
            {
                "detection_id": "D1",
                "name": "Push bombing",
                "user": "alice@fabrikam.example",
                "severity": "high",
                "first_seen": t0.isoformat(),
                "last_seen": (t0 + timedelta(minutes=9)).isoformat(),
                "summary": "12 denied pushes in 9 minutes, then an approval",
                "timeline": [
                    {
                        "time": (t0 + timedelta(minutes=m)).isoformat(),
                        "kind": "DENY_EXPLICIT",
                        "detail": "MFA denied; user declined the authentication",
                        "ip": "203.0.113.9",
                        "country": "NL",
                    }
                    for m in range(0, 9, 3)
                ]
                + [
                    {
                        "time": (t0 + timedelta(minutes=9)).isoformat(),
                        "kind": "MFA_SUCCESS",
                        "detail": "MFA completed",
                        "ip": "203.0.113.9",
                        "country": "NL",
                    }
                ],
            }
        ],
        run_id=None,
    )
    ids["alert"] = alert.id
    return ids
