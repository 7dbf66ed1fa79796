"""Frozen tenant data that the judging code reads (no I/O, never mutated): the bottom of the layering.

``policy`` (the Authentication Methods Policy, :class:`~mfaguard.model.policy.TenantSnapshot`),
``directory`` (users, groups with nested membership, the registration report), ``conditional_access``
(Conditional Access policies, authentication strengths, named locations, security defaults, role
assignments — DESIGN §10), ``report`` (:class:`~mfaguard.model.report.Status`,
:class:`~mfaguard.model.report.Severity`, findings, the audit report) and ``settings``
(:class:`~mfaguard.model.settings.AuditSettings`, the one
:class:`~mfaguard.model.settings.NumberMatchingMode`). Parsers live in :mod:`mfaguard.graph`.

The names below are importable from here too; they load their module on first use, so importing
one model module never pays for the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers see; at run time each name loads its module on first use
    from mfaguard.model.conditional_access import (
        ConditionalAccessData,
        ConditionalAccessPolicy,
        NamedLocation,
        Part,
        RoleAssignment,
        SecurityDefaults,
    )
    from mfaguard.model.directory import Directory, DirectoryUser, Group, Level, ReadProblem
    from mfaguard.model.policy import AuthenticationMethodsPolicy, TenantInfo, TenantSnapshot
    from mfaguard.model.report import AuditReport, Finding, Severity, Status
    from mfaguard.model.settings import AuditSettings, NumberMatchingMode

_EXPORTS = {
    "ConditionalAccessData": "conditional_access",
    "ConditionalAccessPolicy": "conditional_access",
    "NamedLocation": "conditional_access",
    "Part": "conditional_access",
    "RoleAssignment": "conditional_access",
    "SecurityDefaults": "conditional_access",
    "Directory": "directory",
    "DirectoryUser": "directory",
    "Group": "directory",
    "Level": "directory",
    "ReadProblem": "directory",
    "AuthenticationMethodsPolicy": "policy",
    "TenantInfo": "policy",
    "TenantSnapshot": "policy",
    "AuditReport": "report",
    "Finding": "report",
    "Severity": "report",
    "Status": "report",
    "AuditSettings": "settings",
    "NumberMatchingMode": "settings",
}

__all__ = [
    "AuditReport",
    "AuditSettings",
    "AuthenticationMethodsPolicy",
    "ConditionalAccessData",
    "ConditionalAccessPolicy",
    "Directory",
    "DirectoryUser",
    "Finding",
    "Group",
    "Level",
    "NamedLocation",
    "NumberMatchingMode",
    "Part",
    "ReadProblem",
    "RoleAssignment",
    "SecurityDefaults",
    "Severity",
    "Status",
    "TenantInfo",
    "TenantSnapshot",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
