"""The verdict journal's rows: the hash chain, the spool, checkpoints, cursors and the notify log.

Each row's ``hash`` is SHA-256 over the previous row's hash and the row's own fields, so
editing, removing or reordering a row breaks the chain at that row. Compaction folds the
oldest rows into a checkpoint that keeps the chain's head, so what remains still verifies.
The spool (``.dos/journal.spool``) takes the rows of callers that have no transaction of
their own (a hook's allow, or its deny with the ENFORCE event): one appended line each,
folded into the log and the chain, exactly once, by the next writer. Cheap to import: the hook's deny path appends through here.
"""

from __future__ import annotations

import os

from dos.kernel.jsonc import JSONError, dumps, loads

from dos.store.journal_rows import (  # noqa: F401 - the rows' API, re-exported
    COLUMNS as COLUMNS,
    CP_COLUMNS as CP_COLUMNS,
    CP_SELECT as CP_SELECT,
    EVENT_ROW as EVENT_ROW,
    GENESIS as GENESIS,
    HOOK_SYSCALLS as HOOK_SYSCALLS,
    INSERT as INSERT,
    LIMITS as LIMITS,
    MAX_DETAIL as MAX_DETAIL,
    MAX_SPOOL_LINE as MAX_SPOOL_LINE,
    ROTATE_BYTES as ROTATE_BYTES,
    RawTx as RawTx,
    SELECT as SELECT,
    SPOOL_MAGIC as SPOOL_MAGIC,
    SPOOL_NAME as SPOOL_NAME,
    _clip as _clip,
    _publish_spool as _publish_spool,
    append as append,
    append_rows as append_rows,
    conn_execute as conn_execute,
    encode_detail as encode_detail,
    event_hash as event_hash,
    head as head,
    make_row as make_row,
    row_hash as row_hash,
    sha256_hex as sha256_hex,
    spool_append as spool_append,
    spool_path as spool_path,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator, Sequence

def _spool_files(path: str) -> list[str]:
    directory, base = os.path.split(path)
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    old = sorted(n for n in names if n.startswith(base + ".") and n.endswith(".old"))
    return [os.path.join(directory, n) for n in old] + ([path] if base in names else [])


def spool_pending(path: str) -> bool:
    """Is there a spool that may hold rows not yet folded in? (one stat: what readers ask first)."""
    return bool(_spool_files(path))


def _spool_state(tx: Any) -> dict[str, Any]:
    """The offset folded so far of each spool, by its header's id (kept in ``meta`` by the fold)."""
    got = tx.execute("SELECT value FROM meta WHERE key = 'journal_spool'")
    try:
        state = loads(got[0][0]) if got else {}
    except JSONError:
        state = {}
    return state if isinstance(state, dict) else {}


def drain_spool(tx: Any, path: str, *, now_ms: int, keep_s: float = 60.0) -> tuple[int, list[str]]:
    """Fold the spool's complete lines into the chain inside TX, exactly once.

    The offset read so far is kept per spool (by the random id in its header) in ``meta``,
    written in the same transaction as the rows, so a crash re-reads nothing twice. A line with
    an ENFORCE event (a hook's deny) inserts the event first and links its row to it. Returns
    (records folded, files to unlink once TX has committed: moved-aside spools fully read).
    """
    import time

    files = _spool_files(path)
    if not files:
        return 0, []
    state = _spool_state(tx)
    new_state: dict[str, int] = {}
    records: list[tuple[dict[str, Any] | None, tuple[Any, ...] | None]] = []
    corrupt = 0
    done: list[str] = []
    for name in files:
        try:
            with open(name, "rb") as fh:
                header = fh.readline()
                if not header.startswith(SPOOL_MAGIC.encode()) or not header.endswith(b"\n"):
                    continue  # being published, or not ours
                ident = header[len(SPOOL_MAGIC):].strip().decode("ascii", "replace")
                off = int(state.get(ident, len(header)))
                fh.seek(off)
                chunk = fh.read()
                st = os.fstat(fh.fileno())
        except (OSError, ValueError):
            continue
        end = chunk.rfind(b"\n") + 1
        for raw in chunk[:end].splitlines():
            got = _spool_record(raw)
            if got is None:
                corrupt += 1
                cut = raw.rfind(b'{"')  # a torn write, then a whole record appended after it
                got = _spool_record(raw[cut:]) if cut > 0 else None
            if got is not None:
                records.append(got)
        new_state[ident] = off + end
        if name != path and off + end >= st.st_size and time.time() - st.st_mtime > keep_s:
            done.append(name)
        if name == path and off + end > ROTATE_BYTES:
            try:
                os.rename(path, f"{path}.{ident}.old")
            except OSError:
                pass
    if corrupt:
        records.append((make_row(now_ms, "journal", "SPOOL_CORRUPT", subject=path, source="kernel",
                                 detail={"lines": corrupt}), None))
    records.sort(key=lambda r: r[1][0] if r[0] is None else r[0]["ts_ms"])  # type: ignore[index]
    rows = []
    for row, event in records:
        if event is not None:
            from dos.store.schema import EVENT_INSERT

            seq = int(tx.execute(EVENT_INSERT, event)[0][0])
            if row is not None:
                row.update(event_seq=seq, event_hash=event_hash(event))
        if row is not None:
            rows.append(row)
    if rows:
        append(tx, rows)
    if new_state != state:
        tx.execute("INSERT INTO meta (key, value) VALUES ('journal_spool', ?) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (dumps(new_state, sort_keys=True),))
    return len(records), done


def pending_events(tx: Any, path: str) -> list[tuple[Any, ...]]:
    """The ENFORCE event values the spool at PATH holds that TX's store has not folded in yet.

    Read-only (what a screen shows between a hook's deny and the next writer); oldest first.
    """
    files = _spool_files(path)
    if not files:
        return []
    state = _spool_state(tx)
    out: list[tuple[Any, ...]] = []
    for name in files:
        try:
            with open(name, "rb") as fh:
                header = fh.readline()
                if not header.startswith(SPOOL_MAGIC.encode()) or not header.endswith(b"\n"):
                    continue
                ident = header[len(SPOOL_MAGIC):].strip().decode("ascii", "replace")
                fh.seek(int(state.get(ident, len(header))))
                chunk = fh.read()
        except (OSError, ValueError):
            continue
        for raw in chunk[:chunk.rfind(b"\n") + 1].splitlines():
            found = _spool_record(raw)
            if found is not None and found[1] is not None:
                out.append(found[1])
    return sorted(out, key=lambda v: v[0])


def spool_stamp(path: str) -> int:
    """The spool files' total size: it grows with every line a hook appends (a screen's change signal)."""
    total = 0
    for name in _spool_files(path):
        try:
            total += os.stat(name).st_size
        except OSError:
            pass
    return total


def _spool_record(raw: bytes) -> tuple[dict[str, Any] | None, tuple[Any, ...] | None] | None:
    """(journal row or None, ENFORCE event values or None) of one spool line; None if it is not one."""
    try:
        rec = loads(raw.decode("utf-8"))
        if not isinstance(rec, dict) or not isinstance(rec.get("ts_ms"), int):
            return None
        event = _spool_event(rec.get("event"))
        if rec.get("event") is not None and event is None:
            return None
        if rec.get("nojournal") is True:
            return (None, event) if event is not None else None
        detail = rec.get("detail", "{}")
        if not isinstance(detail, str) or not isinstance(loads(detail), dict):
            return None
        return make_row(rec["ts_ms"], str(rec.get("syscall", "")), str(rec.get("verdict", "")),
                        run_id=str(rec.get("run_id", "")), session=str(rec.get("session", "")),
                        lane=str(rec.get("lane", "")), subject=str(rec.get("subject", "")), detail=detail,
                        source=str(rec.get("source", "sensor"))), event
    except (JSONError, UnicodeDecodeError, ValueError, TypeError):
        return None


def _spool_event(values: Any) -> tuple[Any, ...] | None:
    """A spooled event's values, if they are an ENFORCE event's: the spool never carries a lease
    operation (a line that could grant or release a lease would let a file write change the view)."""
    if not (isinstance(values, list) and len(values) == 8 and isinstance(values[0], int)
            and not isinstance(values[0], bool) and all(isinstance(v, str) for v in values[1:])):
        return None
    if values[1] != "ENFORCE" or not isinstance(loads(values[7]), dict):
        return None
    return tuple(values)


def unlink_all(names: Sequence[str]) -> None:
    for name in names:
        try:
            os.unlink(name)
        except OSError:
            pass


# --------------------------------------------------------------------------- reading


def present(tx: Any, engine_name: str) -> bool:
    """Does the store TX reads have the journal's tables? (a store not yet upgraded reads as empty)."""
    if engine_name == "postgres":
        return bool(tx.execute("SELECT to_regclass('verdicts') IS NOT NULL")[0][0])
    return bool(tx.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'verdicts'")[0][0])


def where(*, since_seq: int = 0, run_id: str = "", syscall: str = "", lane: str = "", session: str = "",
          verdict: str = "", source: str = "", until_seq: int | None = None,
          since_ms: int | None = None) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) of a filtered read ('' when nothing is filtered)."""
    clauses: list[str] = []
    params: list[Any] = []
    if since_seq:
        clauses.append("seq > ?")
        params.append(int(since_seq))
    if since_ms is not None:
        clauses.append("ts_ms >= ?")
        params.append(int(since_ms))
    for column, value in (("run_id", run_id), ("syscall", syscall), ("lane", lane), ("session", session),
                          ("verdict", verdict), ("source", source)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if until_seq is not None:
        clauses.append("seq <= ?")
        params.append(int(until_seq))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def select(tx: Any, *, limit: int | None = None, newest: bool = False, **filters: Any) -> list[tuple[Any, ...]]:
    """Rows matching FILTERS in seq order; with NEWEST and LIMIT, the last LIMIT of them."""
    clause, params = where(**filters)
    sql = SELECT + clause + (" ORDER BY seq DESC" if newest else " ORDER BY seq")
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    rows = tx.execute(sql, params)
    return list(reversed(rows)) if newest else rows


def iter_rows(tx: Any, *, page: int = 5000, **filters: Any) -> Iterator[tuple[Any, ...]]:
    """Rows matching FILTERS in seq order, read PAGE at a time."""
    since = int(filters.pop("since_seq", 0))
    while True:
        rows = select(tx, limit=page, since_seq=since, **filters)
        yield from rows
        if len(rows) < page:
            return
        since = int(rows[-1][0])


def last_seq(tx: Any) -> int:
    return head(tx.execute)[0]


def checkpoints(tx: Any) -> list[tuple[Any, ...]]:
    return tx.execute(CP_SELECT + " ORDER BY seq")


# --------------------------------------------------------------------------- verifying


def checkpoint_content(cp: Sequence[Any]) -> list[Any]:
    """What a checkpoint's hash and signature cover: every field but ``sig``, ``prev`` and ``hash``."""
    return [cp[0], cp[1], cp[2], cp[3], cp[4], cp[5], cp[6]]


def checkpoint_hash(prev: str, cp: Sequence[Any]) -> str:
    return row_hash(prev, checkpoint_content(cp))


def sign(key: bytes, prev: str, cp: Sequence[Any]) -> str:
    import hmac

    body = dumps([prev, *checkpoint_content(cp)], separators=(",", ":")).encode("ascii")
    return hmac.new(key, body, "sha256").hexdigest()


class ChainCheck:
    """A fold over the chain: feed checkpoints then rows in seq order; ``problems`` names each break."""

    def __init__(self, key: bytes | None = None, max_problems: int = 50) -> None:
        self.key = key
        self.max_problems = max_problems
        self.problems: list[dict[str, Any]] = []
        self.broken = 0
        self.running = GENESIS
        self.cp_hash = GENESIS
        self.last_seq = 0
        self.rows = 0
        self.checkpoints = 0
        self.signed = 0
        self.unsigned = 0
        self.unchecked = 0
        self.first_seq: int | None = None
        self.compacted_events = 0

    def _problem(self, seq: int, what: str, kind: str) -> None:
        self.broken += 1
        if len(self.problems) < self.max_problems:
            self.problems.append({"seq": seq, "kind": kind, "problem": what})

    def checkpoint(self, cp: Sequence[Any]) -> None:
        seq = int(cp[0])
        self.checkpoints += 1
        if cp[8] != self.cp_hash:
            self._problem(seq, f"checkpoint at seq {seq} does not follow the checkpoint before it "
                               f"(a checkpoint was removed or edited)", "checkpoint-link")
        if checkpoint_hash(cp[8], cp) != cp[9]:
            self._problem(seq, f"checkpoint at seq {seq} does not match its own hash (it was edited)",
                          "checkpoint-edited")
        if cp[7]:
            if self.key is None:
                self.unchecked += 1
            elif sign(self.key, cp[8], cp) != cp[7]:
                self._problem(seq, f"checkpoint at seq {seq} is not signed with this journal key "
                                   f"(forged, or signed with another key)", "checkpoint-signature")
            else:
                self.signed += 1
        else:
            self.unsigned += 1
        self.cp_hash = cp[9]
        self.running = cp[3]
        self.last_seq = seq

    def row(self, row: Sequence[Any], event: Sequence[Any] | None | bool = False) -> None:
        """One row; EVENT is its linked event row (None: gone, False: not looked up)."""
        seq = int(row[0])
        self.rows += 1
        if self.first_seq is None:
            self.first_seq = seq
        content = row[:12]
        if seq <= self.last_seq:
            self._problem(seq, f"seq {seq} comes after seq {self.last_seq}: rows are out of order or "
                               f"duplicated", "order")
        if row_hash(row[12], content) != row[13]:
            self._problem(seq, f"seq {seq} does not match its own hash: the row was edited", "edited")
        elif row[12] != self.running:
            before = f"seq {self.last_seq}" if self.last_seq else "the start of the journal"
            self._problem(seq, f"seq {seq} does not follow {before}: a row between them was removed, "
                               f"or {before} was edited", "link")
        if row[10] is not None and event is not False:
            if event is None:
                if row[2] in HOOK_SYSCALLS:
                    self._problem(seq, f"seq {seq}: its ENFORCE event #{row[10]} was deleted from the lease log",
                                  "event-deleted")
                else:
                    self.compacted_events += 1
            elif event_hash(event[1:]) != row[11]:
                self._problem(seq, f"seq {seq}: its lease-log event #{row[10]} was edited", "event-edited")
        self.running = row[13]
        self.last_seq = seq


def linked_events(tx: Any, rows: Sequence[Sequence[Any]]) -> dict[int, tuple[Any, ...]]:
    """The lease-log events ROWS link to, by seq."""
    wanted = sorted({int(r[10]) for r in rows if r[10] is not None})
    out: dict[int, tuple[Any, ...]] = {}
    for i in range(0, len(wanted), 500):
        part = wanted[i:i + 500]
        marks = ", ".join("?" for _ in part)
        for ev in tx.execute(f"{EVENT_ROW} WHERE seq IN ({marks})", part):
            out[int(ev[0])] = tuple(ev)
    return out


def verify(tx: Any, *, key: bytes | None = None, until_seq: int | None = None, page: int = 5000) -> ChainCheck:
    """Walk every checkpoint and row (through UNTIL_SEQ) and check each link, hash and linked event."""
    check = ChainCheck(key)
    for cp in checkpoints(tx):
        check.checkpoint(cp)
    since = 0
    while True:
        rows = select(tx, limit=page, since_seq=since, until_seq=until_seq)
        events = linked_events(tx, rows)
        for r in rows:
            check.row(r, events.get(int(r[10])) if r[10] is not None else False)
        if len(rows) < page:
            return check
        since = int(rows[-1][0])


# --------------------------------------------------------------------------- compaction


def compact(tx: Any, *, through_seq: int, now_ms: int, key: bytes | None = None, signer: str = "") -> dict[str, Any]:
    """Fold every row up to THROUGH_SEQ into one checkpoint that keeps the chain's head there.

    Refuses (ValueError) when the rows to fold do not verify: a checkpoint must never launder
    a broken chain. Returns what was folded.
    """
    rows = tx.execute("SELECT min(seq), max(seq), count(*) FROM verdicts WHERE seq <= ?", (int(through_seq),))
    first, last, count = rows[0]
    if not count:
        return {"dropped": 0, "through_seq": None}
    check = verify(tx, key=key, until_seq=int(last))
    if check.broken:
        first_problem = check.problems[0]["problem"] if check.problems else "the chain does not verify"
        raise ValueError(f"the journal does not verify ({first_problem}); run `dos journal verify` "
                         f"and restore the store before compacting")
    head_hash = tx.execute("SELECT hash FROM verdicts WHERE seq = ?", (int(last),))[0][0]
    rollup: dict[str, dict[str, int]] = {}
    for syscall, verdict, n in tx.execute("SELECT syscall, verdict, count(*) FROM verdicts WHERE seq <= ? "
                                          "GROUP BY syscall, verdict", (int(last),)):
        rollup.setdefault(syscall, {})[verdict] = int(n)
    prev_cp = tx.execute("SELECT hash FROM verdict_checkpoints ORDER BY seq DESC LIMIT 1")
    prev = prev_cp[0][0] if prev_cp else GENESIS
    cp = [int(last), int(first), int(now_ms), head_hash, int(count), dumps(rollup, sort_keys=True,
                                                                           separators=(",", ":")), signer]
    sig = sign(key, prev, cp) if key else ""
    digest = checkpoint_hash(prev, cp)
    tx.execute("DELETE FROM verdicts WHERE seq <= ?", (int(last),))
    tx.execute("INSERT INTO verdict_checkpoints (seq, first_seq, ts_ms, head, dropped, rollup, signer, sig, prev, "
               "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*cp, sig, prev, digest))
    return {"dropped": int(count), "first_seq": int(first), "through_seq": int(last), "head": head_hash,
            "signed": bool(sig)}


def cutoff(tx: Any, *, keep_last: int | None, before_ms: int | None) -> int | None:
    """The highest seq retention folds away: rows beyond the newest KEEP_LAST, or older than BEFORE_MS."""
    found: list[int] = []
    if keep_last is not None:
        rows = tx.execute("SELECT seq FROM verdicts ORDER BY seq DESC LIMIT 1 OFFSET ?", (int(keep_last),))
        if rows:
            found.append(int(rows[0][0]))
    if before_ms is not None:
        rows = tx.execute("SELECT max(seq) FROM verdicts WHERE ts_ms < ?", (int(before_ms),))
        if rows and rows[0][0] is not None:
            found.append(int(rows[0][0]))
    return max(found) if found else None


# --------------------------------------------------------------------------- cursors and the notify log


def get_cursor(tx: Any, name: str) -> int | None:
    rows = tx.execute("SELECT seq FROM export_cursors WHERE name = ?", (name,))
    return int(rows[0][0]) if rows else None


def set_cursor(tx: Any, name: str, seq: int, now_ms: int) -> None:
    tx.execute("INSERT INTO export_cursors (name, seq, updated_ms) VALUES (?, ?, ?) ON CONFLICT (name) "
               "DO UPDATE SET seq = excluded.seq, updated_ms = excluded.updated_ms", (name, int(seq), int(now_ms)))


def cursors(tx: Any) -> list[tuple[str, int, int]]:
    return [(str(n), int(s), int(u)) for n, s, u in
            tx.execute("SELECT name, seq, updated_ms FROM export_cursors ORDER BY name")]


def last_sent(tx: Any, key: str) -> tuple[str, int, str, str] | None:
    """(digest, sent_ms, notifier, ref) of the last delivery under KEY, or None."""
    rows = tx.execute("SELECT digest, sent_ms, notifier, ref FROM notify_log WHERE key = ?", (key,))
    return (str(rows[0][0]), int(rows[0][1]), str(rows[0][2]), str(rows[0][3])) if rows else None


def mark_sent(tx: Any, key: str, digest: str, now_ms: int, notifier: str, ref: str) -> None:
    tx.execute("INSERT INTO notify_log (key, digest, sent_ms, notifier, ref) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT (key) DO UPDATE SET digest = excluded.digest, sent_ms = excluded.sent_ms, "
               "notifier = excluded.notifier, ref = excluded.ref", (key, digest, int(now_ms), notifier, ref))
