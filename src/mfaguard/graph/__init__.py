"""Everything that talks to or understands Microsoft Graph.

``parse`` turns raw Graph JSON into the frozen models; the HTTP client and credentials live beside it
(the only HTTP code in mfaguard). Importing this package imports nothing heavy.
"""
