"""What the hook needs from dos.toml, compiled once and cached under ``.dos/cache/``.

The cache is keyed by dos.toml's mtime, size and inode, so an edit invalidates it; a miss
loads the strict config (a bad dos.toml raises ``ConfigError`` exactly as the CLI would).
"""

from __future__ import annotations

import json
import os
TYPE_CHECKING = False  # typing costs start-up time on the hook path

if TYPE_CHECKING:
    from typing import Any

CACHE_REL = os.path.join(".dos", "cache", "hooks-settings.json")
VERSION = 1


class Settings:
    """The compiled ``[hooks]``, ``[store]`` and ``[lanes]`` settings of one workspace."""

    __slots__ = ("root", "on_error", "auto_acquire", "unknown_footprint", "stop_block_cap",
                 "allowed_outside", "stall_ignore", "store_url", "store_path", "busy_timeout_ms",
                 "lease_ttl_ms", "lanes")

    def __init__(self, root: str, data: dict[str, Any]) -> None:
        self.root = root
        for name in self.__slots__[1:]:
            setattr(self, name, data[name])

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__[1:]}


def _key(root: str) -> list[int] | None:
    try:
        st = os.stat(os.path.join(root, "dos.toml"))
    except FileNotFoundError:
        return None
    return [st.st_mtime_ns, st.st_size, st.st_ino]


def compile_settings(root: str) -> dict[str, Any]:
    """Load ROOT's dos.toml through the strict loader and keep what the hook reads."""
    from pathlib import Path

    from dos.config import load_config

    cfg = load_config(Path(root))
    h, st, lanes = cfg.hooks, cfg.store, cfg.lanes
    if st.path:
        path = os.path.expanduser(st.path)
        path = path if os.path.isabs(path) else os.path.join(root, path)
    else:
        path = os.path.join(root, ".dos", "store.sqlite3")
    return {
        "on_error": h.on_error, "auto_acquire": h.auto_acquire, "unknown_footprint": h.unknown_footprint,
        "stop_block_cap": h.stop_block_cap, "allowed_outside": list(h.allowed_outside),
        "stall_ignore": list(h.stall_ignore), "store_url": st.url.strip(), "store_path": path,
        "busy_timeout_ms": st.busy_timeout_ms, "lease_ttl_ms": int(st.lease_ttl_s * 1000),
        "lanes": {"concurrent": list(lanes.concurrent), "exclusive": list(lanes.exclusive),
                  "autopick": list(lanes.autopick), "aliases": dict(lanes.aliases),
                  "trees": {k: list(v) for k, v in lanes.trees.items()}},
    }


def load_settings(root: str) -> Settings:
    """ROOT's settings from the cache when dos.toml is unchanged, else compiled and cached."""
    key = _key(root)
    path = os.path.join(root, CACHE_REL)
    try:
        with open(path, encoding="utf-8") as fh:
            cached = json.load(fh)
        if cached.get("version") == VERSION and cached.get("key") == key and cached.get("root") == root:
            return Settings(root, cached["settings"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    data = compile_settings(root)
    _write(root, path, {"version": VERSION, "key": key, "root": root, "settings": data})
    return Settings(root, data)


def _write(root: str, path: str, blob: dict[str, Any]) -> None:
    """Best effort: a workspace we cannot write to simply runs without a cache."""
    try:
        if not os.path.isdir(os.path.join(root, ".dos")):
            from pathlib import Path

            from dos.config import ensure_state_dir

            ensure_state_dir(Path(root))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(blob, fh, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass
