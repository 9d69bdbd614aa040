"""The embedded engine: one SQLite file under ``.dos/``, WAL mode, ``BEGIN IMMEDIATE``.

Waiting writers queue on the busy timeout instead of failing; a killed process never
leaves a lock behind. sqlite3 errors become one-line ``StoreError``s with their own
exit codes (read-only, disk full, not a database, busy), never a traceback.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from dos.errors import StoreError
from dos.errors import StoreBusy, StoreCorrupt, StoreFull, StoreReadOnly
from dos.store.schema import SCHEMA_VERSION
from dos.store.schema import SQLITE_DDL, upgrade_from

DEFAULT_NAME = "store.sqlite3"


def system_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class SqliteTx:
    """One open transaction on a connection; the clock is read once per transaction."""

    def __init__(self, conn: sqlite3.Connection, clock: Callable[[], int], where: str) -> None:
        self._conn = conn
        self._clock = clock
        self._now: int | None = None
        self._where = where

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise map_error(exc, self._where) from None

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            self._conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise map_error(exc, self._where) from None

    def now_ms(self) -> int:
        if self._now is None:
            self._now = int(self._clock())
        return self._now

    def next_fence(self) -> int:
        rows = self.execute(
            "INSERT INTO counters (name, value) VALUES ('fence', 1) "
            "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value")
        return int(rows[0][0])


def map_error(exc: BaseException, where: str) -> StoreError:
    """One sqlite3 or OS error as a one-line StoreError naming the store and the fix."""
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return StoreFull(f"store {where}: the disk is full; free some space and retry")
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return StoreReadOnly(f"store {where} is read-only ({exc.strerror}); make .dos/ writable")
        return StoreError(f"store {where}: {exc.strerror or exc}")
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if code in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_FULL):
        code = _diagnose(where) or code
    if code == sqlite3.SQLITE_FULL or "disk is full" in msg:
        return StoreFull(f"store {where}: the disk is full; free some space and retry")
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN) or "readonly" in msg:
        return StoreReadOnly(f"store {where} cannot be written ({msg}); make .dos/ writable")
    if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT) or "not a database" in msg:
        return StoreCorrupt(f"store {where} is not a DOS database ({msg}); move it aside and retry")
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreBusy(f"store {where} stayed locked past the busy timeout; retry, or raise [store] busy_timeout_ms")
    if code == sqlite3.SQLITE_IOERR:
        return StoreError(f"store {where}: disk I/O error ({msg}); check the disk is writable and not full")
    return StoreError(f"store {where}: {msg}")


def _diagnose(where: str) -> int:
    """SQLite reports a full or read-only disk as a generic I/O error at times: ask the filesystem."""
    directory = os.path.dirname(where) or "."
    try:
        fs = os.statvfs(directory)
    except OSError:
        return 0
    if fs.f_flag & os.ST_RDONLY or not os.access(directory, os.W_OK):
        return sqlite3.SQLITE_READONLY
    if fs.f_bavail * fs.f_frsize < 64 * 1024:
        return sqlite3.SQLITE_FULL
    return 0


class SqliteEngine:
    """A SQLite store at PATH. Created (with ``.dos/``) on the first write, never on a read."""

    name = "sqlite"

    def __init__(self, path: Path, *, clock: Callable[[], int] | None = None,
                 busy_timeout_ms: int = 30_000, on_create: Callable[[], None] | None = None) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.snapshot_path = self.location + ".live.json"  # dos.store.snapshot: the marker; heads in .live/
        self.clock = clock or system_clock_ms
        self.busy_timeout_ms = busy_timeout_ms
        self._on_create = on_create
        self._conn: sqlite3.Connection | None = None
        self._ro_conn: sqlite3.Connection | None = None
        self._placeholder = False  # _ro_conn is an empty in-memory stand-in for a store not yet created

    # ------------------------------------------------------------------ what is at the path

    def check_files(self) -> None:
        """Refuse what SQLite would silently mistake for this store (``dos.store.live.check_files``)."""
        from dos.store.live import Unreadable, check_files

        try:
            check_files(self.location)
        except Unreadable as exc:
            raise StoreCorrupt(str(exc)) from None

    def _claim_wal(self) -> None:
        from dos.store.live import claim_wal

        claim_wal(self.location)

    # ------------------------------------------------------------------ connections

    def _open(self, uri: str) -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=self.busy_timeout_ms / 1000)
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        return conn

    def _writer(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        try:
            self.check_files()
            if not self.path.exists():
                self._create()
            elif self.path.stat().st_size == 0:
                raise StoreCorrupt(f"store {self.location} is an empty file (truncated?); ids and fences "
                                   f"would restart — restore it from a backup or move it aside")
            conn = self._open(f"file:{self.path}")
            self._refuse_foreign(conn)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._conn = conn
            self._migrate(conn)
            self._claim_wal()
        except (sqlite3.Error, OSError) as exc:
            self._drop()
            raise map_error(exc, self.location) from None
        return conn

    def _create(self) -> None:
        """Build the schema in a uniquely named file, then link it into place (a racer's file wins)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._on_create is not None:
            self._on_create()
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
        try:
            conn = self._open(f"file:{tmp}")
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                self._migrate(conn)
            finally:
                conn.close()
            from dos.store.snapshot import remove_published

            try:
                os.link(tmp, self.path)
            except FileExistsError:
                return  # a racer's store won: what it published is its own, never ours to remove
            except OSError:  # a filesystem without hard links: a rename is the next best thing
                if self.path.exists():
                    return
                os.replace(tmp, self.path)
            remove_published(self.location)  # left by a store that was moved aside (the marker goes first)
        finally:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                try:
                    os.unlink(leftover)
                except FileNotFoundError:
                    pass

    def _refuse_foreign(self, conn: sqlite3.Connection) -> None:
        """A SQLite file that is not a DOS store is never adopted (its tables, our fences restarting)."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            conn.close()
            raise StoreCorrupt(f"store {self.location} is a SQLite file of something else (no DOS schema, other "
                               f"tables); DOS will not adopt it: move it aside or point [store] path elsewhere")

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise StoreCorrupt(f"store {self.location} has schema v{version}, newer than this dos "
                               f"(v{SCHEMA_VERSION}); upgrade dos")
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # as of the write lock
            for stmt in upgrade_from(version):
                conn.execute(stmt)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                         (str(SCHEMA_VERSION),))
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _reader(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        if self._ro_conn is not None:
            if not self._placeholder or not self.path.exists():
                return self._ro_conn
            self._ro_conn.close()  # the store was created since: read the real one from now on
            self._ro_conn = None
        self.check_files()
        if not self.path.exists():
            conn = sqlite3.connect(":memory:", isolation_level=None)
            for stmt in SQLITE_DDL:
                conn.execute(stmt)
            self._ro_conn, self._placeholder = conn, True
            return conn
        self._placeholder = False
        last: BaseException | None = None
        # A read-only .dos/ cannot hold the WAL index; fall back to a read-only, then an immutable open.
        for query in ("", "?mode=ro", "?immutable=1"):
            try:
                conn = self._open(f"file:{self.path}{query}")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreCorrupt(f"store {self.location} has schema v{version}, newer than this dos")
                if version == 0:
                    raise StoreCorrupt(f"store {self.location} holds no DOS schema (an empty or foreign "
                                       f"file); move it aside and retry")
                self._ro_conn = conn
                return conn
            except sqlite3.Error as exc:
                last = exc
                mapped = map_error(exc, self.location)
                if isinstance(mapped, StoreCorrupt):
                    raise mapped from None
        raise map_error(last, self.location) from None  # type: ignore[arg-type]

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    # ------------------------------------------------------------------ the protocol

    @contextmanager
    def write(self) -> Iterator[SqliteTx]:
        conn = self._writer()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise map_error(exc, self.location) from None
        try:
            yield SqliteTx(conn, self.clock, self.location)
        except BaseException:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            raise map_error(exc, self.location) from None

    @contextmanager
    def read(self) -> Iterator[SqliteTx]:
        try:
            conn = self._reader()
            conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise map_error(exc, self.location) from None
        try:
            yield SqliteTx(conn, self.clock, self.location)
        finally:
            try:
                conn.execute("COMMIT")
            except sqlite3.Error:
                pass

    def settle(self) -> None:
        """Nothing to do (``Engine.settle``): a commit is visible once it is in the WAL file, which outlives
        a crash of any process (``synchronous = NORMAL``: a power cut may still take the last commits)."""

    def migrate(self) -> int:
        self._writer()
        return SCHEMA_VERSION

    def exists(self) -> bool:
        return self.path.exists()

    def close(self) -> None:
        self._drop()
        if self._ro_conn is not None:
            self._ro_conn.close()
            self._ro_conn = None


def default_path(state_dir: Path, configured: str, root: Path) -> Path:
    """Where the SQLite file lives: ``[store] path`` (relative to the root), else ``.dos/store.sqlite3``."""
    if configured:
        p = Path(os.path.expanduser(configured))
        return p if p.is_absolute() else root / p
    return state_dir / DEFAULT_NAME
