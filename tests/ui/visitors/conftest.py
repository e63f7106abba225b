"""The visitor screens' fixtures: real central and enrolled kiosks (tests/fixtures/sync.py)
and the app around one (rig.visitor_ui)."""

from tests.fixtures.sync import make_kiosk, sync_central  # noqa: F401
from tests.ui.visitors.rig import visitor_ui  # noqa: F401
