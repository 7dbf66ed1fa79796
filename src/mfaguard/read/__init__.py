"""Tenant reads over :mod:`mfaguard.graph`: what a live run reads, and the snapshot files that keep it.

``tenant`` (:func:`~mfaguard.read.tenant.read_tenant`: the whole read, what every live command reads),
``policy`` (the Authentication Methods Policy and the groups it names), ``directory`` (users, the
registration report, nested group members — what coverage needs), ``directory_json`` (those rows as
Graph sends them and as snapshot files keep them), ``snapshot_file`` (save / load an mfaguard snapshot
or a Graph Explorer body) and ``doctor`` (can this credential read what each command needs).
Conditional Access reads belong beside them (``conditional_access``).
"""

__all__ = ["directory", "directory_json", "doctor", "policy", "snapshot_file", "tenant"]
