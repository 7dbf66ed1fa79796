"""Coverage documents (``mfaguard coverage`` and ``explain``): table, JSON, CSV and HTML."""

__all__ = ["render"]
