"""Many tenants (DESIGN §7): the fleet file, the runner, per-tenant steps, drift, watch, remediation.

``config`` (the fleet file's models), ``model`` (:class:`~mfaguard.fleet.model.Mode`, one tenant as the runner sees it), ``load`` (file → tenants to run), ``runner``
(concurrency, isolation, shared plumbing), ``operations`` and ``steps`` (what is done per tenant),
``drift``, ``remediate``, ``alerting`` (notifications once), ``schedule`` and ``watch``, ``session``
(the wiring the CLI calls), ``render`` and ``passwords`` (dashboard logins).
"""

__all__ = [
    "alerting",
    "config",
    "drift",
    "load",
    "model",
    "operations",
    "passwords",
    "remediate",
    "render",
    "runner",
    "schedule",
    "session",
    "steps",
    "watch",
]
