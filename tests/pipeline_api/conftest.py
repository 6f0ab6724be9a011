"""The pipeline fixtures (tests/pipeline/conftest.py: `pp` on top of the customers' `cx`) and
a JSON client for the API, as the customers API tests use it."""

from __future__ import annotations

import pytest

from tests.customers.conftest import cx  # noqa: F401  (the fixture `pp` builds on)
from tests.customers.test_api import Api
from tests.pipeline.conftest import clock, pp  # noqa: F401


@pytest.fixture
def api(world):
    """A client for someone in the world: `api("rep")`, by session or by `"token"`."""

    def make(role: str, auth: str = "session", slug: str = "alpha", user=None) -> Api:
        return Api(user or world.user(slug, role), auth, slug)

    return make
