"""The audit ``--config`` file: its YAML models (pydantic) and :func:`load_audit_config`.

Kept apart from :mod:`mfaguard.model.settings` so that importing the settings (every command does,
``--help`` included) does not pay for pydantic and PyYAML. ``ExceptionConfig`` is also used by the
fleet configuration.

Control ids are checked against the catalogue the caller passes in the validation context
(``context={KNOWN_CONTROLS: CONTROL_IDS}``): the catalogue sits above this module in the layering
(DEVELOPERS.md), and a typo'd id would silently never match a finding.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from mfaguard.model.report import ExceptionGrant
from mfaguard.model.settings import AuditSettings, NumberMatchingMode

__all__ = [
    "CONTROL_ID_PATTERN",
    "KNOWN_CONTROLS",
    "AuditConfigFile",
    "ExceptionConfig",
    "check_control_id",
    "load_audit_config",
]

CONTROL_ID_PATTERN = re.compile(r"^MFA-\d{3}$")

KNOWN_CONTROLS = "known_controls"
"""Key of the validation context that holds the registered control ids."""


def check_control_id(value: str, info: ValidationInfo) -> str:
    """``value`` as a registered control id (upper case); ValueError naming the problem otherwise."""
    value = value.strip().upper()
    if not CONTROL_ID_PATTERN.match(value):
        raise ValueError(f"'{value}' is not a control id (MFA-001 …)")
    known: Collection[str] | None = (info.context or {}).get(KNOWN_CONTROLS)
    if known is None:
        # A loader that forgot the catalogue must not accept ids it cannot check.
        raise ValueError(f"cannot check control {value}: no control catalogue given (a bug in mfaguard)")
    if value not in known:
        raise ValueError(f"unknown control {value} (known: MFA-001 … {max(known)})")
    return value


class ExceptionConfig(BaseModel):
    """One accepted risk in a YAML file (also used by the fleet configuration)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    control: str = Field(description="Control id, e.g. MFA-006.")
    resource: str | None = Field(default=None, description="Only the finding about this resource.")
    reason: str = Field(min_length=1, description="Why the risk is accepted.")
    owner: str = Field(min_length=1, description="Who accepted it (person or team).")
    expires: date | None = Field(default=None, description="Last day the exception applies (YYYY-MM-DD).")

    _known_control = field_validator("control")(check_control_id)

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


def load_audit_config(path: str | os.PathLike[str], *, known_controls: Collection[str]) -> AuditSettings:
    """Read and validate a YAML audit config; ConfigError "FILE:LINE: key: problem" when it is wrong.

    ``known_controls``: the registered control ids (:data:`mfaguard.controls.CONTROL_IDS`).
    """
    from mfaguard.config.yaml import load_and_validate

    model = load_and_validate(
        Path(path), AuditConfigFile, what="audit config", context={KNOWN_CONTROLS: known_controls}
    )
    return model.to_settings()
