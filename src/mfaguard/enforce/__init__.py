"""Safe change (DESIGN §5): baselines, the pure planner, the only writer, rollback, and the workflow.

``baseline`` (desired state in YAML; built-in baselines), ``plan`` (pure: snapshot + baseline → the
minimal changes), ``body`` / ``values`` (PATCH bodies and how values print), ``lockout`` (would a plan
leave users without a method), ``apply`` (the only writer: record, re-read, PATCH, verify, undo),
``rollback``, ``journal`` (change statuses and the protocols the history store implements), ``session`` (plan / apply / rollback in order, with every safety check) and ``live``
(the same on an open Graph client).
"""

__all__ = ["apply", "baseline", "body", "journal", "live", "lockout", "plan", "rollback", "session", "values"]
