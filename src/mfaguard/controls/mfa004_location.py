"""MFA-004 — Notifications show the geographic location.

- PASS: ``featureSettings.displayLocationInformationRequiredState`` ``state`` is ``enabled`` and its
  ``includeTarget`` is ``all_users``.
- FAIL: ``default`` (Microsoft managed, currently disabled; also when the feature is absent),
  ``disabled``, enabled for a group only, or a state value mfaguard does not know.
- ERROR: the MicrosoftAuthenticator configuration is missing; or the feature is ``enabled`` without
  an ``includeTarget``, or present without a ``state``.
- NOT_APPLICABLE: Microsoft Authenticator is disabled.

Exclusions are judged by MFA-014.
"""

from __future__ import annotations

from mfaguard.model.policy import LOCATION_INFORMATION

from ._context import context_control
from .base import cis, cisa, eidsca, zta

CONTROL = context_control(
    control_id="MFA-004",
    feature=LOCATION_INFORMATION,
    title="Notifications show the geographic location",
    portal_label="Show geographic location in push and passwordless notifications",
    effect="every push shows where the sign-in comes from",
    rationale=(
        "A push that shows the sign-in's location (from its IP address) lets the user see that a "
        "prompt comes from another country or city and deny it. Attackers running MFA-fatigue "
        "campaigns rarely sit next to their victim. Microsoft managed ('default') currently means off."
    ),
    references=(eidsca("AM09"), eidsca("AM10"), cisa("MS.AAD.3.3v2"), cis("5.2.3.1"), zta("21802")),
    doc=__doc__ or "",
)
