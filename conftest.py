"""Root conftest: registers the fixture modules, one per real stack the suite drives."""

pytest_plugins = [
    "tests.fixtures.pcsc",
    "tests.fixtures.serial_pty",
    "tests.fixtures.scanner",
    "tests.fixtures.central",
    "tests.fixtures.kiosk",
]
