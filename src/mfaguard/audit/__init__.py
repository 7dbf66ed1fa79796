"""Judging a snapshot: the pure engine and the audit runs built on it.

``engine`` (controls over a snapshot → :class:`~mfaguard.model.report.AuditReport`; exceptions; the
one exit-code rule), ``run`` (settings resolution and one audit run, offline or live: ``run_audit``,
``run_live_audit``) and ``coverage`` (the per-user coverage report beside MFA-016..018).

``mfaguard.audit`` is also the library's ``audit`` function: ``from mfaguard import audit`` and
``audit(snapshot)`` is :func:`mfaguard.audit.engine.audit`. (A package and a function cannot share the
name ``mfaguard.audit`` otherwise: importing the package replaces the attribute.)
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mfaguard.model.report import AuditReport

__all__ = ["coverage", "engine", "run"]


class _AuditPackage(types.ModuleType):
    """This package, callable as :func:`mfaguard.audit.engine.audit`."""

    def __call__(self, *args: Any, **kwargs: Any) -> AuditReport:
        from mfaguard.audit.engine import audit

        return audit(*args, **kwargs)


sys.modules[__name__].__class__ = _AuditPackage
