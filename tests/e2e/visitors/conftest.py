"""The sync stack's fixtures (tests/fixtures/sync.py): real central on uvicorn, enrolled kiosks."""

from tests.fixtures.sync import make_kiosk, sync_central  # noqa: F401
