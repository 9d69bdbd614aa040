"""What the hooks need from dos.toml, compiled once and cached, and where the workspace is.

The cache (``.dos/cache/hooks-settings.json``, or under the user's cache directory for a
workspace without ``.dos/``, as on PostgreSQL) is keyed by dos.toml's mtime, size and inode,
so an edit recompiles it through the strict loader. A dos.toml that stops
loading never switches enforcement off: the last configuration compiled successfully
stays in force and ``warning`` says why. With none (a fresh workspace, a cache that could
not be written) the defaults cannot say which store holds the leases, so ``guessed`` is
set and the hooks judge no write by them.
Cheap to import: only a cache miss loads the config module.
"""

from __future__ import annotations

import os

from dos.files import replace_text
from dos.kernel.jsonc import JSONError, dumps, loads

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping, Sequence

CACHE_REL = os.path.join(".dos", "cache", "hooks-settings.json")
VERSION = 7
FIELDS = ("on_error", "auto_acquire", "unknown_footprint", "stop_block_cap", "allowed_outside", "stall_ignore",
          "store_url", "store_schema", "store_path", "busy_timeout_ms", "lease_ttl_ms", "lanes", "marker", "observe", "posture")


class Settings:
    """The compiled ``[hooks]``, ``[store]`` and ``[lanes]`` of the workspace at ROOT.

    ``warning`` is set when dos.toml could not be loaded and older settings are in force.
    """

    __slots__ = ("root", "warning", "guessed", *FIELDS)

    def __init__(self, root: str, data: Mapping[str, Any], warning: str = "", guessed: bool = False) -> None:
        self.root = root
        self.warning = warning
        self.guessed = guessed  # the built-in defaults, because dos.toml broke before any version of it compiled
        for name in FIELDS:
            setattr(self, name, data[name])

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}


def _key(root: str) -> list[int] | None:
    try:
        st = os.stat(os.path.join(root, "dos.toml"))
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size, st.st_ino]


def compile_settings(root: str, cfg: Any = None) -> dict[str, Any]:
    """Load ROOT's dos.toml through the strict loader (or take CFG) and keep what the hook reads."""
    from pathlib import Path

    from dos.config import load_config

    if cfg is None:
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
        "stall_ignore": sorted({*h.stall_ignore, *cfg.tool_stream.ignore_tools}), "store_url": st.url.strip(),
        "store_schema": st.schema.strip(), "store_path": path,
        "busy_timeout_ms": st.busy_timeout_ms, "lease_ttl_ms": int(st.lease_ttl_s * 1000),
        "lanes": {"concurrent": list(lanes.concurrent), "exclusive": list(lanes.exclusive),
                  "autopick": list(lanes.autopick), "aliases": dict(lanes.aliases),
                  "trees": {k: list(v) for k, v in lanes.trees.items()}},
        "marker": {"max_streak": cfg.marker.max_streak, "arm_on_env": list(cfg.marker.arm_on_env),
                   "respect_stop_hook_active": cfg.marker.respect_stop_hook_active},
        "observe": {"record": cfg.observe.record, "hook_allows": cfg.observe.hook_allows},
        "posture": h.posture,  # what pretool and stop do with a deny they decide (dos.service.posture)
    }


def _read_cache(path: str) -> dict[str, Any] | None:
    from dos.files import read_text

    text = read_text(path)
    if text is None:
        return None
    try:
        cached = loads(text)
    except JSONError:
        return None
    if not isinstance(cached, dict) or cached.get("version") != VERSION:
        return None
    data = cached.get("settings")
    if not isinstance(data, dict) or any(name not in data for name in FIELDS):
        return None
    return cached


def load_settings(root: str) -> Settings:
    """ROOT's settings: the cache when dos.toml is unchanged, else compiled (and cached)."""
    key = _key(root)
    path = cache_path(root)
    cached = _read_cache(path)
    if cached is not None and cached.get("key") == key and cached.get("root") == root:
        return Settings(root, cached["settings"])
    from dos.errors import ConfigError

    try:
        data = compile_settings(root)
    except ConfigError as exc:
        kept = cached if cached is not None and cached.get("root") == root else None
        if kept is not None:
            return Settings(root, kept["settings"], warning=(
                f"dos.toml is broken ({exc}); still enforcing the configuration compiled before the edit; "
                f"fix it (`dos lint`)"))
        from dos.config import Config

        return Settings(root, compile_settings(root, Config()), guessed=True, warning=(
            f"dos.toml is broken ({exc}) and no earlier version of it compiled here, so the built-in defaults "
            f"are in force and writes into lanes are denied until it loads; fix it (`dos lint`)"))
    _write(root, path, {"version": VERSION, "key": key, "root": root, "settings": data})
    return Settings(root, data)


def cache_path(root: str) -> str:
    """Where ROOT's compiled settings are cached: ``.dos/cache/`` when the workspace has ``.dos/``, else
    (a PostgreSQL workspace keeps none) the user's cache directory, one file per workspace root."""
    if os.path.isdir(os.path.join(root, ".dos")):
        return os.path.join(root, CACHE_REL)
    from zlib import crc32

    base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".cache")
    name = f"{crc32(root.encode('utf-8', 'surrogatepass')):08x}-{len(root)}.json"  # the file says its root
    return os.path.join(base, "dos", "hooks-settings", name)


def _write(root: str, path: str, blob: dict[str, Any]) -> None:
    """Best effort: a cache we cannot write simply is not there. ``.dos/`` is never created to cache in
    (the first store write creates it); the user's cache directory may be."""
    if not path.startswith(os.path.join(root, ".dos") + os.sep):
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        except OSError:
            return
    replace_text(path, dumps(blob, sort_keys=True))


# --------------------------------------------------------------------------- where the workspace is


def _walk_up(start: str, marker: str) -> str | None:
    here = start
    while True:
        if os.path.exists(os.path.join(here, marker)):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def find_root(explicit: str, env: Mapping[str, str], starts: Sequence[str], *,
              need_config: bool = False) -> str | None:
    """The workspace root a hook judges in, or None when it runs outside any workspace.

    ``--workspace``, else ``DISPATCH_WORKSPACE``, else the nearest ancestor holding dos.toml
    of the first of STARTS that has one (the host's project directory, the hook's own cwd,
    the event's cwd, the paths it writes), else the nearest ancestor holding ``.git``. The
    event's cwd never decides alone: it is one start among the host's own directories. With
    NEED_CONFIG (a hook installed for every project of a user) only a dos.toml makes a workspace.
    """
    for given in (explicit, env.get("DISPATCH_WORKSPACE", "")):
        if given:
            return os.path.realpath(os.path.expanduser(given))
    real = [os.path.realpath(s) for s in starts if s and os.path.isabs(s)]
    for start in real:
        found = _walk_up(start if os.path.isdir(start) else os.path.dirname(start), "dos.toml")
        if found:
            return found
    if need_config:
        return None
    for start in real:
        found = _walk_up(start if os.path.isdir(start) else os.path.dirname(start), ".git")
        if found:
            return found
    return None
