"""The lease and event rows as stored, and the lean reader/writer of a SQLite store.

One encoding of a lease row and of an event insert, used by the ``Store`` and by the
hooks. The hook's path imports only this module (the C sqlite module and ``jsonc``): it
reads the unexpired leases and appends an ENFORCE event without the full store.
"""

from __future__ import annotations

import os

from dos.kernel.jsonc import dumps, loads
from dos.kernel.lease import Lease
from dos.kernel.tree import LockMode
from dos.store.schema import EVENT_COLUMNS, EVENT_INSERT, LEASE_COLUMNS, SCHEMA_VERSION

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping, Sequence

LEASE_SELECT = f"SELECT {', '.join(LEASE_COLUMNS)} FROM leases"
LIVE_SELECT = LEASE_SELECT + " WHERE heartbeat_ms + ttl_ms > ? ORDER BY fence"
EVENT_SELECT = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events"
LEASE_INSERT = (f"INSERT INTO leases ({', '.join(LEASE_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in LEASE_COLUMNS)})")


def lease_from_row(row: Sequence[Any]) -> Lease:
    """A leases-view row (in ``LEASE_COLUMNS`` order) as a Lease."""
    values = list(row)
    tree = loads(values[4])
    values[4] = tuple(e for e in tree if isinstance(e, str)) if isinstance(tree, list) else ()
    values[9] = LockMode(values[9])
    return Lease(*values)


_LAST_VIEW: dict[tuple[Any, ...], Lease] = {}  # the rows of the last view decoded, and their Leases


def leases_from_rows(rows: Iterable[Sequence[Any]]) -> list[Lease]:
    """A whole view's ROWS as Leases. A writer reads its view several times an operation, mostly
    unchanged: a row the last view held gives the same (immutable) Lease object again, which is what
    lets the snapshot and the arbiter's index reuse what they built from it. Only the last view is kept."""
    global _LAST_VIEW
    last, now = _LAST_VIEW, {}
    out = []
    for row in rows:
        key = tuple(row)
        lease = last.get(key)
        if lease is None:
            lease = lease_from_row(key)
        now[key] = lease
        out.append(lease)
    _LAST_VIEW = now
    return out


def lease_to_row(lease: Lease) -> tuple[Any, ...]:
    """A Lease as a leases-view row; the tree is stored as a JSON list."""
    values = [getattr(lease, c) for c in LEASE_COLUMNS]
    values[4] = dumps(list(lease.tree))
    values[9] = str(lease.mode)
    return tuple(values)


def encode_data(data: Mapping[str, Any] | None) -> str:
    """An event's payload as stored: compact JSON with sorted keys."""
    return dumps(dict(data or {}), sort_keys=True, separators=(",", ":"))


def event_values(ts_ms: int, op: str, *, lane: str = "", lease_id: str = "", holder: str = "",
                 host_id: str = "", reason: str = "", data: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
    """The parameters of ``EVENT_INSERT``."""
    return (ts_ms, str(op), lane, lease_id, holder, host_id, reason, encode_data(data))


# --------------------------------------------------------------------------- the lean SQLite path


def file_uri(path: str, query: str = "") -> str:
    """A ``file:`` URI for PATH (``%``, ``?`` and ``#`` escaped) with an optional query."""
    quoted = path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{quoted}{('?' + query) if query else ''}"


class Unreadable(Exception):
    """The store exists but cannot be read: CODE is 'corrupt', 'foreign', 'newer' or 'io'."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def _owner(path: str) -> list[int] | None:
    try:
        with open(path + ".owner", "rb") as fh:  # bytes: a text "ascii" file loads that codec (0.15 ms)
            dev, ino = (int(x) for x in fh.read().split())
        return [dev, ino]
    except (OSError, ValueError):
        return None


def check_files(path: str) -> None:
    """Unreadable for what SQLite would silently mistake for the store at PATH, before it is opened.

    A path that is not a regular file (a FIFO hangs every open, a directory is no database), and
    a ``-wal``/``-shm`` that belongs to another database file (left behind when the database was
    moved or replaced): SQLite would replay that WAL into this one and corrupt it.
    """
    import stat

    try:
        st = os.stat(path)
    except FileNotFoundError:
        for companion in (path + "-wal", path + "-shm"):
            if os.path.exists(companion):
                if os.path.exists(path):  # a racer created the store between the two looks: judge that one
                    return check_files(path)
                name = os.path.basename(companion)
                raise Unreadable("stale", f"store {path} is missing but {name} is still there (the database was "
                                          f"moved without it); move {name} with the database, or delete it, "
                                          f"and retry") from None
        return
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else ("a directory" if stat.S_ISDIR(st.st_mode)
                                                        else "not a regular file")
        raise Unreadable("corrupt", f"store {path} is {kind}, not a database file; move it aside and retry")
    owner = _owner(path)
    if os.path.exists(path + "-wal") and owner is not None and owner != [st.st_dev, st.st_ino]:
        raise Unreadable("stale", f"store {path}: its -wal belongs to another database file (the store was "
                                  f"replaced while its WAL stayed); move the old -wal and -shm aside, or restore "
                                  f"the database they belong to")


def claim_wal(path: str) -> None:
    """Record which database file the WAL beside PATH belongs to (``check_files`` compares it)."""
    try:
        st = os.stat(path)
        if _owner(path) != [st.st_dev, st.st_ino]:
            tmp = f"{path}.owner.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="ascii") as fh:
                fh.write(f"{st.st_dev} {st.st_ino}\n")
            os.replace(tmp, path + ".owner")
    except OSError:
        pass  # a read-only directory: nothing can be replaced there either


def connect_read(path: str, busy_ms: int):
    """A connection that can read the store at PATH, even from a read-only ``.dos/``.

    Tries a normal open (the WAL index needs it), then read-only, then immutable. Raises
    Unreadable for a file that is not a DOS store; the caller maps it to its own errors.
    """
    import _sqlite3

    check_files(path)
    last = ""
    for query in ("", "mode=ro", "immutable=1"):
        try:
            conn = _sqlite3.connect(file_uri(path, query), uri=True, timeout=busy_ms / 1000,
                                    isolation_level=None)
        except _sqlite3.Error as exc:
            last = str(exc)
            continue
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
            check_schema(conn, path)
            return conn
        except _sqlite3.DatabaseError as exc:
            conn.close()
            text = str(exc)
            if "not a database" in text or "malformed" in text:
                raise Unreadable("corrupt", f"store {path} is not a SQLite database ({text})") from None
            last = text
        except Unreadable:
            conn.close()
            raise
    raise Unreadable("io", f"store {path} cannot be read ({last})")


def check_schema(conn: Any, path: str) -> None:
    """Unreadable unless CONN holds this version of the DOS schema."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if 1 <= version <= SCHEMA_VERSION:  # the lease tables are the same in every version
        return
    if version > SCHEMA_VERSION:
        raise Unreadable("newer", f"store {path} has schema v{version}, newer than this dos "
                                  f"(v{SCHEMA_VERSION}); upgrade dos")
    raise Unreadable("foreign", f"store {path} holds no DOS schema (user_version {version}: an empty "
                                f"or foreign SQLite file); move it aside and retry")


def read_live(conn: Any, now_ms: int) -> list[Lease]:
    """Every lease whose TTL has not passed at NOW_MS, by fence (dead holders are the caller's call)."""
    return [lease_from_row(r) for r in conn.execute(LIVE_SELECT, (now_ms,)).fetchall()]


def append_event(path: str, busy_ms: int, values: tuple[Any, ...], journal_row: dict[str, Any] | None = None,
                 *, spool: str = "") -> int:
    """Append one forensic event to the store at PATH in its own transaction; its seq.

    JOURNAL_ROW (``dos.store.journal.make_row``): the verdict the event records, chained into
    the verdict journal in the same transaction (linked to the event by its seq and digest).
    SPOOL: the journal spool beside the store, folded in first when it has lines, so the log
    keeps the hooks' earlier denies before this event. Raises the C sqlite module's errors;
    the caller decides what a failed record means.
    """
    import _sqlite3

    # A read-only connection held across the write: it closes last, and a read-only close never
    # checkpoints, so this one-row append does not pay for folding the WAL into the database
    # (and its fsync: ten times the append itself). The store's own writers checkpoint as usual.
    guard = _guard(path, busy_ms)
    conn = _sqlite3.connect(file_uri(path, "mode=rw"), uri=True, timeout=busy_ms / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        conn.execute("PRAGMA synchronous = NORMAL")  # as the store's own writer: WAL, no fsync per commit
        check_schema(conn, path)
        conn.execute("BEGIN IMMEDIATE")
        try:
            journaled = conn.execute("PRAGMA user_version").fetchone()[0] >= 2
            done: list[str] = []
            if spool and journaled and os.path.exists(spool):
                from dos.store.journal import RawTx, drain_spool

                _, done = drain_spool(RawTx(conn, int(values[0])), spool, now_ms=int(values[0]))
            seq = conn.execute(EVENT_INSERT, values).fetchone()[0]
            if journal_row is not None and journaled:
                from dos.store import journal_rows as journal

                journal.append_rows(journal.conn_execute(conn), [dict(
                    journal_row, event_seq=int(seq), event_hash=journal.event_hash(values))])
            conn.execute("COMMIT")
            for name in done:
                try:
                    os.unlink(name)
                except OSError:
                    pass
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return int(seq)
    finally:
        conn.close()
        if guard is not None:
            guard.close()


def _guard(path: str, busy_ms: int) -> Any:
    """A read-only connection that has joined the WAL (None if it cannot be opened: the write decides)."""
    import _sqlite3

    try:
        conn = _sqlite3.connect(file_uri(path, "mode=ro"), uri=True, timeout=busy_ms / 1000, isolation_level=None)
    except _sqlite3.Error:
        return None
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return conn
    except _sqlite3.Error:
        conn.close()
        return None
