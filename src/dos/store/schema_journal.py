"""Schema version 2: the verdict journal, its checkpoints, export cursors and the notify log.

    verdicts             one row per verdict a surface rendered: seq (its own sequence, strictly
                         increasing, never reused), ts_ms, syscall, verdict, run_id, session, lane,
                         subject, detail (scalar JSON object), source; event_seq/event_hash link
                         the lease-log event written in the same transaction; prev/hash chain
                         each row to the one before (``dos.store.journal``)
    verdict_checkpoints  what compaction folded away: up to ``seq``, the chain ``head`` there,
                         a rollup of the folded rows; each checkpoint chained to the one before
                         and signed off with the journal key when one is configured
    export_cursors       exporter name -> the last seq it shipped
    notify_log           notification key -> what was last delivered (for the de-dup window)
"""

from __future__ import annotations

JOURNAL_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS verdicts (
        seq INTEGER PRIMARY KEY,
        ts_ms INTEGER NOT NULL,
        syscall TEXT NOT NULL,
        verdict TEXT NOT NULL,
        run_id TEXT NOT NULL DEFAULT '',
        session TEXT NOT NULL DEFAULT '',
        lane TEXT NOT NULL DEFAULT '',
        subject TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '{}',
        source TEXT NOT NULL DEFAULT 'kernel',
        event_seq INTEGER,
        event_hash TEXT NOT NULL DEFAULT '',
        prev TEXT NOT NULL,
        hash TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS verdicts_run ON verdicts (run_id, verdict)",  # covers the rollup by run
    "CREATE INDEX IF NOT EXISTS verdicts_syscall ON verdicts (syscall, verdict)",  # covers the default rollup
    """CREATE TABLE IF NOT EXISTS verdict_checkpoints (
        seq INTEGER PRIMARY KEY,
        first_seq INTEGER NOT NULL,
        ts_ms INTEGER NOT NULL,
        head TEXT NOT NULL,
        dropped INTEGER NOT NULL,
        rollup TEXT NOT NULL DEFAULT '{}',
        signer TEXT NOT NULL DEFAULT '',
        sig TEXT NOT NULL DEFAULT '',
        prev TEXT NOT NULL,
        hash TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS export_cursors (
        name TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS notify_log (
        key TEXT PRIMARY KEY,
        digest TEXT NOT NULL,
        sent_ms INTEGER NOT NULL,
        notifier TEXT NOT NULL DEFAULT '',
        ref TEXT NOT NULL DEFAULT '')""",
)

JOURNAL_VERSION = 2  # the first schema version that has these tables
