"""Reading what the operator writes: YAML with FILE:LINE errors, durations, the audit config file, and
the small file and secret helpers every writer shares.

``yaml`` (safe, line-precise loading and pydantic validation), ``durations`` (the one
``parse_duration``), ``audit_file`` (the ``--config`` file → :class:`~mfaguard.model.settings.AuditSettings`),
``files`` (atomic, private writes), ``redact`` (secrets out of logs, errors, files and the store).
"""

__all__ = ["audit_file", "durations", "files", "redact", "yaml"]
