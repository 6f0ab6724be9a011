"""Pipeline settings pages build on the pipeline fixtures (tests/pipeline/conftest.py): `pp`
holds workspace Alpha's staged type "New business" with four stages, a simple and a referral
type, and two loss reasons."""

from tests.customers.conftest import cx  # noqa: F401  (the fixture `pp` builds on)
from tests.pipeline.conftest import pp  # noqa: F401
