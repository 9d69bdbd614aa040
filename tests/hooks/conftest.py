"""Fixtures for the hook tests (the helpers live in hookkit, a uniquely named module)."""

from tests.hooks.hookkit import ws  # noqa: F401 - re-exported as a fixture
