"""Coverage: who is actually protected, per user, and why (DESIGN §9, §10). Pure: no I/O.

``resolve`` (nested membership with reason chains), ``evaluate`` (the effective methods policy per
user: levels and reasons), ``lockout`` (what a planned change would leave unusable), and Conditional Access per user: ``requirement`` (the engine), ``ca_cells``,
``ca_grants``, ``ca_applicability``, ``device_filter``, ``ca_explain`` and the MFA-019..025 judgements
(``ca_judgements``, ``ca_policy_checks``, ``ca_judge_base``). The data they judge is in
:mod:`mfaguard.model`; reading it is :mod:`mfaguard.read`.
"""

__all__ = [
    "ca_applicability",
    "ca_cells",
    "ca_explain",
    "ca_grants",
    "ca_judge_base",
    "ca_judgements",
    "ca_policy_checks",
    "device_filter",
    "evaluate",
    "lockout",
    "requirement",
    "resolve",
]
