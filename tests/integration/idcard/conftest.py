"""The simulated SAM module fixture for the ID reader's integration tests."""

from tests.fixtures.sam_module import sam_rig  # noqa: F401 - registers the fixture
