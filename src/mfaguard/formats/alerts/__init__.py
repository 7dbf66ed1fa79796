"""Detection alert documents (``mfaguard detect``): table, JSON, CSV, SARIF and Markdown."""

__all__ = ["render"]
