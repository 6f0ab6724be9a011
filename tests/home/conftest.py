"""The home page reads every app: its tests use the rooms fixtures (a deal with its room)."""

from tests.customers.conftest import cx  # noqa: F401
from tests.pipeline.conftest import pp  # noqa: F401
from tests.rooms.conftest import rm  # noqa: F401
