"""Online compaction of the event log: every mutating event folded into one CHECKPOINT.

The fold is read without a lock; the checkpoint goes in with one short write, and the folded
events are deleted in short batches with pauses between them, so acquirers keep their turn.
``replay`` folds from the newest checkpoint with the same readers.
"""

from __future__ import annotations

import time
from typing import Any, Iterable, Iterator

from dos.kernel.lease import MUTATING_OPS, Op
from dos.kernel.replay import checkpoint, fold_rows
from dos.store.engine import Engine, Tx
from dos.store.live import encode_data

_MUTATING = tuple(sorted(str(o) for o in MUTATING_OPS))
# ``op || ''``: no index on op may serve these; every read and delete walks the seq key in order
# (the op index would sort every mutating row for each page, and scan them all for each batch).
_MUTATING_IN = f"op || '' IN ({', '.join('?' for _ in _MUTATING)})"


def latest_checkpoint(tx: Tx) -> int:
    """The seq of the newest CHECKPOINT (0 if none): every mutating event before it is folded into it."""
    rows = tx.execute("SELECT max(seq) FROM events WHERE op = ?", (str(Op.CHECKPOINT),))
    return int(rows[0][0] or 0)


def mutating_rows(tx: Tx, start: int, *, page: int = 5000) -> Iterator[tuple[Any, ...]]:
    """``(seq, ts_ms, op, lease_id, data)`` of the mutating events from seq START on, a page at a time."""
    after = start - 1
    while True:
        rows = tx.execute(f"SELECT seq, ts_ms, op, lease_id, data FROM events WHERE seq > ? AND {_MUTATING_IN} "
                          "ORDER BY seq LIMIT ?", (after, *_MUTATING, page))
        yield from rows
        if len(rows) < page:
            return
        after = int(rows[-1][0])


class _Last:
    """Passes rows through, keeping the last one (the fold's high-water mark)."""

    def __init__(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self.rows, self.last = rows, None

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for row in self.rows:
            self.last = row
            yield row


def compact(engine: Engine, host_id: str, *, batch: int = 2000, detail: bool = False) -> dict[str, int]:
    """Fold every mutating event into one CHECKPOINT, online; forensic events are kept, replay unchanged.

    1. The fold is read from a read snapshot, which takes no lock (writers go on).
    2. One short write transaction puts the CHECKPOINT in place of the last folded event
       (seq S), unless a newer checkpoint is already there.
    3. The mutating events before S are deleted BATCH seqs at a time, each batch its own
       short write transaction, with a pause as long as the batch between them.
    Replay equals the view at every step: a fold in seq order is reset by the checkpoint
    at S, so the events before it count for nothing while they still exist, and events
    appended meanwhile come after S. DETAIL adds the checkpoint seq, the leases in it, the
    batches, and the longest the write lock was held (ms, to the commit).
    """
    started = time.monotonic()
    with engine.read() as tx:
        count, size = tx.execute("SELECT count(*), coalesce(sum(length(data)), 0) FROM events")[0]
        first = int(tx.execute("SELECT coalesce(min(seq), 0) FROM events")[0][0])
        rows = _Last(mutating_rows(tx, latest_checkpoint(tx)))
        state = fold_rows(rows)
    fold_ms = (time.monotonic() - started) * 1000
    report = {"entries_before": int(count), "entries_after": int(count), "bytes_reclaimed": 0}
    if rows.last is None:
        return {**report, **({"checkpoint_seq": 0, "leases": 0, "deleted": 0, "batches": 0,
                              "fold_ms": round(fold_ms, 1), "longest_write_ms": 0.0} if detail else {})}
    cut, ts_ms, op, _, _ = rows.last
    cut, reclaimed, longest = int(cut), 0, 0.0
    if op != str(Op.CHECKPOINT):
        cp = checkpoint(state.values(), seq=cut, ts_ms=int(ts_ms))
        text = encode_data(cp.data)
        with engine.write() as tx:
            t = time.monotonic()  # the lock is held from here (waiting for it blocks nobody)
            newest = latest_checkpoint(tx)
            if newest >= cut:  # another compaction got further while we folded: its checkpoint stands
                cut = newest
            else:
                gone = tx.execute("DELETE FROM events WHERE seq = ? RETURNING length(data)", (cut,))
                tx.execute("INSERT INTO events (seq, ts_ms, op, lane, lease_id, holder, host_id, reason, data) "
                           "VALUES (?, ?, ?, '', '', '', ?, ?, ?)",
                           (cp.seq, cp.ts_ms, str(Op.CHECKPOINT), host_id, cp.reason, text))
                reclaimed += sum(int(r[0]) for r in gone) - len(text)
        longest = (time.monotonic() - t) * 1000
    deleted, batches = 0, 0
    lo = first
    while lo < cut:
        hi = min(lo + max(1, int(batch)), cut)
        with engine.write() as tx:
            t = time.monotonic()
            gone = tx.execute(f"DELETE FROM events WHERE seq >= ? AND seq < ? AND {_MUTATING_IN} "
                              "RETURNING length(data)", (lo, hi, *_MUTATING))
        held = time.monotonic() - t  # to the commit
        longest = max(longest, held * 1000)
        deleted, batches = deleted + len(gone), batches + 1
        reclaimed += sum(int(r[0]) for r in gone)
        lo = _next_mutating(engine, hi, cut)
        if lo < cut:
            time.sleep(held)  # leave the lock free as long as it was held: acquirers get their turn
    with engine.read() as tx:
        after = int(tx.execute("SELECT count(*) FROM events")[0][0])
    report = {"entries_before": int(count), "entries_after": after, "bytes_reclaimed": max(0, reclaimed)}
    if detail:
        report.update(checkpoint_seq=cut, leases=len(state), deleted=deleted, batches=batches,
                      fold_ms=round(fold_ms, 1), longest_write_ms=round(longest, 1),
                      seconds=round(time.monotonic() - started, 3))
    return report


def _next_mutating(engine: Engine, start: int, cut: int) -> int:
    """The first mutating seq in [START, CUT), else CUT; read without the lock, so runs of
    forensic events are skipped outside the write transactions."""
    with engine.read() as tx:
        rows = tx.execute(f"SELECT min(seq) FROM events WHERE seq >= ? AND seq < ? AND {_MUTATING_IN}",
                          (start, cut, *_MUTATING))
    return int(rows[0][0]) if rows and rows[0][0] is not None else cut
