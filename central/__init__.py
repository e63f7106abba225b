"""The central service: REST API for kiosks, approvals and passes, and the receptionist console."""

__version__ = "0.1.0"
