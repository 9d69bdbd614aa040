"""The engine interface: what a storage backend provides to the lease transactions.

The lease operations (``dos.store.leases``) are written once, in SQL with ``?``
placeholders, against this interface. Each engine module (``sqlite``, ``postgres``)
supplies connections, one serialised write transaction per workspace, its clock, a
fence sequence, and its DDL. Engine errors are mapped to ``dos.errors.StoreError``
(and ``StoreUnreachable`` for a server that cannot be reached) inside the engine.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol, Sequence

from dos.errors import StoreBusy, StoreCorrupt, StoreError, StoreFull, StoreReadOnly  # noqa: F401 - re-exported

from dos.store.schema import SCHEMA_VERSION  # noqa: E402,F401 - re-exported


class Tx(Protocol):
    """One open transaction."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement with ``?`` placeholders; return all rows (empty for DML without RETURNING)."""
        ...

    def now_ms(self) -> int:
        """The store's clock in milliseconds (the injected clock for SQLite, the server's for PostgreSQL)."""
        ...

    def next_fence(self) -> int:
        """The next fencing token: strictly greater than every token handed out before, never reused."""
        ...


class Engine(Protocol):
    """A storage backend for one workspace."""

    name: str  # "sqlite" | "postgres"
    location: str  # a file path, or a URL with the password removed

    def write(self) -> AbstractContextManager[Tx]:
        """A write transaction serialised per workspace: the write lock is taken before any read.

        SQLite: ``BEGIN IMMEDIATE`` with a busy timeout (waiters queue, never fail fast).
        PostgreSQL: a transaction holding ``pg_advisory_xact_lock`` keyed by the workspace.
        Commits on normal exit, rolls back on any exception.
        """
        ...

    def read(self) -> AbstractContextManager[Tx]:
        """A consistent read-only snapshot."""
        ...

    def migrate(self) -> int:
        """Create or upgrade the schema; return the schema version now in place."""
        ...

    def settle(self) -> None:
        """Return once every commit this engine's reads may have seen is durable: what a reader calls
        before it passes what it read on (``dos export``). PostgreSQL writes commit visible first."""
        ...

    def close(self) -> None:
        ...
