"""Fixtures for the observability tests: the store engines (SQLite and PostgreSQL)."""

from tests.store.conftest import store_factory  # noqa: F401 - re-exported as a fixture
