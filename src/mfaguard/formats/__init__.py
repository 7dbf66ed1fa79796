"""Output formats: one :class:`Format` interface, one :class:`Registry` per kind of document.

- :data:`~mfaguard.formats.audit.AUDIT_FORMATS`: the audit report (table, json, csv, sarif, junit,
  markdown, html), one module per format in :mod:`mfaguard.formats.audit`;
- :data:`~mfaguard.formats.fleet.FLEET_FORMATS`: a fleet run, the same formats;
- :data:`~mfaguard.formats.coverage.COVERAGE_FORMATS` and
  :data:`~mfaguard.formats.coverage.EXPLAIN_FORMATS`: who is protected, and why one user is;
- :data:`~mfaguard.formats.alerts.ALERT_FORMATS`: detection alerts.

The CSV and SARIF writers are shared (:mod:`mfaguard.formats.csv`, :mod:`mfaguard.formats.sarif`).
Importing any of this is cheap: a format's renderer module is imported when it is first used.
"""

from __future__ import annotations

from mfaguard.formats.base import Format, FormatSpec, Registry, RenderOptions

__all__ = ["Format", "FormatSpec", "Registry", "RenderOptions"]
