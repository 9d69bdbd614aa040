"""A hook's read of a PostgreSQL store through libpq itself, without importing psycopg.

Importing psycopg costs a pretool hook about 120 ms, ten times the interpreter's own
start-up, on every tool call. A pretool needs one read (the server's clock and the leases
that may reach the judged paths, ``dos.store.pg_heads``) and, for a deny, one write (its
ENFORCE event and journal row, ``pg_fast.RECORD``), both on one connection; a session's
start reads the whole view and a stop its session's claim and intent runs. This module sends
each as one statement through the libpq that psycopg itself loads (the wheel's bundled copy,
or the system's when psycopg uses it), so connection strings, TLS, passwords and service
files mean exactly what they mean to the engine.

It answers or steps aside: anything it cannot do plainly (no libpq, no schema yet, no heads
function, an error from the statement) returns None, and the hook takes the full store, which
reads, creates what is missing, or fails closed with the engine's own message. A server it
cannot connect to raises the engine's ``StoreUnreachable`` at once (the hook denies), rather
than waiting out a second connect timeout in the full store. It never decides.
"""

from __future__ import annotations

import os
import sys

from dos.store.live import LEASE_COLUMNS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Sequence

_INT_OIDS = frozenset({20, 21, 23})  # int8, int2, int4: the lease columns that are numbers
_OK, _TUPLES_OK, _COMMAND_OK = 0, 2, 1  # CONNECTION_OK, PGRES_TUPLES_OK, PGRES_COMMAND_OK
_lib: Any = None


def _candidates() -> list[str]:
    """libpq as psycopg would load it: the binary wheel's bundled copy first, else the system's."""
    found = []
    for entry in sys.path:
        for libs in (os.path.join(entry or ".", "psycopg_binary.libs"),  # Linux wheels (auditwheel)
                     os.path.join(entry or ".", "psycopg_binary", ".dylibs")):  # macOS wheels (delocate)
            try:
                names = sorted(os.listdir(libs))
            except OSError:
                continue
            found += [os.path.join(libs, n) for n in names if n.startswith("libpq") and (".so" in n or ".dylib" in n)]
        if found:
            break
    if not found and any(os.path.isdir(os.path.join(e or ".", "psycopg")) for e in sys.path):
        found += ["libpq.so.5", "libpq.5.dylib"]
    return found


def _load() -> Any:
    """The libpq library with the few calls used here typed, or None."""
    global _lib
    if _lib is None:
        _lib = False
        import ctypes

        for path in _candidates():
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            p, i, s = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
            for name, res, args in (("PQconnectdbParams", p, [ctypes.POINTER(s), ctypes.POINTER(s), i]),
                                    ("PQstatus", i, [p]), ("PQfinish", None, [p]), ("PQclear", None, [p]),
                                    ("PQerrorMessage", p, [p]),
                                    ("PQexec", p, [p, s]), ("PQresultStatus", i, [p]),
                                    ("PQexecParams", p, [p, s, i, p, ctypes.POINTER(s), p, p, i]),
                                    ("PQntuples", i, [p]), ("PQnfields", i, [p]), ("PQftype", ctypes.c_uint, [p, i]),
                                    ("PQgetvalue", p, [p, i, i]), ("PQgetlength", i, [p, i, i]),
                                    ("PQgetisnull", i, [p, i, i])):
                fn = getattr(lib, name)
                fn.restype, fn.argtypes = res, args
            _lib = (lib, ctypes)
            break
    return _lib or None


def _select(schema: str) -> str:
    """The clock, and the lease rows under the keys in $1 (NULLs when there is none), in one statement."""
    from dos.store.pg_heads import NAME
    from dos.store.schema import PG_NOW

    cols = ", ".join(f"l.{c}" for c in LEASE_COLUMNS)
    return (f"WITH c AS MATERIALIZED (SELECT {PG_NOW} AS now) SELECT c.now, {cols} FROM c "
            f'LEFT JOIN "{schema}".leases l ON "{schema}".{NAME}(l.tree) && $1::text[] ORDER BY l.fence')


def _select_all(schema: str) -> str:
    """The clock and every lease row as one JSON array: a whole view (a session's start) is thousands of rows,
    which cost a call per cell through ctypes and one ``json.loads`` this way."""
    from dos.store.schema import PG_NOW

    cols = ", ".join(f"l.{c}" for c in LEASE_COLUMNS)
    return (f"SELECT {PG_NOW}, (SELECT coalesce(json_agg(json_build_array({cols}) ORDER BY l.fence), '[]') "
            f'FROM "{schema}".leases l)::text')


def _array(items: Sequence[str]) -> str:
    """ITEMS as a PostgreSQL text[] literal."""
    return "{" + ",".join('"' + x.replace("\\", "\\\\").replace('"', '\\"') + '"' for x in items) + "}"


class Conn:
    """One libpq connection, for the few statements of one hook (a deny's read and its record share it)."""

    def __init__(self, lib: Any, ctypes: Any, handle: Any) -> None:
        self._lib, self._ctypes, self._handle = lib, ctypes, handle

    def read(self, schema: str, keys: Sequence[str] | None) -> tuple[int, list[tuple[Any, ...]]] | None:
        """(the server's clock, the lease rows of SCHEMA whose heads meet KEYS, or all of them) or None."""
        if keys is None:
            return self.query(_select_all(schema), [], _all_rows)
        return self.query(_select(schema), [_array(keys)], _rows)

    def record(self, schema: str, values: Sequence[Any], journal: Sequence[Any], *,
               now_ms: int | None = None) -> tuple[int, int] | None:
        """Append the forensic event VALUES (``event_values``) with its JOURNAL texts
        (``pg_fast.journal_record``) in one call of the schema's record function: (time, seq), or None."""
        from dos.store import pg_fast

        cols, body, event = journal
        params = [str(pg_fast.LOCK_NAMESPACE), str(pg_fast.lock_key(schema)), None if now_ms is None else str(now_ms),
                  *(str(v) for v in values[1:]), None if cols is None else _array([str(c) for c in cols]), body, event]
        sql = f'SELECT "{schema}".{pg_fast.RECORD}({", ".join(f"${i + 1}" for i in range(len(params)))})'

        def made(lib: Any, ctypes: Any, res: Any) -> tuple[int, int] | None:
            if lib.PQntuples(res) != 1 or lib.PQgetisnull(res, 0, 0):
                return None
            got = ctypes.string_at(lib.PQgetvalue(res, 0, 0)).decode().strip("{}").split(",")
            return (int(got[0]), int(got[1])) if len(got) == 2 else None

        return self.query(sql, params, made)

    def texts(self, sql: str, params: Sequence[str | None]) -> list[tuple[str | None, ...]] | None:
        """The rows of a small read, every value as text (None for NULL), or None if it did not run."""
        return self.query(sql, params, _texts)

    def query(self, sql: str, params: Sequence[str | None], parse: Any) -> Any:
        """PARSE(lib, ctypes, result) of SQL with text PARAMS, or None if it did not run."""
        lib, ctypes = self._lib, self._ctypes
        if self._handle is None:
            return None
        # agents' text with lone surrogates is stored with replacement characters: look it up as spelled there
        given = (ctypes.c_char_p * len(params))(*(None if v is None else v.encode("utf-8", "replace") for v in params))
        res = lib.PQexecParams(self._handle, sql.encode(), len(params), None, given, None, None, 0)
        if not res:
            return None
        try:
            if lib.PQresultStatus(res) != _TUPLES_OK:
                return None  # no schema, no function, a lock that timed out: the full store says
            return parse(lib, ctypes, res)
        finally:
            lib.PQclear(res)

    def close(self) -> None:
        if self._handle is not None:
            handle, self._handle = self._handle, None
            self._lib.PQfinish(handle)

    def __enter__(self) -> Conn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(url: str, *, busy_timeout_ms: int = 30_000, connect_timeout_s: int = 10) -> Conn | None:
    """A connection to URL with the store's lock timeout set, or None (no libpq, or the SET failed).
    Raises the engine's ``StoreUnreachable`` when the server cannot be reached."""
    loaded = _load()
    if loaded is None:
        return None
    lib, ctypes = loaded
    kw = (ctypes.c_char_p * 4)(b"dbname", b"connect_timeout", b"client_encoding", None)
    vals = (ctypes.c_char_p * 4)(url.encode(), str(connect_timeout_s).encode(), b"UTF8", None)
    handle = lib.PQconnectdbParams(kw, vals, 1)
    if not handle:
        return None
    conn = Conn(lib, ctypes, handle)
    try:
        if lib.PQstatus(handle) != _OK:  # the full store would fail here too: say so without paying for it
            raise _unreachable(url, ctypes.string_at(lib.PQerrorMessage(handle)).decode("utf-8", "replace"))
        res = lib.PQexec(handle, f"SET lock_timeout = {max(1, int(busy_timeout_ms))}".encode())
        status = lib.PQresultStatus(res) if res else -1
        lib.PQclear(res)
        if status != _COMMAND_OK:
            conn.close()
            return None
        return conn
    except BaseException:
        conn.close()
        raise


def _unreachable(url: str, message: str) -> Exception:
    """The engine's error for a server it cannot connect to (``PostgresEngine._connect``), from libpq's MESSAGE."""
    import re
    from urllib.parse import urlsplit

    from dos.errors import StoreUnreachable

    try:
        parts = urlsplit(url)
        where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    except ValueError:
        where = "the configured server"
    line = (message.strip().splitlines() or ["no answer"])[0]
    line = re.sub(r'^connection to server at "[^"]*"(?: \([^)]*\))?, port \d+ failed: ', "", line)
    line = re.sub(r'^connection to server on socket "[^"]*" failed: ', "", line)
    return StoreUnreachable(f"store server {where} cannot be reached: {line}; check [store] url / DOS_STORE_URL")


def _rows(lib: Any, ctypes: Any, res: Any) -> tuple[int, list[tuple[Any, ...]]] | None:
    n, width = lib.PQntuples(res), lib.PQnfields(res)
    if n < 1 or width != len(LEASE_COLUMNS) + 1:
        return None
    ints = [lib.PQftype(res, c) in _INT_OIDS for c in range(width)]
    rows = []
    now = None
    for r in range(n):
        row = []
        for c in range(width):
            if lib.PQgetisnull(res, r, c):
                row.append(None)
                continue
            raw = ctypes.string_at(lib.PQgetvalue(res, r, c), lib.PQgetlength(res, r, c)).decode("utf-8")
            row.append(int(raw) if ints[c] else raw)
        now = row[0]
        if row[1] is not None:  # the LEFT JOIN's one row of NULLs when no lease matched
            rows.append(tuple(row[1:]))
    return (now, rows) if isinstance(now, int) else None


def _all_rows(lib: Any, ctypes: Any, res: Any) -> tuple[int, list[tuple[Any, ...]]] | None:
    if lib.PQntuples(res) != 1 or lib.PQnfields(res) != 2 or lib.PQgetisnull(res, 0, 0) or lib.PQgetisnull(res, 0, 1):
        return None
    import json

    now = ctypes.string_at(lib.PQgetvalue(res, 0, 0), lib.PQgetlength(res, 0, 0)).decode()
    body = ctypes.string_at(lib.PQgetvalue(res, 0, 1), lib.PQgetlength(res, 0, 1)).decode("utf-8")
    rows = json.loads(body)
    if not now.lstrip("-").isdigit() or not all(isinstance(r, list) and len(r) == len(LEASE_COLUMNS) for r in rows):
        return None
    return int(now), [tuple(r) for r in rows]


def _texts(lib: Any, ctypes: Any, res: Any) -> list[tuple[str | None, ...]]:
    width = lib.PQnfields(res)
    return [tuple(None if lib.PQgetisnull(res, r, c) else
                  ctypes.string_at(lib.PQgetvalue(res, r, c), lib.PQgetlength(res, r, c)).decode("utf-8")
                  for c in range(width)) for r in range(lib.PQntuples(res))]
