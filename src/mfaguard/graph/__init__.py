"""Everything that talks to or understands Microsoft Graph: the only HTTP code in mfaguard.

``connect`` (endpoint + credential → a client and the tenant it reads: the one way in), ``auth``
(credentials and tokens), ``client`` (paging, ``$batch``, retries, Retry-After), ``pacing`` (the
reports throttle), ``pool`` (shared connections), ``errors`` (Graph answers → the error hierarchy),
``clouds`` (national cloud endpoints), ``webhook`` (posting notifications), and the parsers of Graph
JSON into :mod:`mfaguard.model`: ``parse`` (the methods policy) and ``ca_parse`` (Conditional Access).
Importing this package imports nothing heavy.
"""

__all__ = [
    "auth",
    "ca_parse",
    "client",
    "clouds",
    "connect",
    "errors",
    "pacing",
    "parse",
    "pool",
    "webhook",
]
