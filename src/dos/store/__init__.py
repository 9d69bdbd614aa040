"""The event log and its live views, one module per engine.

``open_store(ws, cfg)`` picks the engine: SQLite under ``.dos/`` by default (created on
the first write), PostgreSQL when ``[store] url`` or ``DOS_STORE_URL`` is set.
``describe(ws, cfg)`` reports the store for ``dos doctor`` without creating anything.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from dos.config import Config, Workspace
    from dos.kernel.lanes import Taxonomy
    from dos.store.leases import Store

__all__ = ["open_store", "describe", "taxonomy", "store_url", "load_predicates"]


def store_url(cfg: Config) -> str:
    """The PostgreSQL URL in force (env ``DOS_STORE_URL`` wins over ``[store] url``), or ''."""
    return os.environ.get("DOS_STORE_URL", "").strip() or cfg.store.url.strip()


def taxonomy(cfg: Config, root: Path | None = None) -> Taxonomy:
    """The kernel taxonomy from ``[lanes]``; self-modify guards the kernel files that exist under ROOT."""
    from dos.kernel.lanes import Taxonomy
    from dos.plugins import protected_files

    lanes = cfg.lanes
    protected: tuple[str, ...] = ()
    if root is not None:
        protected = protected_files(root)
    return Taxonomy(concurrent=tuple(lanes.concurrent), exclusive=tuple(lanes.exclusive),
                    autopick=tuple(lanes.autopick),
                    trees={k: tuple(v) for k, v in lanes.trees.items()},
                    aliases=dict(lanes.aliases), protected=protected)


def load_predicates() -> tuple[Any, ...]:
    """Admission predicate plugins (``dos.predicates``); a broken one refuses, it never admits."""
    from dos.plugins import discover

    return discover()


def _engine(ws: Workspace, cfg: Config, clock: Callable[[], int] | None):
    url = store_url(cfg)
    if url:
        from dos.store import postgres  # imported only when configured

        return postgres.PostgresEngine(url, workspace=str(ws.root), schema=cfg.store.schema, clock=clock,
                                       busy_timeout_ms=cfg.store.busy_timeout_ms)
    from dos.store.sqlite import SqliteEngine, default_path

    path = default_path(ws.state_dir, cfg.store.path, ws.root)

    def on_create() -> None:
        if path.parent == ws.state_dir:
            ws.ensure_state_dir()

    return SqliteEngine(path, clock=clock, busy_timeout_ms=cfg.store.busy_timeout_ms, on_create=on_create)


def open_store(ws: Workspace, cfg: Config, *, clock: Callable[[], int] | None = None) -> Store:
    """The store of workspace WS. Nothing is created until the first write."""
    from dos.store.leases import Store

    return Store(_engine(ws, cfg, clock), taxonomy(cfg, ws.root),
                 default_ttl_ms=int(cfg.store.lease_ttl_s * 1000), predicates=load_predicates)


def describe(ws: Workspace, cfg: Config) -> dict[str, Any]:
    """engine, location, ok, detail, events, live_leases for ``dos doctor``; never creates, never raises."""
    from dos.errors import DosError

    url = store_url(cfg)
    info: dict[str, Any] = {"engine": "postgres" if url else "sqlite", "location": "", "ok": False,
                            "detail": "", "events": None, "live_leases": None}
    try:
        engine = _engine(ws, cfg, None)
        info["location"] = engine.location
        if not url and not Path(engine.location).exists():
            info.update(ok=True, detail="not created yet (the first write creates it)", events=0, live_leases=0)
            return info
        from dos.store.leases import Store

        store = Store(engine, taxonomy(cfg, ws.root))
        try:
            info["events"] = store.count_events()
            info["live_leases"] = len(store.live_leases())
            info.update(ok=True, detail=f"{info['events']} event(s), {info['live_leases']} live lease(s)")
        finally:
            store.close()
    except DosError as exc:
        info["detail"] = str(exc)
    except Exception as exc:  # describe reports; it never raises
        info["detail"] = f"{type(exc).__name__}: {exc}"
    return info
