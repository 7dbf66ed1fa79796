"""Judging a snapshot: the pure engine and the audit runs built on it.

``engine`` (controls over a snapshot → :class:`~mfaguard.model.report.AuditReport`; exceptions; the
one exit-code rule), ``run`` (settings resolution and one audit run, offline or live: ``run_audit``,
``run_live_audit``) and ``coverage`` (the per-user coverage report beside MFA-016..018).
"""

__all__ = ["coverage", "engine", "run"]
