"""What a service call works in: the workspace, its config, one clock, and the store.

The store is opened on first use and closed with the context. The clock is the store's:
the server's on PostgreSQL (so one host's skew cannot change another's verdicts), the
injected clock (``dos.testing.FakeClock`` in tests) or the system clock on SQLite.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from dos.config import Config, Workspace, find_workspace, load_config

if TYPE_CHECKING:
    from dos.kernel.lanes import Taxonomy
    from dos.store.leases import Store

Clock = Callable[[], int]  # milliseconds since the epoch


def taxonomy(cfg: Config, root: Path | None = None) -> Taxonomy:
    """The kernel taxonomy from ``[lanes]``; self-modify guards the kernel files that exist under ROOT."""
    from dos.kernel.lanes import Taxonomy
    from dos.plugins import protected_files

    lanes = cfg.lanes
    return Taxonomy(concurrent=tuple(lanes.concurrent), exclusive=tuple(lanes.exclusive),
                    autopick=tuple(lanes.autopick), trees={k: tuple(v) for k, v in lanes.trees.items()},
                    aliases=dict(lanes.aliases), protected=protected_files(root) if root is not None else ())


def open_store(ws: Workspace, cfg: Config, *, clock: Clock | None = None,
               busy_timeout_ms: int | None = None) -> Store:
    """The store of workspace WS with its taxonomy and admission plugins; nothing is created until a write."""
    from dos.plugins import discover
    from dos.store import open_engine, store_schema, store_url
    from dos.store.leases import Store

    schema = ""
    if store_url(cfg.store) and not store_schema(cfg.store):
        from dos.service.fleet_schema import fleet_schema

        schema = fleet_schema(ws.root)
    def created() -> None:  # a new workspace store: remember the workspace in the home index
        from dos.service.home_index import register

        register(ws.root)

    engine = open_engine(ws.root, ws.state_dir, cfg.store, clock=clock, busy_timeout_ms=busy_timeout_ms,
                         schema=schema, on_create=created)
    return Store(engine, taxonomy(cfg, ws.root), default_ttl_ms=int(cfg.store.lease_ttl_s * 1000),
                 predicates=discover)


class Context:
    """One surface call's world. Use as a context manager, or call ``close()``."""

    def __init__(self, workspace: Workspace, config: Config | None = None, *, clock: Clock | None = None,
                 busy_timeout_ms: int | None = None) -> None:
        self.workspace = workspace
        self._config = config
        self.clock = clock
        self.busy_timeout_ms = busy_timeout_ms
        self._store: Store | None = None

    @classmethod
    def discover(cls, workspace: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None,
                 clock: Clock | None = None, **kw: Any) -> Context:
        """The context of the workspace found as the CLI finds it (``--workspace``, env, dos.toml, git, cwd)."""
        return cls(find_workspace(workspace, env=env), clock=clock, **kw)

    @property
    def root(self) -> Path:
        return self.workspace.root

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.workspace.root)
        return self._config

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.workspace, self.config, clock=self.clock,
                                     busy_timeout_ms=self.busy_timeout_ms)
        return self._store

    def now_ms(self) -> int:
        """The one clock: the store's (the server's on PostgreSQL)."""
        if self.clock is not None and self._store is None:
            return int(self.clock())
        return self.store.now_ms()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
