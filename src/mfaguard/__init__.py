"""mfaguard: protect Microsoft Entra ID tenants against MFA fatigue (push-spam) attacks."""

__version__ = "0.1.0"

__all__ = ["__version__"]
