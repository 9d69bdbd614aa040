"""Schema version 3: the intent ledger.

    intent_events  the append-only ledger of every run: seq, run_id, ts_ms, op, author, data
                   (the record's fields as a JSON object, exactly as appended or imported)
    intent_runs    one row per run: the writer bound by its first INTENT (a token's SHA-256, the
                   host session, the writer's pid and its start time), and ``state``, the fold of
                   the run's ledger (JSON), kept current in the transaction of every append
"""

from __future__ import annotations

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
