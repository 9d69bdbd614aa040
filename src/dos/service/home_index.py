"""The home index's file: where it lives, its schema, and ``register`` (one workspace, once).

Apart from ``dos.service.home`` (the rollups) so that opening a store can register its
workspace without importing everything that reads one.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from pathlib import Path

from dos.errors import StoreError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping

HOME_ENV = "DISPATCH_HOME"
INDEX_NAME = "index.sqlite3"
INDEX_SCHEMA = 1
BUSY_MS = 5000
REGISTER_BUSY_MS = 500  # registration is best effort: it never holds up the verb that created a store
AXES = ("wedge-hotspots", "lane-refusals", "oracle-calibration")
ORACLE_SYSCALLS = ("verify", "commit-audit", "attest", "verify-receipt", "test-witness", "memory_recall")
POSITIVE = frozenset({"SHIPPED", "CLEAN", "OK", "CONFIRMED", "VALID", "DISCRIMINATES", "RECALL_FRESH"})
HOOK_SYSCALLS = ("pretool", "posttool", "stop")

_DDL = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS projects (root TEXT PRIMARY KEY, project_id TEXT NOT NULL, label TEXT NOT NULL, "
    "dos_dir TEXT NOT NULL, status TEXT NOT NULL, throwaway INTEGER NOT NULL, first_seen_ms INTEGER NOT NULL, "
    "last_indexed_ms INTEGER, run_count INTEGER NOT NULL DEFAULT 0, refusal_count INTEGER NOT NULL DEFAULT 0, "
    "wedge_count INTEGER NOT NULL DEFAULT 0, decision_count INTEGER NOT NULL DEFAULT 0, problem TEXT NOT NULL "
    "DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS decisions (root TEXT NOT NULL, seq INTEGER NOT NULL, ts_ms INTEGER NOT NULL, "
    "kind TEXT NOT NULL, syscall TEXT NOT NULL, verdict TEXT NOT NULL, lane TEXT NOT NULL, reason TEXT NOT NULL, "
    "category TEXT NOT NULL, PRIMARY KEY (root, seq))",
)
PROJECT_COLS = ("root", "project_id", "label", "dos_dir", "status", "throwaway", "first_seen_ms", "last_indexed_ms",
                "run_count", "refusal_count", "wedge_count", "decision_count", "problem")


def home_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$DISPATCH_HOME``, else ``~/.dos`` (the same home ``dos doctor`` reports). Never created here."""
    env = os.environ if env is None else env
    given = env.get(HOME_ENV, "").strip()
    return Path(os.path.expanduser(given)) if given else Path(os.path.expanduser("~")) / ".dos"


def index_path(env: Mapping[str, str] | None = None) -> Path:
    return home_dir(env) / INDEX_NAME


def _under_temp(root: Path) -> bool:
    tmp = Path(os.path.realpath(tempfile.gettempdir()))
    return root == tmp or tmp in root.parents


def _project_id(root: str) -> str:
    import hashlib

    return hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _connect(path: Path, busy_ms: int, *, create: bool) -> sqlite3.Connection:
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
        uri = f"file:{path}?mode=rwc"
    else:
        uri = f"file:{path}?mode=rw"
    conn = sqlite3.connect(uri, uri=True, timeout=busy_ms / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
    return conn


def _ensure(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > INDEX_SCHEMA:
        raise StoreError(f"the home index was written by a newer DOS (schema {version}); upgrade DOS")
    if version < INDEX_SCHEMA:
        for stmt in _DDL:
            conn.execute(stmt)
        conn.execute(f"PRAGMA user_version = {INDEX_SCHEMA}")


def _open_for_write(env: Mapping[str, str] | None, busy_ms: int = BUSY_MS) -> sqlite3.Connection:
    path = index_path(env)
    try:
        conn = _connect(path, busy_ms, create=True)
        conn.execute("BEGIN IMMEDIATE")
        _ensure(conn)
    except sqlite3.OperationalError as exc:
        raise StoreError(f"cannot write the home index {path}: {exc}") from None
    except OSError as exc:
        raise StoreError(f"cannot create the home {path.parent}: {exc.strerror}") from None
    return conn


def _read_rows(env: Mapping[str, str] | None, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    path = index_path(env)
    if not path.is_file():
        return []
    try:
        conn = _connect(path, BUSY_MS, create=False)
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] < INDEX_SCHEMA:
                return []
            return conn.execute(sql, tuple(params)).fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot read the home index {path}: {exc}") from None


# --------------------------------------------------------------------------- registration


def register(root: str | os.PathLike[str], *, env: Mapping[str, str] | None = None) -> bool:
    """Record workspace ROOT in the home index (once, however often it is called); never raises.

    Skipped for a root under the OS temp dir unless ``DISPATCH_HOME`` is set (test repos stay out).
    Call it when a workspace's store or ``.dos/`` is created and from ``dos init``; not from hooks.
    """
    env = os.environ if env is None else env
    try:
        real = Path(os.path.realpath(root))
        if _under_temp(real) and not env.get(HOME_ENV, "").strip():
            return False
        conn = _open_for_write(env, REGISTER_BUSY_MS)
        try:
            key = str(real)
            conn.execute(
                "INSERT INTO projects (root, project_id, label, dos_dir, status, throwaway, first_seen_ms) "
                "VALUES (?, ?, ?, ?, 'active', ?, ?) ON CONFLICT (root) DO NOTHING",
                (key, _project_id(key), real.name or key, str(real / ".dos"), int(_under_temp(real)), _now_ms()))
            conn.execute("COMMIT")
        finally:
            conn.close()
        return True
    except Exception:  # noqa: BLE001 - a home that cannot be written never fails the verb that registers
        return False
