"""Judging a snapshot: the pure engine and the audit runs built on it.

``engine`` (controls over a snapshot → :class:`~mfaguard.model.report.AuditReport`; exceptions; the
exit-code rule), ``run`` (settings resolution and one audit run, offline or live), ``live`` (read the
tenant, then judge it) and ``coverage`` (the per-user coverage report beside MFA-016..018).
"""

__all__ = ["coverage", "engine", "live", "run"]
