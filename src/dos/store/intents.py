"""The intent ledger in the store: one writer per run, enforced here, in the append's transaction.

A run's first INTENT binds its writer: the SHA-256 of a token the writer holds (and, when
given, the host session that declared it). Every later INTENT, STEP_CLAIMED or SUSPEND from
the writer must present that token (or come from that session); anything else is refused
and nothing is written. STEP_VERIFIED and RESUME_PROPOSED are minted by DOS's own checks
(``mint``), as is an operator's SUSPEND (``dos halt --resumable``). Each append folds the
records into ``intent_runs.state`` in the same transaction, so a read is one row.
A store not yet at schema version 3 reads as holding no ledger at all.
"""

from __future__ import annotations

from dos.errors import StoreError
from dos.kernel.intent import INTENT, REFEREE_OPS, SUSPEND, WRITER_OPS, IntentState, empty, fold
from dos.kernel.jsonc import JSONError, dumps, loads
from dos.kernel.record import Record
from dos.store.schema_intents import RUN_COLUMNS, IntentRun  # noqa: F401 - re-exported

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping, Sequence

    from dos.store.engine import Engine, Tx

INTENT_VERSION = 3
_RUN_SELECT = f"SELECT {', '.join(RUN_COLUMNS)}, state FROM intent_runs"


def hash_token(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Appended(Record):
    """The outcome of an append: RECORDED or REFUSED (with why), the seq of the last record, the new fold."""

    __slots__ = ("recorded", "reason", "seq", "state", "run")
    _defaults = {"seq": 0, "state": None, "run": None}


class LedgerRecord(Record):
    """One stored ledger record."""

    __slots__ = ("seq", "run_id", "ts_ms", "op", "author", "data")

    def as_record(self) -> dict[str, Any]:
        """The record as the fold reads it: its fields plus ``op``."""
        rec = dict(self.data)
        rec["op"] = self.op
        return rec


def schema_ready(tx: Tx) -> bool:
    """Does the store behind TX have the ledger's tables (schema version 3 or later)?"""
    try:
        rows = tx.execute("SELECT value FROM meta WHERE key = 'schema_version'")
    except StoreError:  # no meta table: nothing of ours is there
        return False
    try:
        return bool(rows) and int(rows[0][0]) >= INTENT_VERSION
    except (TypeError, ValueError):
        return False


def _run_from(row: Sequence[Any]) -> tuple[IntentRun, IntentState]:
    run = IntentRun(*row[:len(RUN_COLUMNS)])
    try:
        raw = loads(row[len(RUN_COLUMNS)])
    except JSONError:
        raw = {}
    state = IntentState.from_dict(raw) if isinstance(raw, dict) and raw else empty(run.run_id)
    return run, state


def _record_from(row: Sequence[Any]) -> LedgerRecord:
    seq, run_id, ts_ms, op, author, data = row
    try:
        payload = loads(data) if data else {}
    except JSONError:
        payload = {}
    return LedgerRecord(int(seq), run_id, int(ts_ms), op, author, payload if isinstance(payload, dict) else {})


def _authorized(run: IntentRun, token: str | None, session: str | None) -> bool:
    import hmac

    if token and run.token_hash and hmac.compare_digest(run.token_hash, hash_token(token)):
        return True
    return bool(session) and bool(run.session) and hmac.compare_digest(run.session, session or "")


class IntentStore:
    """Every run's intent ledger in one store (engine)."""

    def __init__(self, engine: Engine, *, host_id: str = "") -> None:
        self.engine = engine
        self.host_id = host_id

    # ------------------------------------------------------------------ reads

    def get(self, run_id: str) -> tuple[IntentRun, IntentState] | None:
        """The run's writer and folded ledger, or None when the store knows no such run."""
        with self.engine.read() as tx:
            if not schema_ready(tx):
                return None
            rows = tx.execute(_RUN_SELECT + " WHERE run_id = ?", (run_id,))
        return _run_from(rows[0]) if rows else None

    def state(self, run_id: str) -> IntentState | None:
        got = self.get(run_id)
        return got[1] if got else None

    def records(self, run_id: str) -> list[LedgerRecord]:
        """The run's ledger, oldest first."""
        with self.engine.read() as tx:
            if not schema_ready(tx):
                return []
            rows = tx.execute("SELECT seq, run_id, ts_ms, op, author, data FROM intent_events WHERE run_id = ? "
                              "ORDER BY seq", (run_id,))
        return [_record_from(r) for r in rows]

    def runs(self, *, session: str | None = None) -> list[tuple[IntentRun, IntentState]]:
        """Every run (or SESSION's runs), oldest binding first."""
        with self.engine.read() as tx:
            if not schema_ready(tx):
                return []
            if session is None:
                rows = tx.execute(_RUN_SELECT + " ORDER BY bound_ms, run_id")
            else:
                rows = tx.execute(_RUN_SELECT + " WHERE session = ? ORDER BY bound_ms, run_id", (session,))
        return [_run_from(r) for r in rows]

    # ------------------------------------------------------------------ writes

    def declare(self, run_id: str, intent: Mapping[str, Any], *, token: str, session: str = "", writer: str = "",
                pid: int | None = None, pid_start: int | None = None) -> Appended:
        """Append an INTENT. The run's first one binds TOKEN (and SESSION) as its only writer."""
        if not token:
            raise ValueError("declare needs a writer token")
        with self.engine.write() as tx:
            now = tx.now_ms()
            got = self._load(tx, run_id)
            if got is None or not got[0].bound:
                run = IntentRun(run_id, hash_token(token), session, writer, self.host_id, pid, pid_start, now,
                                got[0].last_seq if got else 0)
                state = got[1] if got else empty(run_id)
                if got is None:
                    tx.execute("INSERT INTO intent_runs (run_id, token_hash, session, writer, host_id, pid, "
                               "pid_start, bound_ms, last_seq, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, '{}')",
                               (run_id, run.token_hash, session, writer, self.host_id, pid, pid_start, now))
                else:
                    tx.execute("UPDATE intent_runs SET token_hash = ?, session = ?, writer = ?, host_id = ?, "
                               "pid = ?, pid_start = ?, bound_ms = ? WHERE run_id = ?",
                               (run.token_hash, session, writer, self.host_id, pid, pid_start, now, run_id))
            else:
                run, state = got
                if not _authorized(run, token, session):
                    return self._refused(run, state)
            return self._append(tx, run, state, [(INTENT, intent)], author=writer or "writer", now=now)

    def append(self, run_id: str, records: Sequence[tuple[str, Mapping[str, Any]]], *, token: str | None = None,
               session: str | None = None, author: str = "writer") -> Appended:
        """Append the writer's RECORDS ((op, fields) pairs of INTENT, STEP_CLAIMED or SUSPEND), all or none."""
        for op, _ in records:
            if op not in WRITER_OPS:
                raise ValueError(f"{op} is not a writer op ({', '.join(sorted(WRITER_OPS))}); DOS mints it itself")
        with self.engine.write() as tx:
            got = self._load(tx, run_id)
            if got is None or not got[0].bound:
                return Appended(False, f"run {run_id} has no INTENT yet: declare it first "
                                       f"(`dos intent declare --run-id {run_id} ...`)",
                                state=got[1] if got else None, run=got[0] if got else None)
            run, state = got
            if not _authorized(run, token, session):
                return self._refused(run, state)
            return self._append(tx, run, state, records, author=author, now=tx.now_ms())

    def mint(self, run_id: str, op: str, fields: Mapping[str, Any], *, author: str) -> Appended:
        """Append a record DOS itself stands behind: STEP_VERIFIED or RESUME_PROPOSED after its checks, or an
        operator's SUSPEND. Only an operator's SUSPEND may start a ledger (an unbound one)."""
        if op not in REFEREE_OPS and op != SUSPEND:
            raise ValueError(f"mint takes {', '.join(sorted(REFEREE_OPS))} or an operator's SUSPEND, not {op}")
        with self.engine.write() as tx:
            now = tx.now_ms()
            got = self._load(tx, run_id)
            if got is None:
                if op != SUSPEND:
                    return Appended(False, f"run {run_id} has no ledger in this store")
                tx.execute("INSERT INTO intent_runs (run_id, bound_ms, last_seq, state) VALUES (?, ?, 0, '{}')",
                           (run_id, now))
                got = (IntentRun(run_id, bound_ms=now), empty(run_id))
            return self._append(tx, got[0], got[1], [(op, fields)], author=author, now=now)

    def import_ledger(self, run_id: str, records: Sequence[tuple[int, str, Mapping[str, Any]]], *, token: str,
                      writer: str = "import") -> Appended:
        """Bring in a whole ledger ((ts_ms, op, fields) in file order) for a run this store does not know yet,
        binding TOKEN as its writer. A run the store already has is refused: it has a writer."""
        with self.engine.write() as tx:
            now = tx.now_ms()
            got = self._load(tx, run_id)
            if got is not None:
                return Appended(False, f"run {run_id} already has a ledger in this store (bound "
                                       f"{'to ' + got[0].writer if got[0].writer else 'to its writer'}); nothing "
                                       f"was imported", state=got[1], run=got[0])
            run = IntentRun(run_id, hash_token(token), "", writer, self.host_id, None, None, now, 0)
            tx.execute("INSERT INTO intent_runs (run_id, token_hash, session, writer, host_id, bound_ms, last_seq, "
                       "state) VALUES (?, ?, '', ?, ?, ?, 0, '{}')", (run_id, run.token_hash, writer, self.host_id, now))
            return self._append(tx, run, empty(run_id), [(op, f) for _, op, f in records], author=writer, now=now,
                                stamps=[ts for ts, _, _ in records])

    # ------------------------------------------------------------------ inside a transaction

    def _load(self, tx: Tx, run_id: str) -> tuple[IntentRun, IntentState] | None:
        rows = tx.execute(_RUN_SELECT + " WHERE run_id = ?", (run_id,))
        return _run_from(rows[0]) if rows else None

    @staticmethod
    def _refused(run: IntentRun, state: IntentState) -> Appended:
        who = f" ({run.writer})" if run.writer else ""
        return Appended(False, f"run {run.run_id} is bound to another writer{who} by its first INTENT; present "
                               f"that writer's token (--token or DOS_INTENT_TOKEN), or declare a new run id",
                        state=state, run=run)

    def _append(self, tx: Tx, run: IntentRun, state: IntentState, records: Iterable[tuple[str, Mapping[str, Any]]],
                *, author: str, now: int, stamps: Sequence[int] | None = None) -> Appended:
        seq = run.last_seq
        folded: list[dict[str, Any]] = []
        for i, (op, fields) in enumerate(records):
            data = {k: v for k, v in dict(fields).items() if k not in ("op", "run_id", "ts")}
            ts = stamps[i] if stamps is not None else now
            rows = tx.execute("INSERT INTO intent_events (run_id, ts_ms, op, author, data) VALUES (?, ?, ?, ?, ?) "
                              "RETURNING seq", (run.run_id, ts, str(op), author,
                                                dumps(data, sort_keys=True, separators=(",", ":"))))
            seq = int(rows[0][0])
            folded.append({**data, "op": op})
        new = fold(state, folded)
        tx.execute("UPDATE intent_runs SET state = ?, last_seq = ? WHERE run_id = ?",
                   (dumps(new.to_dict(), sort_keys=True, separators=(",", ":")), seq, run.run_id))
        self._publish(tx)
        return Appended(True, "recorded", seq, new, run.replace(last_seq=seq))

    def _publish(self, tx: Tx) -> None:
        """Tell the stop hook which sessions own a ledger (SQLite: a file beside the store, before commit)."""
        if not getattr(self.engine, "snapshot_path", None):
            return
        from dos.errors import StoreError
        from dos.store import snapshot

        try:
            snapshot.publish_intents(self.engine.location, snapshot.intent_sessions(tx))
        except OSError as exc:
            raise StoreError(f"store {self.engine.location}: cannot publish the ledger's sessions beside it "
                             f"({exc.strerror or exc}); nothing was written") from None
