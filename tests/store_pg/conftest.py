"""Fixtures for the PostgreSQL engine tests: engines on a fresh database per test."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from dos.store.postgres import PostgresEngine
from tests.store.conftest import StoreFactory
from tests.store_pg.roundtrips import RoundTripRelay


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Callable[..., PostgresEngine]]:
    """Factory: ``pg_engine(schema="ws_a", busy_timeout_ms=...)`` opens an engine on this test's database."""
    opened: list[PostgresEngine] = []

    def make(schema: str = "dos_test", **kw: object) -> PostgresEngine:
        engine = PostgresEngine(pg_url, schema=schema, **kw)  # type: ignore[arg-type]
        opened.append(engine)
        return engine

    yield make
    for engine in opened:
        try:
            engine.close()
        except Exception:
            pass


@pytest.fixture
def relay(pg_url: str) -> Iterator[RoundTripRelay]:
    """A round-trip counting relay in front of this test's server (also a partition switch)."""
    r = RoundTripRelay(pg_url)
    yield r
    r.close()


@pytest.fixture
def pg(pg_url: str) -> Iterator[StoreFactory]:
    """Factory of Stores on this test's database: ``pg.make(root, schema=...)`` (closed at the end)."""
    factory = StoreFactory("postgres", {"DOS_STORE_URL": pg_url, "DOS_STORE_SCHEMA": "dos_test"})
    yield factory
    for store in factory.opened:
        store.close()
