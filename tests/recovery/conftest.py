"""The store fixtures of tests/store (``store_factory``: every store test on each engine)."""

from tests.store.conftest import store_factory  # noqa: F401 - a fixture, registered by being imported here
