"""The sync stack's fixtures (tests/fixtures/sync.py), shared by the sync test directories."""

from tests.fixtures.sync import make_kiosk, sync_central  # noqa: F401
