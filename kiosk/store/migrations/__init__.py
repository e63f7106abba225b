"""Alembic migrations of the kiosk's local store, shipped in the package and run on start."""
