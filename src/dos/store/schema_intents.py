"""Schema version 3: the intent ledger, and the row shape of its runs (``IntentRun``).

    intent_events  the append-only ledger of every run: seq, run_id, ts_ms, op, author, data
                   (the record's fields as a JSON object, exactly as appended or imported)
    intent_runs    one row per run: the writer bound by its first INTENT (a token's SHA-256, the
                   host session, the writer's pid and its start time), and ``state``, the fold of
                   the run's ledger (JSON), kept current in the transaction of every append
"""

from __future__ import annotations

from dos.kernel.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

INTENT_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS intent_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        op TEXT NOT NULL,
        author TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL DEFAULT '{}')""",
    "CREATE INDEX IF NOT EXISTS intent_events_run ON intent_events (run_id, seq)",
    """CREATE TABLE IF NOT EXISTS intent_runs (
        run_id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL DEFAULT '',
        session TEXT NOT NULL DEFAULT '',
        writer TEXT NOT NULL DEFAULT '',
        host_id TEXT NOT NULL DEFAULT '',
        pid INTEGER,
        pid_start INTEGER,
        bound_ms INTEGER NOT NULL DEFAULT 0,
        last_seq INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT '{}')""",
    "CREATE INDEX IF NOT EXISTS intent_runs_session ON intent_runs (session)",
)

RUN_COLUMNS = ("run_id", "token_hash", "session", "writer", "host_id", "pid", "pid_start", "bound_ms", "last_seq")


class IntentRun(Record):
    """Who writes a run's ledger: bound by its first INTENT ('' token_hash: not bound yet)."""

    __slots__ = RUN_COLUMNS
    _defaults = {"token_hash": "", "session": "", "writer": "", "host_id": "", "pid": None, "pid_start": None,
                 "bound_ms": 0, "last_seq": 0}

    @property
    def bound(self) -> bool:
        return bool(self.token_hash)

    def to_dict(self) -> dict[str, Any]:
        d = self.fields()
        d.pop("token_hash")
        d["bound"] = self.bound
        return d
