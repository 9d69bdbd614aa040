"""What one tool call sees: its checked arguments and the service context of its workspace.

The workspace is the call's ``workspace`` argument, else the server's ``--workspace``,
else the usual discovery. ``dos.toml`` is read on every call (a changed file counts on
the next one); its parsed config is reused while the bytes are the same.

The service context (and so the store handle) is kept per worker thread and reused by
the next call on that thread, so no SQLite handle crosses threads and a call pays for no
open, schema check or WAL checkpoint on close. Every call is still one store transaction
that sees other processes' commits. The kept context is dropped, and a fresh one opened,
when the config changes, when the store file is replaced or removed, when the files the
self-modify guard protects change, or after a call that raised. Under a deadline, a
locked store gives up at half of it: a write that could not start in time fails
(StoreBusy) instead of committing after the agent was told STALLED.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

_configs: dict[Path, tuple[bytes, Any]] = {}  # root -> (dos.toml bytes, the Config parsed from them)
_configs_lock = threading.Lock()
_kept = threading.local()  # .contexts: {(root, found_by): _Kept} of this worker thread
MAX_KEPT = 8  # workspaces whose context one thread keeps open; the least recently used goes first


class Call:
    """One tool invocation's context."""

    def __init__(self, tool: str, args: dict[str, Any], default_workspace: str | None = None, *,
                 deadline_ms: int = 0, holder_pid: int | None = None) -> None:
        self.tool = tool
        self.args = args
        self._default_workspace = default_workspace
        self.deadline_ms = deadline_ms
        self.holder_pid = holder_pid  # recorded on leases; None: the TTL alone decides expiry

    @property
    def git_timeout_s(self) -> float | None:
        """Seconds git may run: just past the deadline (which answers first), so a hung git is killed."""
        return self.deadline_ms / 1000 + 1 if self.deadline_ms > 0 else None

    @cached_property
    def workspace(self):  # -> dos.config.Workspace
        from dos.config import find_workspace
        from dos.errors import WorkspaceError

        given = self.args.get("workspace")
        try:
            return find_workspace(given or self._default_workspace or None)
        except WorkspaceError:
            if not given:
                raise
            from dos.mcp.args import BadArgument

            raise BadArgument(self.tool, "workspace", f"{given!r} is not a directory; pass the workspace "
                                                      f"root, or omit it for the server's") from None

    @cached_property
    def config(self):  # -> dos.config.Config
        return config_of(self.workspace.root)

    @contextmanager
    def service(self) -> Iterator[Any]:
        """The call's service context: this thread's kept one for the workspace, or a fresh one."""
        busy = None
        if self.deadline_ms > 0:
            busy = min(self.config.store.busy_timeout_ms, max(50, self.deadline_ms // 2))
        kept = _context_for(self.workspace, self.config, busy)
        try:
            yield kept.ctx
        except BaseException:
            forget(self.workspace)  # a failed call may leave the handle in any state: start afresh
            raise
        kept.remember_store()


def config_of(root: Path):  # -> dos.config.Config
    """ROOT's config, parsed again only when ``dos.toml``'s bytes changed (errors are never kept)."""
    from dos.config import load_config

    path = root / "dos.toml"
    try:
        before = path.read_bytes()
    except OSError:
        return load_config(root)  # missing (the defaults) or unreadable (its error): nothing to keep
    with _configs_lock:
        held = _configs.get(root)
    if held is not None and held[0] == before:
        return held[1]
    cfg = load_config(root)
    try:
        after = path.read_bytes()
    except OSError:
        return cfg
    if after == before:  # parsed from exactly these bytes: safe to keep
        with _configs_lock:
            _configs[root] = (before, cfg)
    return cfg


class _Kept:
    """A service context kept on one thread, with what it was opened for."""

    def __init__(self, ctx: Any, config: Any, busy: int | None) -> None:
        self.ctx = ctx
        self.config = config
        self.busy = busy
        self.store_file: tuple[int, int] | None = None  # (st_dev, st_ino) of the SQLite file it opened

    def still_good(self, config: Any, busy: int | None) -> bool:
        if config is not self.config or busy != self.busy:
            return False
        store = self.ctx._store
        if store is None:
            return True
        if self.store_file is not None and self.store_file != _file_id(getattr(store.engine, "path", None)):
            return False  # the store was replaced or removed: never write into the old file
        from dos.kernel.selfmodify import SELF_MODIFY_FILES

        root = str(self.ctx.root)  # the self-modify guard covers the kernel files that exist: did one appear?
        guarded = tuple(rel for rel in SELF_MODIFY_FILES if os.path.exists(os.path.join(root, rel)))
        return guarded == tuple(store.taxonomy.protected)

    def remember_store(self) -> None:
        store = self.ctx._store
        if store is not None and self.store_file is None:
            self.store_file = _file_id(getattr(store.engine, "path", None))


def _file_id(path: Any) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1)  # gone: differs from any file it had
    return (st.st_dev, st.st_ino)


def _contexts() -> dict[tuple[Path, str], _Kept]:
    return _kept.__dict__.setdefault("contexts", {})


def _context_for(workspace: Any, config: Any, busy: int | None) -> _Kept:
    from dos.service.context import Context

    contexts = _contexts()
    key = (workspace.root, workspace.found_by)
    kept = contexts.pop(key, None)
    if kept is not None and kept.still_good(config, busy):
        contexts[key] = kept  # most recently used last
        return kept
    if kept is not None:
        _close(kept)
    while len(contexts) >= MAX_KEPT:
        _close(contexts.pop(next(iter(contexts))))
    kept = contexts[key] = _Kept(Context(workspace, config, busy_timeout_ms=busy), config, busy)
    return kept


def forget(workspace: Any) -> None:
    """Close this thread's kept context for WORKSPACE, if any."""
    kept = _contexts().pop((workspace.root, workspace.found_by), None)
    if kept is not None:
        _close(kept)


def _close(kept: _Kept) -> None:
    try:
        kept.ctx.close()
    except Exception:  # noqa: BLE001 - closing a handle that already failed must not mask the call
        pass
