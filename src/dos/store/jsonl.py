"""The reference's ``lane-journal.jsonl`` record shape: export our log to it, import it back.

Export writes one JSON object per event (sorted keys, ASCII) with the reference's fields
(``op, seq, ts, lane, loop_ts, host_id, reason, lease{...}``) plus ours (``lease_id``,
``fence``, ``ts_ms``...). Import reads a reference journal (or our export) strictly: a torn
line, bytes that are not UTF-8 or a field of the wrong type is an error naming the line,
and nothing is imported unless every line is good.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Mapping

from dos.errors import InputError
from dos.kernel.lease import Event, Lease, Op

REF_TTL_MS = 50 * 60_000  # the reference's live-set backstop for a lease without ttl_minutes


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_ts(text: str) -> int:
    """Milliseconds from a reference stamp (second or minute resolution, or any ISO 8601)."""
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ"):
        try:
            return int(datetime.strptime(text, fmt).replace(tzinfo=timezone.utc).timestamp() * 1000)
        except ValueError:
            pass
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp() * 1000)


# --------------------------------------------------------------------------- export


def ident(lease: Lease) -> str:
    """The ``loop_ts`` half of the reference identity we write: the lease's loop_ts, else its id."""
    return lease.loop_ts or lease.lease_id


def ref_lease(lease: Lease) -> dict[str, Any]:
    """A lease in the reference's nested-lease shape, with our fields alongside."""
    d = lease.to_dict()
    d.update(loop_ts=ident(lease), acquired_at=iso(lease.acquired_ms), heartbeat_at=iso(lease.heartbeat_ms),
             ttl_minutes=lease.ttl_ms / 60_000)
    return d


def export_records(events: Iterable[Event]) -> Iterator[dict[str, Any]]:
    """Our events as reference journal records, in seq order."""
    known: dict[str, Lease] = {}
    for e in events:
        data = dict(e.data)
        rec: dict[str, Any] = {"op": str(e.op), "seq": e.seq, "ts": iso(e.ts_ms), "ts_ms": e.ts_ms,
                               "lane": e.lane, "host_id": e.host_id, "reason": e.reason,
                               "lease_id": e.lease_id}
        if e.holder:
            rec["holder"] = e.holder
        if e.op in (Op.ACQUIRE, Op.RECONCILE) and isinstance(data.get("lease"), Mapping):
            lease = Lease.from_dict(data["lease"])
            known[lease.lease_id] = lease
            rec.update(lane_kind=lease.lane_kind, tree=list(lease.tree), loop_ts=ident(lease),
                       pid=lease.pid, ttl_minutes=lease.ttl_ms / 60_000, prev_holder=None,
                       lease=ref_lease(lease))
        elif e.op == Op.CHECKPOINT:
            leases = [Lease.from_dict(x) for x in data.get("leases") or ()]
            known.update((x.lease_id, x) for x in leases)
            rec = {"op": "CHECKPOINT", "seq_watermark": data.get("seq_watermark", e.seq),
                   "leases": [ref_lease(x) for x in leases], "ts_ms": e.ts_ms}
        else:
            lease = known.get(e.lease_id)
            rec["loop_ts"] = ident(lease) if lease else str(data.get("loop_ts") or e.lease_id)
            for key, value in data.items():
                rec.setdefault(key, value)
            if e.op == Op.SPAWN:
                rec.setdefault("pid", None)
            if e.op == Op.HEARTBEAT:
                rec["heartbeat_at"] = iso(int(data.get("heartbeat_ms") or e.ts_ms))
            elif e.op == Op.ADOPT:
                rec["heartbeat_at"] = iso(int(data.get("heartbeat_ms") or e.ts_ms))
        yield rec


def dumps(rec: Mapping[str, Any]) -> str:
    return json.dumps(rec, sort_keys=True, ensure_ascii=True, default=str)


# --------------------------------------------------------------------------- import


class _Line:
    """Typed field access on one record, with errors that name the line and the field."""

    def __init__(self, rec: dict[str, Any], n: int) -> None:
        self.rec, self.n = rec, n

    def fail(self, msg: str) -> InputError:
        return InputError(f"line {self.n}: {msg}; nothing was imported")

    def str(self, key: str, src: Mapping[str, Any] | None = None, default: str = "") -> str:
        value = (self.rec if src is None else src).get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.fail(f"field '{key}' must be a string, got {type(value).__name__}")
        return value

    def int(self, key: str, src: Mapping[str, Any] | None = None) -> int | None:
        value = (self.rec if src is None else src).get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"field '{key}' must be an integer, got {type(value).__name__}")
        return value

    def num(self, key: str, src: Mapping[str, Any] | None = None) -> float | None:
        value = (self.rec if src is None else src).get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"field '{key}' must be a number, got {type(value).__name__}")
        return float(value)

    def tree(self, src: Mapping[str, Any]) -> tuple[str, ...]:
        value = src.get("tree")
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise self.fail("field 'tree' must be a list of strings")
        return tuple(value)

    def stamp(self, key: str, src: Mapping[str, Any] | None = None) -> int | None:
        text = self.str(key, src)
        if not text:
            return None
        try:
            return parse_ts(text)
        except ValueError:
            raise self.fail(f"field '{key}' is not a timestamp: {text!r}") from None


def ref_lease_id(loop_ts: str, lane: str) -> str:
    """A stable lease id for a reference identity (loop_ts, lane)."""
    return "ref-" + hashlib.sha256(f"{loop_ts}\0{lane}".encode()).hexdigest()[:24]


def _lease(line: _Line, src: Mapping[str, Any], ts_ms: int) -> dict[str, Any] | None:
    lane, loop_ts = line.str("lane", src), line.str("loop_ts", src)
    lease_id = line.str("lease_id", src) or (ref_lease_id(loop_ts, lane) if (lane or loop_ts) else "")
    if not lease_id:
        return None
    acquired = line.int("acquired_ms", src) or line.stamp("acquired_at", src) or ts_ms
    beat = line.int("heartbeat_ms", src) or line.stamp("heartbeat_at", src) or acquired
    ttl = line.int("ttl_ms", src)
    if ttl is None:
        minutes = line.num("ttl_minutes", src)
        ttl = int(minutes * 60_000) if minutes and minutes > 0 else REF_TTL_MS
    mode = line.str("mode", src, "exclusive")
    if mode not in ("shared", "exclusive"):
        raise line.fail(f"field 'mode' must be 'shared' or 'exclusive', got {mode!r}")
    return {"lease_id": lease_id, "fence": line.int("fence", src) or 0, "lane": lane,
            "lane_kind": line.str("lane_kind", src), "tree": list(line.tree(src)),
            "holder": line.str("holder", src), "acquired_ms": acquired, "heartbeat_ms": beat,
            "ttl_ms": ttl, "mode": mode, "session": line.str("session", src),
            "host_id": line.str("host_id", src), "pid": line.int("pid", src),
            "pid_start": line.int("pid_start", src), "run_id": line.str("run_id", src),
            "loop_ts": loop_ts}


_SKIP = {"op", "seq", "ts", "ts_ms", "lane", "lease_id", "holder", "host_id", "reason"}


def _event(line: _Line) -> Event | None:
    rec = line.rec
    op_text = line.str("op")
    try:
        op = Op(op_text)
    except ValueError:
        raise line.fail(f"unknown op {op_text!r}") from None
    line.int("seq")
    ts_ms = line.int("ts_ms") or line.stamp("ts") or 0
    lane, host = line.str("lane"), line.str("host_id")
    reason, holder = line.str("reason"), line.str("holder")
    if op in (Op.ACQUIRE, Op.RECONCILE):
        nested = rec.get("lease")
        if nested is not None and not isinstance(nested, dict):
            raise line.fail("field 'lease' must be an object")
        src = {**{k: v for k, v in rec.items() if k not in ("lease", "op", "seq", "ts", "reason")},
               **(nested or {})}
        lease = _lease(line, src, ts_ms)
        if lease is None:
            return None
        return Event(0, ts_ms, op, lease["lane"], lease["lease_id"], lease["holder"], host, reason,
                     {"lease": lease})
    if op == Op.CHECKPOINT:
        raw = rec.get("leases") or []
        if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
            raise line.fail("field 'leases' must be a list of objects")
        leases = [x for x in (_lease(line, r, ts_ms) for r in raw) if x]
        return Event(0, ts_ms, op, "", "", "", host, "compact",
                     {"leases": leases, "seq_watermark": line.int("seq_watermark") or 0})
    loop_ts = line.str("loop_ts")
    lease_id = line.str("lease_id") or (ref_lease_id(loop_ts, lane) if op in (
        Op.RELEASE, Op.SCAVENGE, Op.HEARTBEAT, Op.ADOPT) and (lane or loop_ts) else "")
    data = {k: v for k, v in rec.items() if k not in _SKIP}
    if op == Op.HEARTBEAT:
        data = {"heartbeat_ms": line.int("heartbeat_ms") or line.stamp("heartbeat_at") or ts_ms}
    elif op == Op.ADOPT:
        data = {"holder": holder, "prev_holder": line.str("prev_holder"), "pid": line.int("pid"),
                "pid_start": line.int("pid_start"), "host_id": host, "session": line.str("session"),
                "heartbeat_ms": line.int("heartbeat_ms") or line.stamp("heartbeat_at") or ts_ms}
        if line.int("fence") is not None:
            data["fence"] = line.int("fence")
    return Event(0, ts_ms, op, lane, lease_id, holder, host, reason, data)


def parse_journal(raw: bytes) -> list[Event]:
    """Every record of a journal file as events; InputError naming the first bad line."""
    events: list[Event] = []
    lines = raw.split(b"\n")
    for i, chunk in enumerate(lines, 1):
        if not chunk.strip():
            continue
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"line {i}: not UTF-8 (bad byte at column {exc.start + 1}); "
                             f"nothing was imported") from None
        try:
            rec = json.loads(text)
        except json.JSONDecodeError as exc:
            torn = " (a torn line: the file was cut mid-record)" if i == len(lines) else ""
            raise InputError(f"line {i}: not valid JSON ({exc.msg} at column {exc.colno}){torn}; "
                             f"nothing was imported") from None
        if not isinstance(rec, dict):
            raise InputError(f"line {i}: a record must be a JSON object, got {type(rec).__name__}; "
                             f"nothing was imported")
        event = _event(_Line(rec, i))
        if event is not None:
            events.append(event)
    return events
