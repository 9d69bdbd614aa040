"""The verdict journal: every verdict a surface renders, recorded once, here.

Every service function that reaches a verdict calls ``record``; surfaces never do. A
decision that writes the store (a lease operation, a hook's deny) passes its transaction,
so the verdict and the decision commit together; a verdict with no transaction of its own
(``verify``) is written in a short transaction of its own, or, on a hook's allow path,
appended to the spool that the next writer folds into the chain. ``DISPATCH_OBSERVE`` and
``[observe] record`` decide what is recorded (``mode``). Cheap to import: the hooks use it.
"""

from __future__ import annotations

import os

from dos.service.hook_journal import (  # noqa: F401 - re-exported: the hooks' half of the journal
    HOOK_SYSCALL as HOOK_SYSCALL,
    OBSERVE_ENV as OBSERVE_ENV,
    env_mode as env_mode,
    hook_allow as hook_allow,
    hook_deny_row as hook_deny_row,
    hook_mode as hook_mode,
    hook_row as hook_row,
)
from dos.store.journal_rows import (  # noqa: F401 - re-exported: a verdict as a row, built without the store
    detail_of as detail_of,
    row_for as row_for,
    token_of as token_of,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator, Mapping

    from dos.service.context import Context

KEY_ENV = "DOS_JOURNAL_KEY"
RETAIN_EVERY = 512  # retention is applied when a write's seq is a multiple of this


def mode(ctx: Context | None, env: Mapping[str, str] | None = None) -> str:
    """What is journaled: ``auto`` (once a store exists), ``always`` (creating it) or ``off``."""
    found = env_mode(env)
    if found:
        return found
    try:
        return str(ctx.config.observe.record) if ctx is not None else "auto"
    except Exception:  # noqa: BLE001 - a broken dos.toml fails its verb elsewhere, not the journal
        return "auto"


class Outcome:
    """A verdict for an operation whose result is not a verdict value (a lease released, not held)."""

    __slots__ = ("token", "reason", "evidence")

    def __init__(self, token: str, reason: str = "", evidence: Mapping[str, Any] | None = None) -> None:
        self.token = token
        self.reason = reason
        self.evidence = dict(evidence or {})

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.token, "reason": self.reason, **self.evidence}


def event_fields(event: Any) -> tuple[int | None, str]:
    """(seq, digest) of a lease-log event as stored: the link a journal row keeps to its decision's event."""
    if event is None:
        return None, ""
    from dos.store.journal import event_hash
    from dos.store.live import event_values

    return int(event.seq), event_hash(event_values(event.ts_ms, event.op, lane=event.lane, lease_id=event.lease_id,
                                                   holder=event.holder, host_id=event.host_id, reason=event.reason,
                                                   data=event.data))


def event_link(row: dict[str, Any] | None) -> Any:
    """A store ``journal=`` callback that chains ROW (a hook's row) linked to the event it is recorded with."""
    if row is None:
        return None

    def link(tx: Any, outcome: Any, event: Any) -> None:
        from dos.store.journal import append

        seq, digest = event_fields(event)
        append(tx, [dict(row, ts_ms=tx.now_ms(), event_seq=seq, event_hash=digest)])

    return link


def lease_verdict(syscall: str, outcome: Any, lane: str = "") -> tuple[Any, dict[str, Any], str]:
    """(verdict, extra detail, lane) of one lease operation's OUTCOME (an AcquireResult, a Lease or None)."""
    if syscall == "acquire":
        d = outcome.decision
        lease = outcome.lease
        extra = {"lease_id": lease.lease_id if lease else None, "fence": lease.fence if lease else None,
                 "scavenged": len(outcome.scavenged)}
        return d, extra, d.lane or lane
    if syscall in ("halt", "spawn"):  # recorded, not decided: the event is the outcome
        token = "HALTED" if syscall == "halt" else "SPAWN_RECORDED"
        return (Outcome(token, outcome.reason), {"lease_id": outcome.lease_id or None, "holder": outcome.holder},
                outcome.lane or lane)
    done = {"release": ("RELEASED", "released"), "heartbeat": ("BEATEN", "beaten"),
            "adopt": ("ADOPTED", "adopted"), "scavenge": ("SCAVENGED", "scavenged")}[syscall]
    if outcome is None:
        token = "NOT_EXPIRED" if syscall == "scavenge" else "NOT_HELD"
        why = {"release": "no lease of that holder to release", "heartbeat": "no live lease of that holder to beat",
               "adopt": "no lease on that lane to adopt",
               "scavenge": "no expired lease by that id (a live lease is never scavenged)"}[syscall]
        return Outcome(token, why), {}, lane
    extra = {"lease_id": outcome.lease_id, "fence": outcome.fence, "holder": outcome.holder}
    return Outcome(done[0], f"{done[1]} lane '{outcome.lane}'"), extra, outcome.lane


def lease_journal(ctx: Context | None, syscall: str, *, run_id: str = "", session: str = "", lane: str = "",
                  holder: str = "", record_mode: str = "") -> Any:
    """The store ``journal=`` callback that records lease operation SYSCALL inside its transaction.

    On SQLite it folds the spool in first (when there is one), so the hooks' pending denies and
    allows reach the log with the lease traffic (on PostgreSQL that would cost a round trip).
    """
    if (record_mode or mode(ctx)) == "off":
        return None
    spool = spool_path(ctx) if ctx is not None and ctx.store.engine.name == "sqlite" else ""

    def write(tx: Any, outcome: Any, event: Any) -> None:
        if syscall == "heartbeat" and outcome is not None and event is None:
            return  # a coalesced beat wrote nothing, and decided nothing new
        from dos.store import journal as js
        from dos.store.journal import append

        if spool and js.spool_pending(spool):
            tx.execute("SAVEPOINT dos_spool")  # a spool that cannot be folded never fails the operation
            try:
                js.drain_spool(tx, spool, now_ms=tx.now_ms())
                tx.execute("RELEASE dos_spool")
            except Exception:  # noqa: BLE001 - the next flush retries it
                tx.execute("ROLLBACK TO dos_spool")
                tx.execute("RELEASE dos_spool")

        found = row(outcome)
        try:
            seq, digest = event_fields(event)
        except Exception:  # noqa: BLE001 - an outcome that cannot be described never fails the decision
            return
        if found is not None:
            append(tx, [dict(found, ts_ms=tx.now_ms(), event_seq=seq, event_hash=digest or "")])

    def row(outcome: Any) -> dict[str, Any] | None:
        """The row WRITE appends for OUTCOME, before its time and event link (a store that appends it
        itself, in one server statement, fills those in); None when OUTCOME cannot be described."""
        try:
            verdict, extra, where = lease_verdict(syscall, outcome, lane)
            rid = run_id or getattr(getattr(outcome, "lease", outcome), "run_id", "") or ""
            return row_for(0, syscall, verdict, run_id=rid, session=session, lane=where, subject=holder,
                           detail=extra)
        except Exception:  # noqa: BLE001 - an outcome that cannot be described never fails the decision
            return None

    write.row = row  # type: ignore[attr-defined]  # a PostgreSQL store chains it in its own statement
    return write


# --------------------------------------------------------------------------- recording


def record(ctx: Context | None, syscall: str, verdict: Any, *, run_id: str = "", session: str = "",
           lane: str = "", subject: str = "", source: str = "kernel", tx: Any = None,
           detail: Mapping[str, Any] | None = None, event_seq: int | None = None,
           event_hash: str = "") -> int | None:
    """Journal VERDICT (a ``dos.kernel.verdict`` protocol value) for SYSCALL; its seq, or None.

    TX: the store transaction that made the decision, when there is one, so the verdict
    and the decision commit together (a store fault there fails the decision, as it must).
    Without TX the record is best effort: it never raises for a journal fault on a read path.
    DETAIL adds scalar fields; EVENT_SEQ/EVENT_HASH link the lease-log event of the decision.
    """
    if ctx is None:
        return None
    m = mode(ctx)
    if m == "off":
        return None
    try:
        ts = tx.now_ms() if tx is not None else 0
        row = row_for(ts, syscall, verdict, run_id=run_id, session=session, lane=lane, subject=subject,
                      source=source, detail=detail, event_seq=event_seq, event_hash=event_hash)
    except Exception:  # noqa: BLE001 - a verdict that cannot be described is not worth failing a decision
        return None
    if tx is not None:
        from dos.store.journal import append

        return append(tx, [row])[0]
    try:
        return _write(ctx, row, m)
    except Exception:  # noqa: BLE001 - read path: the verdict stands without its record
        return None


def _store_exists(store: Any) -> bool:
    exists = getattr(store.engine, "exists", None)
    return True if exists is None else bool(exists())


def _lean_path(ctx: Context) -> str | None:
    """The SQLite file a record may write without opening the full Store (which costs imports a
    short verb would otherwise never pay), or None: PostgreSQL, a store already open, or none yet."""
    if getattr(ctx, "_store", None) is not None:
        return None
    from dos.store import store_url

    cfg = ctx.config.store
    if store_url(cfg):
        return None
    if cfg.path:
        given = os.path.expanduser(cfg.path)
        path = given if os.path.isabs(given) else os.path.join(str(ctx.root), given)
    else:
        path = os.path.join(str(ctx.workspace.state_dir), "store.sqlite3")
    return path if os.path.isfile(path) else None


def _write_lean(ctx: Context, path: str, row: dict[str, Any]) -> int | None:
    """Chain ROW (and the spool) in one ``BEGIN IMMEDIATE`` on the SQLite file itself."""
    import time

    import _sqlite3

    from dos.store import journal as js
    from dos.store.live import check_files, file_uri
    from dos.store.schema import SCHEMA_VERSION
    from dos.store.schema_journal import JOURNAL_VERSION

    busy = int(ctx.busy_timeout_ms if ctx.busy_timeout_ms is not None else ctx.config.store.busy_timeout_ms)
    check_files(path)
    conn = _sqlite3.connect(file_uri(path, "mode=rw"), uri=True, timeout=busy / 1000, isolation_level=None)
    done: list[str] = []
    try:
        conn.execute(f"PRAGMA busy_timeout = {busy}")
        conn.execute("PRAGMA synchronous = NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if not JOURNAL_VERSION <= version <= SCHEMA_VERSION:
            conn.close()
            return _write(ctx, row, "always")  # the full store upgrades it (or refuses a newer one)
        conn.execute("BEGIN IMMEDIATE")
        try:
            now = int(ctx.clock()) if ctx.clock is not None else time.time_ns() // 1_000_000
            tx = js.RawTx(conn, now)
            row["ts_ms"] = now
            _, done = js.drain_spool(tx, spool_path(ctx), now_ms=now)
            seq = js.append(tx, [row])[0]
            if seq % RETAIN_EVERY == 0:
                _retain(ctx, tx)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    js.unlink_all(done)
    return seq


def _write(ctx: Context, row: dict[str, Any], m: str) -> int | None:
    from dos.store import journal as js

    lean = _lean_path(ctx) if m != "off" else None
    if lean is not None:
        return _write_lean(ctx, lean, row)
    store = ctx.store
    if m == "auto" and not _store_exists(store):
        return None
    with store.engine.write() as tx:
        row["ts_ms"] = tx.now_ms()
        _, done = js.drain_spool(tx, spool_path(ctx), now_ms=row["ts_ms"])
        seq = js.append(tx, [row])[0]
        if seq % RETAIN_EVERY == 0:
            _retain(ctx, tx)
    js.unlink_all(done)
    return seq


def spool_path(ctx: Context) -> str:
    from dos.store.journal import spool_path as path

    return path(str(ctx.workspace.state_dir))


def flush(ctx: Context) -> int:
    """Fold the spool (the hooks' allows, and pretool denies with their ENFORCE events) into the
    log and the chain; the records folded. Never creates a store."""
    from dos.store import journal as js

    path = spool_path(ctx)
    if not js.spool_pending(path) or not _store_exists(ctx.store):
        return 0
    with ctx.store.engine.write() as tx:
        added, done = js.drain_spool(tx, path, now_ms=tx.now_ms())
    js.unlink_all(done)
    return added


# --------------------------------------------------------------------------- the hooks' lean path


# --------------------------------------------------------------------------- reading


def query(ctx: Context, *, since_seq: int = 0, limit: int | None = None, run_id: str = "", syscall: str = "",
          lane: str = "", session: str = "", verdict: str = "", newest: bool = False) -> list[dict[str, Any]]:
    """Journal records after SINCE_SEQ, oldest first, filtered; each the reference's record shape
    (``ts``, ``seq``, ``syscall``, ``verdict``, ``run_id``, ``session``, ``lane``, ``subject``,
    ``detail``, ``source``) plus ``ts_ms``. NEWEST with LIMIT: the last LIMIT matches."""
    from dos.store import journal as js

    store = ctx.store
    with store.engine.read() as tx:
        if not js.present(tx, store.engine.name):
            return []
        rows = js.select(tx, limit=limit, newest=newest, since_seq=since_seq, run_id=run_id, syscall=syscall,
                         lane=lane, session=session, verdict=verdict)
    return [to_record(r) for r in rows]


def iter_records(ctx: Context, *, since_seq: int = 0, page: int = 5000, **filters: Any) -> Iterator[dict[str, Any]]:
    """Every record after SINCE_SEQ matching FILTERS, read a page at a time."""
    for row in iter_raw(ctx, since_seq=since_seq, page=page, **filters):
        yield to_record(row)


def iter_raw(ctx: Context, *, since_seq: int = 0, page: int = 5000, **filters: Any) -> Iterator[tuple[Any, ...]]:
    """Rows as stored (``dos.store.journal.COLUMNS``), a page per read transaction."""
    from dos.store import journal as js

    store = ctx.store
    since = since_seq
    while True:
        with store.engine.read() as tx:
            if not js.present(tx, store.engine.name):
                return
            rows = js.select(tx, limit=page, since_seq=since, **filters)
        yield from rows
        if len(rows) < page:
            return
        since = int(rows[-1][0])


def latest_seq(ctx: Context) -> int:
    """The seq of the newest journal record (0 when there is none): what a live screen polls."""
    from dos.store import journal as js

    store = ctx.store
    with store.engine.read() as tx:
        if not js.present(tx, store.engine.name):
            return 0
        return js.last_seq(tx)


_ISO: dict[int, str] = {}


def iso(ms: int) -> str:
    """MS as the reference's UTC stamp (``2026-01-01T00:00:00Z``)."""
    sec = int(ms) // 1000
    text = _ISO.get(sec)
    if text is None:
        import time

        if len(_ISO) > 4096:
            _ISO.clear()
        text = _ISO[sec] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sec))
    return text


def to_record(row: Any) -> dict[str, Any]:
    """A stored row as a record: the reference's fields plus ``session``, ``ts_ms`` and the chain ``hash``."""
    from dos.kernel.jsonc import JSONError, loads

    try:
        detail = loads(row[8]) if row[8] else {}
    except JSONError:
        detail = {"_unreadable": row[8][:200]}
    return {"ts": iso(row[1]), "ts_ms": int(row[1]), "seq": int(row[0]), "syscall": row[2], "verdict": row[3],
            "run_id": row[4], "session": row[5], "lane": row[6], "subject": row[7], "detail": detail,
            "source": row[9], "hash": row[13]}


REF_KEYS = ("schema_family", "schema_version", "ts", "seq", "syscall", "verdict", "run_id", "lane", "subject",
            "detail", "source", "session")


def ref_record(rec: Mapping[str, Any]) -> dict[str, Any]:
    """A record in the reference's ``verdict-journal.jsonl`` shape (with ``session`` added)."""
    out = {"schema_family": "verdict-journal", "schema_version": 1}
    for key in REF_KEYS[2:]:
        out[key] = rec.get(key, "" if key != "detail" else {})
    return out


def export_lines(ctx: Context) -> Iterator[str]:
    """The whole journal as the reference's verdict-journal JSONL (sorted keys, one record a line)."""
    from dos.kernel.jsonc import dumps

    flush_quietly(ctx)
    for rec in iter_records(ctx):
        yield dumps({**ref_record(rec), "hash": rec["hash"]}, sort_keys=True) + "\n"


def flush_quietly(ctx: Context) -> int:
    """``flush`` for a reader: a store it cannot write (read-only, busy) is read as it is."""
    from dos.errors import StoreError

    try:
        return flush(ctx)
    except StoreError:
        return 0


# --------------------------------------------------------------------------- integrity and retention


class JournalCheck:
    """``dos journal verify``'s verdict: INTACT, BROKEN (naming the first broken link) or EMPTY."""

    def __init__(self, token: str, reason: str, evidence: dict[str, Any]) -> None:
        self.token = token
        self.reason = reason
        self.evidence = evidence

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.token, "reason": self.reason, **self.evidence}


def journal_key(ctx: Context, env: Mapping[str, str] | None = None) -> bytes | None:
    """The key that signs checkpoints off: ``$DOS_JOURNAL_KEY``, else ``[retention] checkpoint_key_file``."""
    env = os.environ if env is None else env
    text = env.get(KEY_ENV, "")
    if text:
        return text.encode("utf-8")
    path = ctx.config.retention.checkpoint_key_file
    if not path:
        return None
    full = os.path.join(str(ctx.root), os.path.expanduser(path))
    try:
        with open(full, "rb") as fh:
            data = fh.read().strip()
    except OSError as exc:
        from dos.errors import ConfigError

        raise ConfigError(f"[retention] checkpoint_key_file {path!r} cannot be read ({exc.strerror}); "
                          f"fix the path or unset it") from None
    return data or None


def verify(ctx: Context) -> JournalCheck:
    """Check the whole chain: every row's hash, every link, every checkpoint (and its signature)."""
    from dos.store import journal as js

    flush_quietly(ctx)
    key = journal_key(ctx)
    store = ctx.store
    with store.engine.read() as tx:
        if not js.present(tx, store.engine.name):
            check = js.ChainCheck(key)
        else:
            check = js.verify(tx, key=key)
    evidence = {"rows": check.rows, "checkpoints": check.checkpoints, "first_seq": check.first_seq,
                "head_seq": check.last_seq, "head_hash": check.running if check.last_seq else "",
                "broken": check.broken, "problems": check.problems, "signed_checkpoints": check.signed,
                "unsigned_checkpoints": check.unsigned, "unchecked_signatures": check.unchecked,
                "compacted_events": check.compacted_events, "store": store.engine.location}
    if check.broken:
        first = check.problems[0]
        more = f" ({check.broken} problems in all)" if check.broken > 1 else ""
        return JournalCheck("BROKEN", f"first broken link at seq {first['seq']}: {first['problem']}{more}",
                            {**evidence, "first_broken_seq": first["seq"]})
    if not check.rows and not check.checkpoints:
        return JournalCheck("EMPTY", "the journal holds no verdicts yet", evidence)
    span = f"seq {check.first_seq}..{check.last_seq}" if check.rows else f"through seq {check.last_seq}"
    folded = f" after {check.checkpoints} checkpoint(s)" if check.checkpoints else ""
    unchecked = (f"; {check.unchecked} checkpoint signature(s) not checked (no journal key here)"
                 if check.unchecked else "")
    return JournalCheck("INTACT", f"{check.rows} row(s), {span}{folded}, every link verifies{unchecked}", evidence)


def _signer() -> str:
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001
        user = "?"
    return f"{user}@{socket.gethostname()}"


def _retain(ctx: Context, tx: Any, *, keep_last: int | None = None, max_age_days: float | None = None,
            explicit: bool = False) -> dict[str, Any]:
    from dos.store import journal as js

    ret = ctx.config.retention
    if keep_last is None:
        raw = ret.verdict_journal_keep_last
        keep_last = None if raw in ("none", -1) else int(raw)
    days = ret.verdict_journal_max_age_days if max_age_days is None else max_age_days
    now = tx.now_ms()
    before = now - int(days * 86_400_000) if days and days > 0 else None
    through = js.cutoff(tx, keep_last=keep_last, before_ms=before)
    if through is None:
        return {"dropped": 0, "through_seq": None}
    try:
        return js.compact(tx, through_seq=through, now_ms=now, key=journal_key(ctx), signer=_signer())
    except ValueError as exc:
        if explicit:
            from dos.errors import StoreError

            raise StoreError(str(exc)) from None
        return {"dropped": 0, "through_seq": None, "refused": str(exc)}


def compact(ctx: Context, *, keep_last: int | None = None, max_age_days: float | None = None) -> dict[str, Any]:
    """Apply retention now: fold rows past KEEP_LAST / older than MAX_AGE_DAYS (default ``[retention]``)
    into a signed-off checkpoint; the chain still verifies through it."""
    from dos.store import journal as js

    store = ctx.store
    if not _store_exists(store):
        return {"dropped": 0, "through_seq": None}
    flush_quietly(ctx)
    with store.engine.write() as tx:
        if not js.present(tx, store.engine.name):
            return {"dropped": 0, "through_seq": None}
        return _retain(ctx, tx, keep_last=keep_last, max_age_days=max_age_days, explicit=True)
