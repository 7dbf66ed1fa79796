"""Coverage: who is actually protected, per user, and why (DESIGN §9).

``models`` (frozen directory data), ``resolve`` (nested membership with reason chains),
``evaluate`` (pure effective policy per user), ``lockout`` (what a planned change would leave
unusable), ``collect`` (reading the directory through :class:`~mfaguard.graph.client.GraphClient`),
``serialize`` (directory data in snapshot files).
"""
