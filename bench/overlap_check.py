"""An independent overlap checker: were two conflicting leases ever live at once?

It reads raw event rows (``seq, ts_ms, op, lane, lease_id, holder, host_id, reason, data``)
and rebuilds the lease set with its own rules, written from the documented semantics and
not from the store's fold: a grant (ACQUIRE, RECONCILE) starts a lease; HEARTBEAT moves its
beat; RELEASE and SCAVENGE end it; ADOPT hands it over; a CHECKPOINT at seq S must hold
the set as it stood after event S (at the start of a compacted log, it is the starting set);
a lease whose ``heartbeat_ms + ttl_ms`` is at or before an event's server time has expired.
At every grant and hand-over it asks whether a live lease of another holder collides with
the new one (exclusive/any, trees sharing a path); that is a double grant. It imports
nothing from ``dos`` (so a bug in the store's arbiter or replay cannot hide itself here),
only the standard library, and psycopg for ``read_events``.

    python bench/overlap_check.py --dsn URL --schema SCHEMA [--table events] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

GRANTS = ("ACQUIRE", "RECONCILE")
GLOB = "*?[{"
MAX_LISTED = 50  # double grants and anomalies kept in full; the counts are always exact


# --------------------------------------------------------------------------- trees


def _segments(text: str) -> list[str] | None:
    """TEXT as path segments with '.' and '..' resolved; None when it climbs above the root."""
    out: list[str] = []
    for seg in text.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if not out:
                return None
            out.pop()
        else:
            out.append(seg.casefold())
    return out


def _region(entry: str) -> tuple[list[str], str | None] | None:
    """One tree entry as (directory segments, name fragment or None); None means anywhere.

    A glob covers what its text before the first metacharacter covers: whole segments
    (``api/**`` -> under ``api``) or a name fragment (``web/ui-*`` -> names under ``web``
    starting ``ui-``). Matching is case-insensitive, erring toward a collision.
    """
    raw = entry.strip().replace("\\", "/")
    cut = min((raw.index(c) for c in GLOB if c in raw), default=-1)
    if cut < 0:
        segs = _segments(raw)
        return None if not segs else (segs, None)
    head, _, frag = raw[:cut].rpartition("/")
    if frag == "..":
        head, frag = head + "/..", ""
    dirs = _segments(head)
    if dirs is None:
        return None
    if frag in ("", "."):
        return None if not dirs else (dirs, None)
    return dirs, frag.casefold()


def _regions_collide(a: tuple[list[str], str | None] | None, b: tuple[list[str], str | None] | None) -> bool:
    if a is None or b is None:
        return True
    (da, fa), (db, fb) = a, b
    if len(da) > len(db):
        (da, fa), (db, fb) = (db, fb), (da, fa)  # A is now the shallower directory
    if db[:len(da)] != da:
        return False
    if fa is None:
        return True  # everything under A's directory, and B lies there
    if len(db) > len(da):
        return db[len(da)].startswith(fa)  # B's next segment must be a name A covers
    if fb is None:
        return True  # the same directory, which B covers whole: A's names lie there
    return fa.startswith(fb) or fb.startswith(fa)


def trees_overlap(a: Sequence[str], b: Sequence[str]) -> bool:
    """True if some path lies in both trees; an empty tree (unknown radius) overlaps everything."""
    ra = [_region(e) for e in a if e and e.strip()]
    rb = [_region(e) for e in b if e and e.strip()]
    if not ra or not rb:
        return True
    return any(_regions_collide(x, y) for x in ra for y in rb)


# --------------------------------------------------------------------------- leases


@dataclass
class Held:
    """One lease as this checker sees it."""

    lease_id: str
    lane: str
    holder: str
    tree: tuple[str, ...]
    exclusive: bool
    fence: int
    granted_seq: int
    granted_ms: int
    beat_ms: int
    ttl_ms: int
    expired_at: int | None = None  # the server time at which this checker saw its TTL pass
    ended_seq: int | None = None  # the seq of the RELEASE or SCAVENGE that ended it

    @property
    def expires_ms(self) -> int:
        return self.beat_ms + self.ttl_ms

    def live_at(self, ts_ms: int) -> bool:
        return ts_ms < self.expires_ms

    def brief(self) -> dict[str, Any]:
        return {"lease_id": self.lease_id, "lane": self.lane, "holder": self.holder, "fence": self.fence,
                "tree": list(self.tree), "exclusive": self.exclusive, "granted_seq": self.granted_seq,
                "granted_ms": self.granted_ms, "expires_ms": self.expires_ms}


def conflict(a: Held, b: Held) -> bool:
    """Two leases that may not be live together: not both shared, and their trees overlap."""
    return (a.exclusive or b.exclusive) and trees_overlap(a.tree, b.tree)


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@dataclass
class Checker:
    """Feed rows in log order; ``result()`` says what was seen. EXCLUSIVE_LANES: lanes declared exclusive."""

    exclusive_lanes: frozenset[str] = frozenset()
    held: dict[str, Held] = field(default_factory=dict)
    ended: dict[str, Held] = field(default_factory=dict)  # ended since the last checkpoint (to check the next)
    counts: dict[str, int] = field(default_factory=dict)
    scavenges: dict[str, int] = field(default_factory=dict)
    double_grants: list[dict[str, Any]] = field(default_factory=list)
    anomalies: list[dict[str, Any]] = field(default_factory=list)
    n_double: int = 0
    n_anomalies: int = 0
    expiries: int = 0
    released_after_expiry: int = 0
    max_live: int = 0
    top_fence: int = 0
    last_seq: int | None = None
    last_ms: int = 0
    events: int = 0
    history: bool = False  # a lease-changing event was seen (a checkpoint must then match the set rebuilt)

    def _anomaly(self, kind: str, row: Sequence[Any], **detail: Any) -> None:
        self.n_anomalies += 1
        if len(self.anomalies) < MAX_LISTED:
            self.anomalies.append({"kind": kind, "seq": _int(row[0]), "op": row[2], **detail})

    def _lease(self, raw: dict[str, Any], row: Sequence[Any], ts: int) -> Held:
        lane = str(raw.get("lane") or row[3] or "")
        kind = str(raw.get("lane_kind") or "").casefold()
        exclusive = (str(raw.get("mode") or "exclusive") != "shared" or kind == "global"
                     or lane.casefold() in self.exclusive_lanes or kind in self.exclusive_lanes)
        tree = raw.get("tree") or []
        return Held(lease_id=str(raw.get("lease_id") or row[4]), lane=lane, holder=str(raw.get("holder") or row[5]),
                    tree=tuple(t for t in tree if isinstance(t, str)) if isinstance(tree, list) else (),
                    exclusive=exclusive, fence=_int(raw.get("fence")), granted_seq=_int(row[0]),
                    granted_ms=_int(raw.get("acquired_ms"), ts), beat_ms=_int(raw.get("heartbeat_ms"), ts),
                    ttl_ms=_int(raw.get("ttl_ms")))

    def _expire(self, ts: int) -> None:
        for lease in self.held.values():
            if lease.expired_at is None and not lease.live_at(ts):
                lease.expired_at = ts
                self.expiries += 1

    def _check_new(self, new: Held, row: Sequence[Any], ts: int, how: str) -> None:
        for other in self.held.values():
            if other.lease_id == new.lease_id or not other.live_at(ts) or other.holder == new.holder:
                continue
            if conflict(new, other):
                self.n_double += 1
                if len(self.double_grants) < MAX_LISTED:
                    self.double_grants.append({"seq": _int(row[0]), "ts_ms": ts, "how": how,
                                               "new": new.brief(), "live": other.brief()})

    def _fence(self, fence: int, row: Sequence[Any]) -> None:
        if fence and fence <= self.top_fence:
            self._anomaly("fence_not_increasing", row, fence=fence, previous=self.top_fence)
        self.top_fence = max(self.top_fence, fence)

    def feed(self, row: Sequence[Any]) -> None:
        """One event row, in log (commit) order."""
        seq, ts, op, lease_id = _int(row[0]), _int(row[1]), str(row[2]), str(row[4])
        self.events += 1
        self.counts[op] = self.counts.get(op, 0) + 1
        if op == "CHECKPOINT":  # stamped with the last folded event's time, not the time it was written
            ts = max(ts, self.last_ms)
        elif ts < self.last_ms:
            self._anomaly("time_went_back", row, ts_ms=ts, previous=self.last_ms)
        self.last_seq, self.last_ms = seq, max(self.last_ms, ts)
        try:
            data = json.loads(row[8]) if isinstance(row[8], str) and row[8] else dict(row[8] or {})
        except (TypeError, ValueError):
            self._anomaly("bad_data", row)
            return
        self._expire(ts)
        lease = self.held.get(lease_id)
        if op in (*GRANTS, "HEARTBEAT", "RELEASE", "SCAVENGE", "ADOPT"):
            self.history = True
        if op in GRANTS:
            raw = data.get("lease")
            if not isinstance(raw, dict):
                self._anomaly("grant_without_lease", row)
                return
            new = self._lease(raw, row, ts)
            if new.lease_id in self.held:
                self._anomaly("lease_id_reused", row, lease_id=new.lease_id)
            self._fence(new.fence, row)
            self._check_new(new, row, ts, op.lower())
            self.held[new.lease_id] = new
        elif op == "HEARTBEAT":
            if lease is None:
                self._anomaly("beat_of_unknown_lease", row, lease_id=lease_id)
            elif not lease.live_at(ts):
                self._anomaly("beat_after_expiry", row, lease_id=lease_id, expires_ms=lease.expires_ms)
            else:
                lease.beat_ms = _int(data.get("heartbeat_ms"), ts)
        elif op in ("RELEASE", "SCAVENGE"):
            if lease is None:
                self._anomaly(f"{op.lower()}_of_unknown_lease", row, lease_id=lease_id)
                return
            if op == "SCAVENGE":
                why = "ttl expired" if "ttl expired" in str(row[7]) else (
                    "holder process is gone" if "holder process is gone" in str(row[7]) else "other")
                self.scavenges[why] = self.scavenges.get(why, 0) + 1
                if lease.live_at(ts) and why != "holder process is gone":
                    self._anomaly("scavenged_while_live", row, lease_id=lease_id, reason=row[7])
            elif not lease.live_at(ts):
                self.released_after_expiry += 1
            lease.ended_seq = seq
            self.ended[lease_id] = self.held.pop(lease_id)
        elif op == "ADOPT":
            if lease is None:
                self._anomaly("adopt_of_unknown_lease", row, lease_id=lease_id)
                return
            lease.holder = str(data.get("holder") or row[5] or lease.holder)
            lease.beat_ms = _int(data.get("heartbeat_ms"), ts)
            lease.expired_at = None
            self._fence(_int(data.get("fence")), row)
            lease.fence = _int(data.get("fence"), lease.fence)
            self._check_new(lease, row, ts, "adopt")
        elif op == "CHECKPOINT":
            self._checkpoint(data, row, ts)
        self.max_live = max(self.max_live, sum(1 for x in self.held.values() if x.live_at(ts)))

    def _checkpoint(self, data: dict[str, Any], row: Sequence[Any], ts: int) -> None:
        """A CHECKPOINT at seq S claims the set as it stood after event S.

        With history before it, the claim is checked against the leases this checker had at S
        (granted at or before S, not ended at or before S). An online compaction writes its
        checkpoint after later events have already committed, so S may lie behind them; the
        set rebuilt here stays as it is. Without history (a compacted log read from its start),
        the checkpoint's set is taken as the starting point.
        """
        cut = _int(row[0])
        raws = [x for x in data.get("leases") or () if isinstance(x, dict) and x.get("lease_id")]
        fresh = {}
        for raw in raws:
            lease = self._lease(raw, row, ts)
            lease.granted_seq = -1
            if not lease.live_at(ts):
                lease.expired_at = ts
            fresh[lease.lease_id] = lease
        if self.history:
            at_cut = {k for k, x in (*self.ended.items(), *self.held.items())
                      if x.granted_seq <= cut and (x.ended_seq is None or x.ended_seq > cut)}
            if set(fresh) != at_cut:
                self._anomaly("checkpoint_differs", row, missing=sorted(at_cut - set(fresh))[:10],
                              extra=sorted(set(fresh) - at_cut)[:10])
            self.ended = {k: x for k, x in self.ended.items() if x.ended_seq is not None and x.ended_seq > cut}
            return
        for lease in fresh.values():  # a checkpoint that holds two conflicting live leases is a double grant too
            self._check_new(lease, row, ts, "checkpoint")
            self.held[lease.lease_id] = lease
        self.top_fence = max([self.top_fence, *(x.fence for x in fresh.values())])
        self.history = True  # from here on the set is known

    def result(self) -> dict[str, Any]:
        """What the log shows: counts, double grants (must be 0) and anything else that looks wrong."""
        self._expire(self.last_ms)
        return {"events": self.events, "ops": dict(sorted(self.counts.items())),
                "grants": sum(self.counts.get(op, 0) for op in GRANTS),
                "releases": self.counts.get("RELEASE", 0), "expiries": self.expiries,
                "released_after_expiry": self.released_after_expiry, "scavenges": dict(self.scavenges),
                "checkpoints": self.counts.get("CHECKPOINT", 0), "max_live": self.max_live,
                "double_grants": self.n_double, "double_grant_examples": self.double_grants,
                "anomalies": self.n_anomalies, "anomaly_examples": self.anomalies, "last_seq": self.last_seq}


def check(rows: Iterable[Sequence[Any]], *, exclusive_lanes: Iterable[str] = ()) -> dict[str, Any]:
    """Check ROWS (in log order) and return the result."""
    checker = Checker(frozenset(x.casefold() for x in exclusive_lanes))
    for row in rows:
        checker.feed(row)
    return checker.result()


# --------------------------------------------------------------------------- reading PostgreSQL

COLUMNS = "seq, ts_ms, op, lane, lease_id, holder, host_id, reason, data"


def read_events(dsn: str, schema: str, table: str = "events", order: str = "seq") -> Iterable[tuple[Any, ...]]:
    """The raw rows of SCHEMA.TABLE ordered by ORDER, streamed with plain SQL (a server-side cursor)."""
    import psycopg
    from psycopg import sql

    query = sql.SQL("SELECT {cols} FROM {tbl} ORDER BY {order}").format(
        cols=sql.SQL(COLUMNS), tbl=sql.Identifier(schema, table), order=sql.Identifier(order))
    with psycopg.connect(dsn) as conn, conn.transaction():
        with conn.cursor(name="overlap_check") as cur:
            cur.itersize = 5000
            cur.execute(query)
            yield from cur


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Check a DOS event log on PostgreSQL for double grants.")
    ap.add_argument("--dsn", required=True, help="postgresql:// URL of the database")
    ap.add_argument("--schema", required=True, help="the workspace's schema")
    ap.add_argument("--table", default="events")
    ap.add_argument("--order", default="seq", help="column giving log order (seq; an archive's own key)")
    ap.add_argument("--exclusive", action="append", default=["global"], help="a lane declared exclusive")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        result = check(read_events(args.dsn, args.schema, args.table, args.order), exclusive_lanes=args.exclusive)
    except Exception as exc:  # noqa: BLE001 - one line, no traceback
        print(f"overlap_check: cannot read {args.schema}.{args.table}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 69
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['events']} events, {result['grants']} grants, {result['releases']} releases, "
              f"{result['expiries']} expiries, scavenges {result['scavenges']}, {result['checkpoints']} checkpoints: "
              f"{result['double_grants']} double grants, {result['anomalies']} anomalies")
    return 1 if result["double_grants"] or result["anomalies"] else 0


if __name__ == "__main__":
    sys.exit(main())
