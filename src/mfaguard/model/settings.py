"""Audit settings: what the tenant owner tells mfaguard about their tenant.

:class:`AuditSettings` is the frozen value the engine and controls read. It comes from defaults, the
YAML ``--config`` file (:func:`mfaguard.config.audit_file.load_audit_config`) and command line flags
(:meth:`AuditSettings.merged`).

Example ``--config`` file::

    break_glass_groups: [5f0e..., 7a21...]   # group ids that may be excluded (MFA-014)
    number_matching: service_enforced        # or configurable (the pre-2023 world)
    exceptions:
      - control: MFA-006
        reason: OTP codes needed by the warehouse scanners until Q2
        owner: secops@contoso.com
        expires: 2027-03-31
      - control: MFA-014
        resource: 3c5d...                    # only the finding about this group
        reason: legacy VPN service accounts
        owner: it@contoso.com
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from mfaguard.model.report import ExceptionGrant

__all__ = ["AuditSettings", "NumberMatchingMode"]


class NumberMatchingMode(StrEnum):
    """How number matching is governed in the tenant (DESIGN §2)."""

    SERVICE_ENFORCED = "service_enforced"
    """Microsoft enforces it for every push since 2023-05-08; the policy value is cosmetic."""
    CONFIGURABLE = "configurable"
    """The pre-2023 world (e.g. the emulator's legacy-2022 scenario): the policy value decides."""


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """Settings every control and the engine may read. Immutable; defaults are the safe choice."""

    break_glass_groups: tuple[str, ...] = ()
    """Group ids that may be excluded (emergency-access accounts). Matched case-insensitively."""
    number_matching: NumberMatchingMode = NumberMatchingMode.SERVICE_ENFORCED
    exceptions: tuple[ExceptionGrant, ...] = field(default=())
    break_glass_max_members: int = 4
    """MFA-018: most users a break-glass group may hold (nested groups resolved)."""

    def is_break_glass(self, group_id: str) -> bool:
        key = group_id.lower()
        return any(key == g.lower() for g in self.break_glass_groups)

    def merged(
        self,
        *,
        break_glass_groups: Iterable[str] = (),
        number_matching: NumberMatchingMode | None = None,
    ) -> AuditSettings:
        """These settings with command-line values on top (groups added, mode replaced)."""
        groups = tuple(dict.fromkeys((*self.break_glass_groups, *break_glass_groups)))
        return replace(
            self,
            break_glass_groups=groups,
            number_matching=number_matching if number_matching is not None else self.number_matching,
        )

    def to_json(self) -> dict[str, Any]:
        """What the report records about the settings it was judged with."""
        return {
            "break_glass_groups": list(self.break_glass_groups),
            "number_matching": self.number_matching.value,
            "exceptions": [
                {"control": e.control_id, "resource": e.resource, **e.to_json()} for e in self.exceptions
            ],
        }
