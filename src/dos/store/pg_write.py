"""A PostgreSQL write transaction in two round trips: lock and read, then write and commit.

Round trip 1 sends BEGIN, ``pg_advisory_xact_lock``, the clock, the two sequences' last
values and (when asked) one read, in one pipeline. Until a statement's rows are needed,
statements are held here and sent with the next one that needs rows, or with COMMIT.

Fences and event seqs are handed out from the sequences' last values read under the lock,
so ``next_fence()`` and the lease log's event insert need no round trip. Before COMMIT the
sequences are moved to the last value handed out, by a statement that fails (and so rolls
the whole transaction back) if either sequence moved since it was read: every dos writer
draws from them only under the workspace lock, so they cannot, and if anything else did,
nothing is written. A statement this module does not know to leave the sequences alone
first settles them, and later draws go to the server (one round trip each), as before.

On a server that waits for its flushes, COMMIT goes with DURABLE (see below), so the flush
happens after the workspace lock is released (docs/fleet.md, "Flushes come after the locks").
"""

from __future__ import annotations

from typing import Any, Sequence

from dos.store.live import EVENT_INSERT, LEASE_INSERT, LEASE_SELECT
from dos.store.pg_fast import DURABLE_MESSAGE
from dos.store.schema import NOTIFY_CHANNEL, PG_NOW  # noqa: F401 - NOTIFY_CHANNEL: its home for readers

# A write commits visible first: its own transaction does not wait for its WAL flush
# (synchronous_commit off for it alone), and then, in COMMIT's round trip, the client commits
# DURABLE, one tiny transaction at the session's own level. Its flush covers the write's commit
# record, which precedes it in the WAL, and it runs after the write released its locks, so
# writers queued on the workspace or tail lock no longer wait for each other's flushes: their
# flushes merge (group commit). The client is answered only once both are done. A quiet
# operation does the same inside one procedure call (``pg_fast.procedures``).
ASYNC_LOCAL = "SET LOCAL synchronous_commit = off"
DURABLE = f"SELECT {DURABLE_MESSAGE}"
VISIBLE_FIRST_PROBE = (f"SELECT CASE WHEN current_setting('synchronous_commit') = 'off' THEN false "
                       f"ELSE ({DURABLE}) IS NOT NULL END")
CLOCK_SQL = f"SELECT {PG_NOW}"
SEQ_STATE = ("SELECT s.name, pg_sequence_last_value(s.name::regclass), pg_sequence_last_value('fence_seq'::regclass) "
             "FROM (SELECT pg_get_serial_sequence('events', 'seq') AS name) s")
# setval to 0 is out of bounds for both sequences (MINVALUE 1): the error that aborts the transaction.
ADVANCE = ("SELECT setval(%s::regclass, CASE WHEN pg_sequence_last_value(%s::regclass) = %s "
           "THEN %s ELSE 0 END)")
EVENT_INSERT_AT = ("INSERT INTO events (seq, ts_ms, op, lane, lease_id, holder, host_id, reason, data) "
                   "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)")
FENCE_SEQ = "fence_seq"
VIEW_SELECT = LEASE_SELECT + " ORDER BY fence"  # the Store's read of the leases view
# Statements (as the Store writes them) that touch only the leases view: they cannot draw from a sequence.
SEQUENCE_FREE = frozenset({
    VIEW_SELECT,
    LEASE_INSERT,
    "DELETE FROM leases WHERE lease_id = ?",
    "UPDATE leases SET heartbeat_ms = ? WHERE lease_id = ?",
})
_DML = ("INSERT", "UPDATE", "DELETE")


def deferrable(sql: str) -> bool:
    """True for a single INSERT/UPDATE/DELETE that returns no rows (its result is not awaited)."""
    head = sql.lstrip()[:6].upper()
    return head in _DML and "RETURNING" not in sql.upper()


def sequence_moved(exc: BaseException) -> bool:
    """True if EXC is ADVANCE failing: a sequence moved while the lock was held."""
    diag = getattr(exc, "diag", None)
    return bool(diag and "out of bounds for sequence" in (diag.message_primary or ""))


class PipelinedWrite:
    """One write transaction on ENGINE's connection (the ``Tx`` protocol); see the module docstring."""

    def __init__(self, engine: Any, prefetch: str = "") -> None:
        # ENGINE: a dos.store.postgres.PostgresEngine (not imported: that module imports this one)
        self._engine = engine
        self._prefetch_sql = prefetch
        self._appended = False  # an event went into the log: NOTIFY the screens at commit
        self._prefetched: list[tuple[Any, ...]] | None = None
        self._pending: list[tuple[str, tuple[Any, ...]]] = []
        self._now: int | None = None
        self._seqs: dict[str, list[int]] = {}  # sequence -> [last value read, next value to hand out]

    # ------------------------------------------------------------------ the wire

    def _send(self, stmts: Sequence[tuple[str, tuple[Any, ...]]]) -> list[list[tuple[Any, ...]]]:
        """Run STMTS in one pipeline (one round trip); each one's rows."""
        conn = self._engine._conn
        self._engine.round_trips += 1
        with self._engine._mapped():
            with conn.pipeline():
                curs = [conn.execute(sql, params) for sql, params in stmts]
            return [cur.fetchall() if cur.description else [] for cur in curs]

    def begin(self, key: tuple[int, int]) -> None:
        """Round trip 1: BEGIN, the workspace lock, then the clock, sequences and prefetch under it."""
        stmts = [("BEGIN", ()), ("SELECT pg_advisory_xact_lock(%s, %s)", key)]
        clock = self._engine.clock is None
        if clock:
            stmts.append((CLOCK_SQL, ()))
        stmts.append((SEQ_STATE, ()))
        if self._prefetch_sql:
            stmts.append((_translate(self._prefetch_sql), ()))
        rows = self._send(stmts)
        if clock:
            self._now = int(rows[2][0][0])
        events_seq, events_last, fence_last = rows[3 if clock else 2][0]
        for name, last in ((events_seq, events_last), (FENCE_SEQ, fence_last)):
            if name and last is not None:  # None: never drawn from; the server picks the first value
                self._seqs[name] = [int(last), int(last) + 1]
        self._events_seq = events_seq
        if self._prefetch_sql:
            self._prefetched = rows[-1]

    def _settle(self) -> None:
        """Queue the sequences' advance to what was handed out; stop handing out locally."""
        for name, (last, nxt) in self._seqs.items():
            if nxt - 1 > last:
                self._pending.append((ADVANCE, (name, name, last, nxt - 1)))
        self._seqs.clear()

    def _take(self, name: str) -> int | None:
        got = self._seqs.get(name)
        if got is None:
            return None
        got[1] += 1
        return got[1] - 1

    def commit(self) -> None:
        """Round trip 2: every held statement, the sequences' advance, COMMIT."""
        self._settle()
        tail = [("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, self._engine.schema))] if self._appended else []
        done = [(ASYNC_LOCAL, ()), ("COMMIT", ()), (DURABLE, ())] if self._engine.visible_first else [("COMMIT", ())]
        stmts, self._pending = [*self._pending, *tail, *done], []  # the NOTIFY is sent at COMMIT
        self._send(stmts)

    def rollback(self) -> None:
        self._pending = []

    # ------------------------------------------------------------------ the Tx protocol

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        params = tuple(params)
        if self._prefetched is not None and sql == self._prefetch_sql and not params:
            return list(self._prefetched)
        self._prefetched = None
        if sql == EVENT_INSERT:
            self._appended = True
            seq = self._take(self._events_seq)
            if seq is not None:
                self._pending.append((EVENT_INSERT_AT, (seq, *params)))
                return [(seq,)]
        if sql not in SEQUENCE_FREE:
            self._settle()
        text = _translate(sql)
        if deferrable(text):
            self._pending.append((text, params))
            return []
        stmts, self._pending = [*self._pending, (text, params)], []
        return self._send(stmts)[-1]

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._prefetched = None
        if sql not in SEQUENCE_FREE:
            self._settle()
        text = _translate(sql)
        self._pending.extend((text, tuple(r)) for r in rows)

    def now_ms(self) -> int:
        """The server's clock, read once per transaction once the lock is held (or the engine's clock)."""
        if self._now is None:
            self._now = int(self._engine.clock())
        return self._now

    def next_fence(self) -> int:
        fence = self._take(FENCE_SEQ)
        if fence is not None:
            return fence
        self._settle()
        return int(self.execute("SELECT nextval('fence_seq')")[0][0])


def _translate(sql: str) -> str:
    from dos.store.pg_sql import translate

    return translate(sql)
