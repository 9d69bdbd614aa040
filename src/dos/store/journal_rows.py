"""The verdict journal's rows as the hook's lean path writes them: clipped, chained, appended.

``make_row`` clips agents' text (``row_for`` makes one from a verdict), ``append_rows`` chains rows after the head inside the caller's
transaction, and ``spool_append`` adds one line to the spool a hook's decisions go to (an
allow, or a deny with its ENFORCE event). Everything else about the journal (draining the
spool, reading, verifying, compaction) is in ``dos.store.journal``; this is what a hook imports.
"""

from __future__ import annotations

import os

from dos.kernel.jsonc import dumps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Mapping, Sequence

GENESIS = "0" * 64
COLUMNS = ("seq", "ts_ms", "syscall", "verdict", "run_id", "session", "lane", "subject", "detail", "source",
           "event_seq", "event_hash", "prev", "hash")
SELECT = f"SELECT {', '.join(COLUMNS)} FROM verdicts"
INSERT = f"INSERT INTO verdicts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
CP_COLUMNS = ("seq", "first_seq", "ts_ms", "head", "dropped", "rollup", "signer", "sig", "prev", "hash")
CP_SELECT = f"SELECT {', '.join(CP_COLUMNS)} FROM verdict_checkpoints"
HOOK_SYSCALLS = ("pretool", "posttool", "stop")  # their linked event is an ENFORCE, which compaction keeps
LIMITS = {"syscall": 64, "verdict": 64, "run_id": 160, "session": 160, "lane": 160, "subject": 512, "source": 32}
MAX_DETAIL = 4096  # characters of detail JSON a row keeps
SPOOL_NAME = "journal.spool"
SPOOL_MAGIC = "#dos-journal-spool "
ROTATE_BYTES = 4 * 1024 * 1024  # a consumed spool this large is moved aside, then removed
SPOOL_FIELDS = ("ts_ms", "syscall", "verdict", "run_id", "session", "lane", "subject", "detail", "source")
MAX_SPOOL_LINE = 3800  # under PIPE_BUF with room: one write(2) of an O_APPEND file is never torn


_SHA256: Any = None


def sha256_hex(data: bytes) -> str:
    """The hex SHA-256 of DATA; the hash module loads on first use (a spool line needs none)."""
    global _SHA256
    if _SHA256 is None:
        _SHA256 = _load_sha256()
    return _SHA256(data).hexdigest()


def _load_sha256() -> Any:
    """The builtin C sha256: hashlib's import loads OpenSSL (a few ms on the hook path)."""
    try:
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - other builds / 3.12+
        try:
            from _sha2 import sha256  # type: ignore[no-redef]
        except ImportError:
            from hashlib import sha256  # type: ignore[no-redef]
    return sha256


def _clip(text: Any, n: int) -> str:
    text = "" if text is None else str(text)
    text = text.encode("utf-8", "replace").decode("utf-8")  # no lone surrogates in the store
    return text if len(text) <= n else text[: n - 1] + "…"


def encode_detail(detail: Mapping[str, Any] | None) -> str:
    """DETAIL as stored: sorted compact JSON, at most MAX_DETAIL characters (largest values dropped first)."""
    items = {str(k): v for k, v in (detail or {}).items()}
    text = dumps(items, sort_keys=True, separators=(",", ":"))
    while len(text) > MAX_DETAIL and items:
        biggest = max(items, key=lambda k: len(dumps(items[k])))
        del items[biggest]
        items["_truncated"] = True
        text = dumps(items, sort_keys=True, separators=(",", ":"))
    return text


def make_row(ts_ms: int, syscall: str, verdict: str, *, run_id: str = "", session: str = "", lane: str = "",
             subject: str = "", detail: Mapping[str, Any] | None = None, source: str = "kernel",
             event_seq: int | None = None, event_hash: str = "") -> dict[str, Any]:
    """One journal row before it is chained: every text field clipped (agents' text is untrusted)."""
    return {"ts_ms": int(ts_ms), "syscall": _clip(syscall, LIMITS["syscall"]),
            "verdict": _clip(verdict, LIMITS["verdict"]), "run_id": _clip(run_id, LIMITS["run_id"]),
            "session": _clip(session, LIMITS["session"]), "lane": _clip(lane, LIMITS["lane"]),
            "subject": _clip(subject, LIMITS["subject"]), "detail": encode_detail(detail) if not isinstance(
                detail, str) else detail, "source": _clip(source or "kernel", LIMITS["source"]),
            "event_seq": event_seq, "event_hash": event_hash or ""}



def token_of(verdict: Any) -> str:
    """VERDICT's token: the protocol's ``token``, else its JSON's ``verdict``, else the text itself."""
    if isinstance(verdict, str):
        return verdict
    token = getattr(verdict, "token", None)
    if isinstance(token, str) and token:
        return token
    to_dict = getattr(verdict, "to_dict", None)
    if callable(to_dict):
        value = to_dict().get("verdict")
        if value is not None:
            return str(getattr(value, "value", value))
    return str(verdict)


def _flat(prefix: str, value: Any, out: dict[str, Any], depth: int) -> None:
    if value is None or isinstance(value, (str, int, float, bool)):
        out[prefix] = value
    elif isinstance(value, dict):
        if depth >= 2:
            out[prefix + "#"] = len(value)
            return
        for k, v in value.items():
            _flat(f"{prefix}.{k}", v, out, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        if all(x is None or isinstance(x, (str, int, float, bool)) for x in items):
            text = ", ".join("" if x is None else str(x) for x in items[:8])
            out[prefix] = text + (f", … ({len(items)} in all)" if len(items) > 8 else "")
        else:
            out[prefix + "#"] = len(items)
    else:
        out[prefix] = str(getattr(value, "value", value))


def detail_of(verdict: Any) -> dict[str, Any]:
    """The scalar detail of VERDICT's JSON (its token and reason left out); nested evidence is flattened
    to dotted keys instead of dropped."""
    to_dict = getattr(verdict, "to_dict", None)
    if not callable(to_dict):
        return {}
    out: dict[str, Any] = {}
    for key, value in to_dict().items():
        if key in ("verdict", "reason"):
            continue
        _flat(str(key), value, out, 0)
    evidence = getattr(verdict, "evidence", None)
    if isinstance(evidence, dict):
        for key, value in evidence.items():
            if str(key) not in out and value not in (None, "", [], (), {}):
                _flat(f"evidence.{key}", value, out, 1)
    return out


def row_for(ts_ms: int, syscall: str, verdict: Any, *, run_id: str = "", session: str = "", lane: str = "",
            subject: str = "", source: str = "kernel", detail: Mapping[str, Any] | None = None,
            event_seq: int | None = None, event_hash: str = "") -> dict[str, Any]:
    """VERDICT's journal row: its token, its flattened detail (DETAIL added over it), every text clipped."""
    found = detail_of(verdict)
    found.update(detail or {})
    return make_row(ts_ms, syscall, token_of(verdict), run_id=run_id, session=session, lane=lane,
                    subject=subject, detail=found, source=source, event_seq=event_seq, event_hash=event_hash)


def row_hash(prev: str, content: Sequence[Any]) -> str:
    """The chain hash of a row: SHA-256 of PREV and the canonical JSON of its fields ``seq`` .. ``event_hash``."""
    body = dumps([None if v is None else (int(v) if isinstance(v, bool) else v) for v in content],
                 separators=(",", ":"))
    return sha256_hex(f"{prev}\n{body}".encode("ascii"))


def event_hash(values: Sequence[Any]) -> str:
    """The digest of a lease-log event as stored (``ts_ms, op, lane, lease_id, holder, host_id, reason, data``)."""
    return sha256_hex(dumps([v if not isinstance(v, bool) else int(v) for v in values],
                            separators=(",", ":")).encode("ascii"))


EVENT_ROW = "SELECT seq, ts_ms, op, lane, lease_id, holder, host_id, reason, data FROM events"


# --------------------------------------------------------------------------- appending


def head(execute: Callable[..., list[tuple[Any, ...]]]) -> tuple[int, str]:
    """(the last seq, its chain hash): the newest row, else the newest checkpoint, else (0, GENESIS)."""
    rows = execute("SELECT seq, hash FROM verdicts ORDER BY seq DESC LIMIT 1")
    cps = execute("SELECT seq, head FROM verdict_checkpoints ORDER BY seq DESC LIMIT 1")
    best = (0, GENESIS)
    for found in (rows, cps):
        if found and int(found[0][0]) > best[0]:
            best = (int(found[0][0]), str(found[0][1]))
    return best


def append_rows(execute: Callable[..., list[tuple[Any, ...]]], rows: Iterable[Mapping[str, Any]]) -> list[int]:
    """Chain ROWS after the head and insert them; their seqs. Runs inside the caller's write transaction."""
    seq, prev = head(execute)
    out = []
    for r in rows:
        seq += 1
        content = (seq, r["ts_ms"], r["syscall"], r["verdict"], r["run_id"], r["session"], r["lane"],
                   r["subject"], r["detail"], r["source"], r["event_seq"], r["event_hash"])
        digest = row_hash(prev, content)
        execute(INSERT, (*content, prev, digest))
        prev = digest
        out.append(seq)
    return out


def append(tx: Any, rows: Iterable[Mapping[str, Any]]) -> list[int]:
    """``append_rows`` on a store transaction."""
    return append_rows(tx.execute, rows)


class RawTx:
    """A store transaction over a raw sqlite3 connection already inside BEGIN IMMEDIATE (the lean writers)."""

    def __init__(self, conn: Any, now_ms: int) -> None:
        self._conn = conn
        self._now = int(now_ms)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, params).fetchall()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._conn.executemany(sql, rows)

    def now_ms(self) -> int:
        return self._now


def conn_execute(conn: Any) -> Callable[..., list[tuple[Any, ...]]]:
    """``execute(sql, params)`` returning all rows, over a raw sqlite3 connection (the hook's lean path)."""
    return lambda sql, params=(): conn.execute(sql, params).fetchall()


# --------------------------------------------------------------------------- the spool


def spool_path(state_dir: str) -> str:
    return os.path.join(state_dir, SPOOL_NAME)


def spool_append(path: str, row: Mapping[str, Any] | None, *, create_dir: bool = False,
                 event: Sequence[Any] | None = None) -> bool:
    """Append ROW (``make_row`` fields) to the spool at PATH as one line; False if it could not be.

    EVENT (the values of one lease-log event, ``ts_ms, op, lane, ...``): the hook deny's
    ENFORCE event, inserted when the line is folded and linked to ROW (None: journaling is off).
    A line with an event is never truncated: too long, and False says record it directly.
    Never creates ``.dos/`` unless CREATE_DIR. A new spool is published with its header line
    already in it (a hard link of a finished file), so every line after the header is a record.
    """
    rec: dict[str, Any] = {k: row[k] for k in SPOOL_FIELDS} if row is not None else {"nojournal": True}
    if event is not None:
        rec["event"] = list(event)
        rec.setdefault("ts_ms", int(event[0]))
    line = dumps(rec, sort_keys=True, separators=(",", ":")) + "\n"
    if len(line) > MAX_SPOOL_LINE:
        if event is not None or row is None:
            return False
        rec["detail"] = dumps({"_truncated": True})
        rec["subject"] = rec["subject"][:200]
        line = dumps(rec, sort_keys=True, separators=(",", ":")) + "\n"
    data = line.encode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    except FileNotFoundError:
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            if not create_dir:
                return False
            try:
                os.makedirs(directory, exist_ok=True)
            except OSError:
                return False
        if not _publish_spool(path):
            return False
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        except OSError:
            return False
    except OSError:
        return False
    try:
        os.write(fd, data)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _publish_spool(path: str) -> bool:
    import time

    tmp = f"{path}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    try:
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(SPOOL_MAGIC + os.urandom(16).hex() + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:
            if not os.path.exists(path):
                os.replace(tmp, path)
        return True
    except OSError:
        return False
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
