"""The sync stack's fixtures (tests/fixtures/sync.py) for the help button tests."""

from tests.fixtures.sync import make_kiosk, sync_central  # noqa: F401
