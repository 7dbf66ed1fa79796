"""The YAML models of the audit settings (pydantic), kept apart so that importing
:mod:`mfaguard.settings` stays cheap. Also used by the fleet configuration (``ExceptionConfig``)."""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mfaguard.report import ExceptionGrant
from mfaguard.settings import AuditSettings, NumberMatchingMode

__all__ = ["AuditConfigFile", "ExceptionConfig"]

CONTROL_ID_PATTERN = re.compile(r"^MFA-\d{3}$")


class ExceptionConfig(BaseModel):
    """One accepted risk in a YAML file (also used by the fleet configuration)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    control: str = Field(description="Control id, e.g. MFA-006.")
    resource: str | None = Field(default=None, description="Only the finding about this resource.")
    reason: str = Field(min_length=1, description="Why the risk is accepted.")
    owner: str = Field(min_length=1, description="Who accepted it (person or team).")
    expires: date | None = Field(default=None, description="Last day the exception applies (YYYY-MM-DD).")

    @field_validator("control")
    @classmethod
    def _known_control(cls, value: str) -> str:
        value = value.strip().upper()
        if not CONTROL_ID_PATTERN.match(value):
            raise ValueError(f"'{value}' is not a control id (MFA-001 …)")
        # Lazy: the catalogue imports this module. A typo'd id would silently never match a finding.
        from mfaguard.controls import CONTROL_IDS

        if value not in CONTROL_IDS:
            raise ValueError(f"unknown control {value} (known: MFA-001 … {max(CONTROL_IDS)})")
        return value

    def to_grant(self) -> ExceptionGrant:
        return ExceptionGrant(
            control_id=self.control,
            reason=self.reason,
            owner=self.owner,
            expires=self.expires,
            resource=self.resource,
        )


class AuditConfigFile(BaseModel):
    """The YAML ``--config`` file of ``mfaguard audit`` (unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    break_glass_groups: list[str] = Field(default_factory=list)
    number_matching: NumberMatchingMode = NumberMatchingMode.SERVICE_ENFORCED
    exceptions: list[ExceptionConfig] = Field(default_factory=list)
    break_glass_max_members: int = Field(
        default=4, ge=1, description="MFA-018: most users a break-glass group may hold."
    )

    def to_settings(self) -> AuditSettings:
        return AuditSettings(
            break_glass_groups=tuple(self.break_glass_groups),
            number_matching=self.number_matching,
            exceptions=tuple(e.to_grant() for e in self.exceptions),
            break_glass_max_members=self.break_glass_max_members,
        )
