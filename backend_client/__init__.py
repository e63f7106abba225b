"""HTTP client and sync engine for the central service."""
