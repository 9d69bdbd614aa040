"""The event log and its live views, one module per engine.

``open_engine`` picks the engine for a workspace: SQLite under ``.dos/`` by default
(created on the first write), PostgreSQL when ``[store] url`` or ``DOS_STORE_URL`` is set.
The ``Store`` (``dos.store.leases``) runs every lease operation as one transaction on it.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # the hook imports dos.store.live: this package must stay cheap to import
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Callable

    from dos.config import StoreConfig

__all__ = ["open_engine", "store_schema", "store_url"]


def store_url(store_cfg: StoreConfig) -> str:
    """The PostgreSQL URL in force (env ``DOS_STORE_URL`` wins over ``[store] url``), or ''."""
    return os.environ.get("DOS_STORE_URL", "").strip() or store_cfg.url.strip()


def store_schema(store_cfg: StoreConfig) -> str:
    """The PostgreSQL schema named explicitly (env ``DOS_STORE_SCHEMA`` wins over ``[store] schema``), or ''."""
    return os.environ.get("DOS_STORE_SCHEMA", "").strip() or store_cfg.schema.strip()


def open_engine(root: Path, state_dir: Path, store_cfg: StoreConfig, *, clock: Callable[[], int] | None = None,
                busy_timeout_ms: int | None = None, schema: str = "", on_create: Callable[[], None] | None = None):
    """The engine holding ROOT's store; nothing is created until the first write.

    SCHEMA: the PostgreSQL schema (the caller resolves the default; see ``dos.service.stores``).
    ON_CREATE runs once a SQLite store file is first created (the service records the workspace).
    """
    busy = store_cfg.busy_timeout_ms if busy_timeout_ms is None else busy_timeout_ms
    url = store_url(store_cfg)
    if url:
        from dos.store import postgres  # imported only when configured

        return postgres.PostgresEngine(url, schema=schema or store_schema(store_cfg), clock=clock,
                                       busy_timeout_ms=busy)
    from dos.config import ensure_state_dir
    from dos.store.sqlite import SqliteEngine, default_path

    path = default_path(state_dir, store_cfg.path, root)

    def created() -> None:
        if path.parent == state_dir:
            ensure_state_dir(root)
        if on_create is not None:
            on_create()

    return SqliteEngine(path, clock=clock, busy_timeout_ms=busy, on_create=created)
