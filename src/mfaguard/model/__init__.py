"""Frozen tenant data that the judging code reads (no I/O, never mutated).

``conditional_access`` holds Conditional Access policies, authentication strengths, named
locations, security defaults and directory role assignments (DESIGN §10); ``ca_parse`` builds them
from Graph's v1.0 JSON.
"""

from mfaguard.model.conditional_access import (
    ConditionalAccessData,
    ConditionalAccessPolicy,
    NamedLocation,
    Part,
    RoleAssignment,
    SecurityDefaults,
)

__all__ = [
    "ConditionalAccessData",
    "ConditionalAccessPolicy",
    "NamedLocation",
    "Part",
    "RoleAssignment",
    "SecurityDefaults",
]
