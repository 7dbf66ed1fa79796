"""MFA-003 — Notifications show the application name.

- PASS: ``featureSettings.displayAppInformationRequiredState`` ``state`` is ``enabled`` and its
  ``includeTarget`` is ``all_users``.
- FAIL: ``default`` (Microsoft managed, currently disabled; also when the feature is absent),
  ``disabled``, enabled for a group only, or a state value mfaguard does not know.
- ERROR: the MicrosoftAuthenticator configuration is missing; or the feature is ``enabled`` without
  an ``includeTarget``, or present without a ``state``.
- NOT_APPLICABLE: Microsoft Authenticator is disabled.

Exclusions are judged by MFA-014.
"""

from __future__ import annotations

from mfaguard.model.policy import APP_INFORMATION

from ._context import context_control
from .base import cis, cisa, eidsca, zta

CONTROL = context_control(
    control_id="MFA-003",
    feature=APP_INFORMATION,
    title="Notifications show the application name",
    portal_label="Show application name in push and passwordless notifications",
    effect="every push names the application that asks for approval",
    rationale=(
        "A push that names the application asking for sign-in lets the user notice a prompt they did "
        "not cause (\"why is 'Azure CLI' asking?\") and deny it instead of approving out of habit or "
        "fatigue. Microsoft managed ('default') currently means off."
    ),
    references=(eidsca("AM06"), eidsca("AM07"), cisa("MS.AAD.3.3v2"), cis("5.2.3.1"), zta("21802")),
    doc=__doc__ or "",
)
