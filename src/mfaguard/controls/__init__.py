"""The control catalogue MFA-001..MFA-018 (DESIGN §3): one module per control, registered here.

:data:`CONTROLS` is the explicit registry, in id order; ids are stable and never reused. A contract
test checks that every control module is registered, documented (``docs/controls/``), tested for each
status it can produce and has valid references.
"""

from __future__ import annotations

from . import (
    mfa001_authenticator_enabled,
    mfa002_number_matching,
    mfa003_app_name,
    mfa004_location,
    mfa005_companion_app,
    mfa006_authenticator_otp,
    mfa007_sms,
    mfa008_voice,
    mfa009_email,
    mfa010_report_suspicious,
    mfa011_system_preferred,
    mfa012_registration_campaign,
    mfa013_migration,
    mfa014_exclusions,
    mfa015_groups_exist,
    mfa016_weak_members,
    mfa017_admin_strength,
    mfa018_break_glass,
)
from ._coverage import COVERAGE_CONTROL_IDS
from .base import Control, Reference, Remediation, Result

__all__ = [
    "CONTROLS",
    "CONTROL_IDS",
    "COVERAGE_CONTROL_IDS",
    "Control",
    "Reference",
    "Remediation",
    "Result",
    "control_by_id",
]

CONTROLS: tuple[Control, ...] = (
    mfa001_authenticator_enabled.CONTROL,
    mfa002_number_matching.CONTROL,
    mfa003_app_name.CONTROL,
    mfa004_location.CONTROL,
    mfa005_companion_app.CONTROL,
    mfa006_authenticator_otp.CONTROL,
    mfa007_sms.CONTROL,
    mfa008_voice.CONTROL,
    mfa009_email.CONTROL,
    mfa010_report_suspicious.CONTROL,
    mfa011_system_preferred.CONTROL,
    mfa012_registration_campaign.CONTROL,
    mfa013_migration.CONTROL,
    mfa014_exclusions.CONTROL,
    mfa015_groups_exist.CONTROL,
    mfa016_weak_members.CONTROL,
    mfa017_admin_strength.CONTROL,
    mfa018_break_glass.CONTROL,
)

CONTROL_IDS: frozenset[str] = frozenset(c.id for c in CONTROLS)


def control_by_id(control_id: str) -> Control:
    """The registered control with this id (case-insensitive); KeyError if none."""
    wanted = control_id.upper()
    for control in CONTROLS:
        if control.id == wanted:
            return control
    raise KeyError(control_id)
