"""The Store: every lease operation is one transaction against an engine.

Each operation reads the leases view, decides with the pure kernel (the arbiter and
the one expiry rule), appends its event(s) and updates the view, all inside one write
transaction. SQL is portable (``?`` placeholders, ``RETURNING``, ``ON CONFLICT``) so
the SQLite and PostgreSQL engines share it.
"""

from __future__ import annotations

import json
import os
import uuid
from dos.kernel.table import table
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from dos import procs
from dos.errors import StoreError, UsageError
from dos.kernel.admission import conflicting
from dos.kernel.lanes import LaneDecision, LaneRequest, Taxonomy
from dos.kernel.lease import Event, Lease, Op, is_live
from dos.kernel.replay import adopted, apply, fold_rows, replay
from dos.store.compaction import latest_checkpoint, mutating_rows
from dos.store.engine import Engine, Tx
from dos.store.live import (EVENT_INSERT, EVENT_SELECT, LEASE_INSERT, LEASE_SELECT, event_values,
                            lease_from_row, lease_to_row, leases_from_rows)

_LEASE_SELECT = LEASE_SELECT
_EVENT_SELECT = EVENT_SELECT
_LEASE_INSERT = LEASE_INSERT
_VIEW_SELECT = LEASE_SELECT + " ORDER BY fence"


@table
class AcquireResult:
    """An acquire's verdict: the arbiter's decision, the granted lease, and what was scavenged."""

    decision: LaneDecision
    lease: Lease | None = None
    scavenged: tuple[str, ...] = ()

    @property
    def granted(self) -> bool:
        return self.lease is not None

    def to_dict(self) -> dict[str, Any]:
        d = self.decision.to_dict()
        d["lease"] = self.lease.to_dict() if self.lease else None
        d["lease_id"] = self.lease.lease_id if self.lease else None
        d["fence"] = self.lease.fence if self.lease else None
        d["scavenged"] = list(self.scavenged)
        return d


Journal = Callable[[Tx, Any, Event | None], Any] | None  # records an operation's verdict inside its transaction


def _journaled(journal: Journal, tx: Tx, outcome: Any, event: Event | None) -> Any:
    """Hand OUTCOME (and the event that recorded it) to JOURNAL inside TX; return OUTCOME."""
    if journal is not None:
        journal(tx, outcome, event)
    return outcome


def new_lease_id() -> str:
    """A unique lease id: 32 hex digits of randomness."""
    return uuid.uuid4().hex


def event_from_row(row: Sequence[Any]) -> Event:
    seq, ts_ms, op, lane, lease_id, holder, host_id, reason, data = row
    try:
        op = Op(op)
    except ValueError:
        pass
    return Event(seq=int(seq), ts_ms=int(ts_ms), op=op, lane=lane, lease_id=lease_id, holder=holder,
                 host_id=host_id, reason=reason, data=json.loads(data) if data else {})


def _paged(tx: Tx, where: str, params: Sequence[Any], *, page: int = 5000) -> Iterator[Event]:
    """Events matching WHERE (an ``AND ...`` clause) in seq order, fetched PAGE rows at a time."""
    after = -1
    while True:
        rows = tx.execute(_EVENT_SELECT + f" WHERE seq > ?{where} ORDER BY seq LIMIT ?",
                          (after, *params, page))
        for row in rows:
            yield event_from_row(row)
        if len(rows) < page:
            return
        after = int(rows[-1][0])


class Store:
    """The event log and the leases view of one workspace, over an engine."""

    def __init__(self, engine: Engine, taxonomy: Taxonomy | None = None, *,
                 default_ttl_ms: int = 900_000,
                 predicates: Sequence[Callable[..., Any]] | Callable[[], Sequence[Any]] = ()) -> None:
        self.engine = engine
        self.taxonomy = taxonomy or Taxonomy()
        self.default_ttl_ms = int(default_ttl_ms)
        self._predicates = predicates
        self.host_id = procs.host_id()
        self._quiet_plans: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # request -> (decision, keys, shapes), or ()
        self._last_index: Any = None  # the arbiter's index of the last live set decided against

    # ------------------------------------------------------------------ helpers

    @property
    def predicates(self) -> tuple[Any, ...]:
        if callable(self._predicates):
            self._predicates = tuple(self._predicates())
        return tuple(self._predicates)

    # ------------------------------------------------------------------ the published live set

    def _claims(self, tx: Tx) -> dict[str, tuple[str, str]]:
        """The phase each session last claimed (a claim without a plan clears it)."""
        rows = tx.execute("SELECT holder, data FROM events WHERE op = 'CLAIM' AND seq IN "
                          "(SELECT max(seq) FROM events WHERE op = 'CLAIM' GROUP BY holder)")
        out = {}
        for holder, data in rows:
            payload = json.loads(data) if data else {}
            if payload.get("plan"):
                out[holder] = (str(payload["plan"]), str(payload.get("phase", "")))
        return out

    def _publish(self, tx: Tx, keep: Sequence[Lease] = (), *, claims: bool = False,
                 view: Callable[[], list[Lease]] | None = None) -> None:
        """Publish the live set as TX sees it (VIEW: what reading it again would give, known without the
        read), plus KEEP (leases this transaction removes or replaces), and with CLAIMS (a transaction
        that changed them) the claims; they are also published where none are."""
        if not getattr(self.engine, "snapshot_path", None):
            return
        from dos.store import snapshot

        view = self._view(tx) if view is None else view()
        leases = view + [x for x in keep if x not in view]
        try:
            if not claims:
                claims = not os.path.exists(snapshot.claims_path_for(self.engine.location))
            snapshot.publish(self.engine.location, leases, self._claims(tx) if claims else None)
            if not os.path.exists(snapshot.intents_path_for(self.engine.location)):
                snapshot.publish_intents(self.engine.location, snapshot.intent_sessions(tx))
        except OSError as exc:
            raise StoreError(f"store {self.engine.location}: cannot publish the live set beside it "
                             f"({exc.strerror or exc}); nothing was written") from None

    def _republish(self) -> None:
        """After a commit that removed leases: publish again under the lock, without them."""
        if getattr(self.engine, "snapshot_path", None):
            with self.engine.write() as tx:
                self._publish(tx)

    def _holder_dead(self, lease: Lease) -> bool:
        return procs.holder_dead(lease.pid, lease.pid_start, lease.host_id, self.host_id)

    def _view(self, tx: Tx) -> list[Lease]:
        return leases_from_rows(tx.execute(_VIEW_SELECT))

    def _write_viewing(self) -> Any:
        """A write transaction whose first read is ``_view``: an engine that can sends it with the lock."""
        fused = getattr(self.engine, "write_reading", None)
        return fused(_VIEW_SELECT) if fused is not None else self.engine.write()

    def _split(self, leases: Iterable[Lease], now: int) -> tuple[list[Lease], list[Lease]]:
        live, expired = [], []
        for lease in leases:
            (live if is_live(lease, now, holder_dead=self._holder_dead(lease)) else expired).append(lease)
        return live, expired

    def _append(self, tx: Tx, op: Op, *, lane: str = "", lease_id: str = "", holder: str = "",
                reason: str = "", data: Mapping[str, Any] | None = None, host_id: str | None = None) -> Event:
        now = tx.now_ms()
        host = self.host_id if host_id is None else host_id
        payload = dict(data or {})
        rows = tx.execute(EVENT_INSERT, event_values(now, op, lane=lane, lease_id=lease_id, holder=holder,
                                                     host_id=host, reason=reason, data=payload))
        return Event(int(rows[0][0]), now, op, lane, lease_id, holder, host, reason, payload)

    def _scavenge(self, tx: Tx, lease: Lease, reason: str) -> Event:
        event = self._append(tx, Op.SCAVENGE, lane=lease.lane, lease_id=lease.lease_id, holder=lease.holder,
                             reason=reason, data={"prev_holder": lease.holder, "fence": lease.fence,
                                                  "loop_ts": lease.loop_ts})
        tx.execute("DELETE FROM leases WHERE lease_id = ?", (lease.lease_id,))
        return event

    # ------------------------------------------------------------------ lease operations

    def acquire(self, request: LaneRequest, *, holder: str, session: str = "", ttl_ms: int | None = None,
                pid: int | None = None, run_id: str = "", loop_ts: str = "",
                force: bool = False, extra_live: Sequence[Lease] = (), journal: Journal = None) -> AcquireResult:
        """Arbitrate REQUEST against the live leases and record ACQUIRE (or REFUSE), in one transaction.

        JOURNAL(tx, result, event), when given, records the verdict in the same transaction (as
        for every operation below).
        """
        from dos.kernel.arbiter import arbitrate

        if not holder or not holder.strip():
            raise UsageError("acquire needs a holder (--owner): a non-empty name for who holds the lease")
        ttl = self.default_ttl_ms if ttl_ms is None else int(ttl_ms)
        if ttl <= 0:
            raise UsageError(f"lease TTL must be positive, got {ttl} ms")
        pid_start = procs.start_time(pid) if pid else None
        predicates = self.predicates
        if (journal is None or hasattr(journal, "row")) and not force and not extra_live and not predicates:
            from dos.store import quiet as one_statement

            quiet = one_statement.acquire(self, request, journal, Lease(
                lease_id=new_lease_id(), fence=0, lane="", lane_kind="", tree=(), holder=holder, acquired_ms=0,
                heartbeat_ms=0, ttl_ms=ttl, session=session, host_id=self.host_id, pid=pid, pid_start=pid_start,
                run_id=run_id, loop_ts=loop_ts), AcquireResult)
            if quiet is not None:
                return quiet
        with self._write_viewing() as tx:
            now = tx.now_ms()
            before = self._view(tx)
            live, expired = self._split(before, now)
            decision = arbitrate(request, self._index((*live, *extra_live)), self.taxonomy,
                                 predicates=predicates, force=force)
            if not decision.granted:
                refused = self._append(tx, Op.REFUSE, lane=request.lane, holder=holder, reason=decision.reason,
                                       data={"session": session, "run_id": run_id, "loop_ts": loop_ts,
                                             "blocking": list(decision.blocking)})
                return _journaled(journal, tx, AcquireResult(decision), refused)
            mode = decision.mode
            stale = {x.lease_id: x for x in conflicting(decision.tree, mode, expired, self.taxonomy)}
            stale.update({x.lease_id: x for x in expired
                          if self.taxonomy.canonical(x.lane).casefold() == decision.lane.casefold()})
            for old in stale.values():
                why = "holder process is gone" if self._holder_dead(old) else "ttl expired"
                self._scavenge(tx, old, f"scavenged for {decision.lane}: {why}")
            lease = Lease(lease_id=new_lease_id(), fence=tx.next_fence(), lane=decision.lane,
                          lane_kind=decision.lane_kind, tree=tuple(decision.tree), holder=holder,
                          acquired_ms=now, heartbeat_ms=now, ttl_ms=ttl, mode=mode, session=session,
                          host_id=self.host_id, pid=pid, pid_start=pid_start, run_id=run_id,
                          loop_ts=loop_ts)
            tx.execute(_LEASE_INSERT, lease_to_row(lease))
            granted = self._append(tx, Op.ACQUIRE, lane=lease.lane, lease_id=lease.lease_id, holder=holder,
                                   reason=decision.reason, data={"lease": lease.to_dict()})
            result = _journaled(journal, tx, AcquireResult(decision, lease, tuple(stale)), granted)
            self._publish(tx, view=lambda: sorted([*(x for x in before if x.lease_id not in stale), lease],
                                                  key=lambda x: x.fence))  # the view, as _VIEW_SELECT orders it
            return result

    def _index(self, live: tuple[Lease, ...]) -> Any:
        """The arbiter's index of LIVE: the last one again when LIVE holds the same lease objects (a view
        read again gives the same ones, ``live.leases_from_rows``), so a decision after one's own release
        does not rebuild it. The index never changes once built."""
        from dos.kernel.arbiter import LeaseIndex

        last = self._last_index
        if (last is None or last.taxonomy is not self.taxonomy or len(last.live) != len(live)
                or not all(a is b for a, b in zip(last.live, live))):
            last = self._last_index = LeaseIndex(live, self.taxonomy)
        return last

    def _find(self, tx: Tx, *, lease_id: str | None, lane: str | None,
              holder: str | None) -> list[Lease]:
        if not lease_id and not lane:
            raise UsageError("name the lease: give a lease id or a lane")
        found = []
        for lease in self._view(tx):
            if lease_id and lease.lease_id != lease_id:
                continue
            if lane and self.taxonomy.canonical(lease.lane).casefold() != self.taxonomy.canonical(lane).casefold():
                continue
            if holder is not None and lease.holder != holder:
                continue
            found.append(lease)
        return found

    def release(self, *, lease_id: str | None = None, lane: str | None = None,
                holder: str | None = None, reason: str = "explicit", journal: Journal = None) -> Lease | None:
        """Release the holder's own lease (the newest match); None if there is none to release."""
        if holder is not None and not holder.strip():
            raise UsageError("release needs a non-empty holder (--owner); an empty one would match anyone")
        if holder is None and not lease_id:
            raise UsageError("release needs the holder (--owner) or the lease id")
        if (getattr(self.engine, "quiet", False) and lease_id and not lane and holder is not None
                and (journal is None or hasattr(journal, "row"))):
            from dos.store import quiet as one_statement

            got = one_statement.release(self, journal, lease_id, holder, reason)
            if got is not True:
                return got
        with self._write_viewing() as tx:
            found = self._find(tx, lease_id=lease_id, lane=lane, holder=holder)
            if not found:
                return _journaled(journal, tx, None, None)
            lease = found[-1]
            released = self._append(tx, Op.RELEASE, lane=lease.lane, lease_id=lease.lease_id, holder=lease.holder,
                                    reason=reason, data={"fence": lease.fence, "loop_ts": lease.loop_ts})
            tx.execute("DELETE FROM leases WHERE lease_id = ?", (lease.lease_id,))
            _journaled(journal, tx, lease, released)
            # No publish before the commit: the files already hold every lease of this view and LEASE,
            # and removing it before the commit could let a write through if the commit failed.
        self._republish()
        return lease

    def heartbeat(self, *, lease_id: str | None = None, lane: str | None = None, holder: str,
                  coalesce_ms: int = 0, journal: Journal = None) -> Lease | None:
        """Beat the holder's own live lease; within COALESCE_MS of the last beat nothing is written."""
        if not holder or not holder.strip():
            raise UsageError("heartbeat needs the holder (--owner)")
        with self._write_viewing() as tx:
            now = tx.now_ms()
            found = [x for x in self._find(tx, lease_id=lease_id, lane=lane, holder=holder)
                     if is_live(x, now, holder_dead=self._holder_dead(x))]
            if not found:
                return _journaled(journal, tx, None, None)
            lease = found[-1]
            if coalesce_ms > 0 and now - lease.heartbeat_ms < coalesce_ms:
                return _journaled(journal, tx, lease, None)
            beat = self._append(tx, Op.HEARTBEAT, lane=lease.lane, lease_id=lease.lease_id, holder=holder,
                                data={"heartbeat_ms": now, "loop_ts": lease.loop_ts})
            tx.execute("UPDATE leases SET heartbeat_ms = ? WHERE lease_id = ?", (now, lease.lease_id))
            self._publish(tx)
            return _journaled(journal, tx, lease.replace(heartbeat_ms=now), beat)

    def adopt(self, *, lane: str, new_holder: str, lease_id: str | None = None, session: str = "",
              pid: int | None = None, journal: Journal = None) -> Lease | None:
        """Hand a lane's lease to NEW_HOLDER with a fresh beat and a new fence (the old one stops passing gates)."""
        if not new_holder or not new_holder.strip():
            raise UsageError("adopt needs the new holder (--owner)")
        with self._write_viewing() as tx:
            found = self._find(tx, lease_id=lease_id, lane=lane, holder=None)
            if not found:
                return _journaled(journal, tx, None, None)
            lease = found[-1]
            now = tx.now_ms()
            data = {"holder": new_holder, "prev_holder": lease.holder, "session": session,
                    "host_id": self.host_id, "pid": pid,
                    "pid_start": procs.start_time(pid) if pid else None,
                    "fence": tx.next_fence(), "heartbeat_ms": now, "loop_ts": lease.loop_ts}
            taken = self._append(tx, Op.ADOPT, lane=lease.lane, lease_id=lease.lease_id, holder=new_holder,
                                 reason=f"adopt:{new_holder}", data=data)
            new = adopted(lease, data, now)
            tx.execute("DELETE FROM leases WHERE lease_id = ?", (lease.lease_id,))
            tx.execute(_LEASE_INSERT, lease_to_row(new))
            _journaled(journal, tx, new, taken)
            self._publish(tx, keep=(lease,))
        self._republish()
        return new

    def scavenge(self, *, lease_id: str, reason: str = "scavenged", journal: Journal = None) -> Lease | None:
        """Remove an EXPIRED lease (a live one is never scavenged); None if it is live or gone."""
        with self._write_viewing() as tx:
            now = tx.now_ms()
            found = self._find(tx, lease_id=lease_id, lane=None, holder=None)
            if not found or is_live(found[0], now, holder_dead=self._holder_dead(found[0])):
                return _journaled(journal, tx, None, None)
            gone = self._scavenge(tx, found[0], reason)
            self._publish(tx)
            return _journaled(journal, tx, found[0], gone)

    def halt(self, handle: str, *, lane: str = "", holder: str = "", reason: str = "", run_id: str = "",
             command: str = "", loop_ts: str = "", extra: Mapping[str, Any] | None = None,
             journal: Journal = None) -> Event:
        """Record a HALT for HANDLE (a pid or run handle); correlated with a lease by lane or pid. Sends nothing."""
        with self._write_viewing() as tx:
            match = None
            for lease in self._view(tx):
                if lane and lease.lane.casefold() == lane.casefold() and (not loop_ts or lease.loop_ts == loop_ts):
                    match = lease
                elif not lane and lease.pid is not None and str(lease.pid) == str(handle):
                    match = lease
            data = {"handle": handle, "command": command, "run_id": run_id or (match.run_id if match else ""),
                    "loop_ts": loop_ts or (match.loop_ts if match else ""), **dict(extra or {})}
            event = self._append(tx, Op.HALT, lane=lane or (match.lane if match else ""),
                                 lease_id=match.lease_id if match else "", holder=holder,
                                 reason=reason or (f"halt:{holder}" if holder else "halt"), data=data)
            return _journaled(journal, tx, event, event)

    def spawn(self, lane: str, *, holder: str = "", run_id: str = "", reason: str = "",
              loop_ts: str = "", journal: Journal = None) -> Event:
        """Record the intent to take LANE (grants nothing)."""
        holder = holder or f"{self.host_id}:{os.getpid()}"
        return self.record(Op.SPAWN, lane=lane, holder=holder, reason=reason or f"spawn:{holder}",
                           data={"run_id": run_id, "loop_ts": loop_ts, "pid": os.getpid()}, journal=journal)

    def record(self, op: Op, *, lane: str = "", lease_id: str = "", holder: str = "", reason: str = "",
               data: Mapping[str, Any] | None = None, journal: Journal = None) -> Event:
        """Append one forensic event (ENFORCE, CLAIM, ATTEMPT, ...) in its own transaction."""
        if Op(op) in (Op.ACQUIRE, Op.RELEASE, Op.HEARTBEAT, Op.SCAVENGE, Op.ADOPT, Op.RECONCILE, Op.CHECKPOINT):
            raise UsageError(f"record() takes forensic ops only; {op} goes through its own operation")
        with self.engine.write() as tx:
            event = self._append(tx, Op(op), lane=lane, lease_id=lease_id, holder=holder, reason=reason,
                                 data=data)
            _journaled(journal, tx, event, event)
            if event.op == Op.CLAIM:
                self._publish(tx, claims=True)
            return event

    def claim_for(self, session: str) -> tuple[str, str] | None:
        """The (plan, phase) SESSION last claimed, or None."""
        with self.engine.read() as tx:
            rows = tx.execute("SELECT data FROM events WHERE op = ? AND holder = ? ORDER BY seq DESC LIMIT 1",
                              (str(Op.CLAIM), session))
        if not rows:
            return None
        data = json.loads(rows[0][0])
        if not data.get("plan"):
            return None
        return str(data.get("plan", "")), str(data.get("phase", ""))

    # ------------------------------------------------------------------ reads

    def _read_viewing(self) -> Any:
        """A read transaction whose first read is ``_view``: an engine that can sends it with BEGIN."""
        fused = getattr(self.engine, "read_reading", None)
        return fused(_VIEW_SELECT) if fused is not None else self.engine.read()

    def live_leases(self) -> list[Lease]:
        """THE live set: the view filtered by the one expiry rule (with same-host dead-PID evidence)."""
        return self.live_reaching(None)[1]

    def live_reaching(self, regions: Sequence[tuple[tuple[str, ...], bool]] | None) -> tuple[int, list[Lease]]:
        """(now, the live leases that may reach REGIONS (``dos.store.snapshot.keys`` of the paths a hook
        judges), and perhaps others): read through the engine's index when it has one. None: every one."""
        narrow = getattr(self.engine, "read_reaching", None) if regions is not None else None
        got = narrow(regions) if narrow is not None else None
        if got is None:
            with self._read_viewing() as tx:
                now = tx.now_ms()
                view = self._view(tx)
        else:
            now, view = got[0], [lease_from_row(r) for r in got[1]]
        return now, self._split(view, now)[0]

    def leases(self) -> list[tuple[Lease, bool]]:
        """Every lease in the view with its liveness; expired ones stay until scavenged."""
        with self._read_viewing() as tx:
            now = tx.now_ms()
            view = self._view(tx)
        return [(x, is_live(x, now, holder_dead=self._holder_dead(x))) for x in view]

    def events(self, *, since_seq: int = 0, ops: Iterable[Op] | None = None,
               limit: int | None = None) -> list[Event]:
        """Events after SINCE_SEQ in seq order, optionally only OPS, at most LIMIT."""
        sql, params = _EVENT_SELECT + " WHERE seq > ?", [since_seq]
        if ops is not None:
            wanted = [str(o) for o in ops]
            if not wanted:
                return []
            sql += f" AND op IN ({', '.join('?' for _ in wanted)})"
            params += wanted
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        with self.engine.read() as tx:
            return [event_from_row(r) for r in tx.execute(sql, params)]

    def tail(self, n: int) -> list[Event]:
        """The last N events in seq order (all of them for N <= 0)."""
        if n <= 0:
            return self.events()
        with self.engine.read() as tx:
            rows = tx.execute(_EVENT_SELECT + " ORDER BY seq DESC LIMIT ?", (int(n),))
        return [event_from_row(r) for r in reversed(rows)]

    def seq(self) -> int:
        """The highest seq ever written (0 for an empty log)."""
        with self.engine.read() as tx:
            rows = tx.execute("SELECT max(seq) FROM events")
        return int(rows[0][0] or 0)

    def count_events(self) -> int:
        with self.engine.read() as tx:
            return int(tx.execute("SELECT count(*) FROM events")[0][0])

    def replay(self) -> dict[str, Lease]:
        """The pure fold of the log (what the view must equal), from its newest CHECKPOINT on.

        A checkpoint at seq S stands for every mutating event up to S, so the fold starts
        there; mutating events before it that compaction has not deleted yet are skipped.
        """
        with self.engine.read() as tx:
            return fold_rows(mutating_rows(tx, latest_checkpoint(tx)))

    def view(self) -> dict[str, Lease]:
        """The leases view as stored, keyed by lease id."""
        return {x.lease_id: x for x, _ in self.leases()}

    def now_ms(self) -> int:
        """The store's clock (the server's, on PostgreSQL: one round trip)."""
        server = getattr(self.engine, "server_now_ms", None)
        if server is not None:
            return int(server())
        with self.engine.read() as tx:
            return tx.now_ms()

    # ------------------------------------------------------------------ maintenance

    def compact(self, *, batch: int = 2000, detail: bool = False) -> dict[str, int]:
        """Fold every mutating event into one CHECKPOINT, online (``dos.store.compaction``)."""
        from dos.store import compaction

        return compaction.compact(self.engine, self.host_id, batch=batch, detail=detail)

    def iter_events(self, *, page: int = 5000) -> Iterator[Event]:
        """Every event in seq order, read a page at a time (for export and replay of long logs)."""
        with self.engine.read() as tx:
            yield from _paged(tx, "", [], page=page)

    def import_events(self, events: Sequence[Event]) -> dict[str, Any]:
        """Append EVENTS (seq ignored) and rebuild the view, all or nothing, arbitrating what comes in.

        Each lease still live at the end of the import is checked against the store's live
        leases and the ones imported before it: one that collides comes in expired (its later
        beats dropped) and is reported. Fences are minted anew, strictly increasing; a pid from
        the journal is dropped (another writer's process is no evidence here, the TTL is); a
        lease id the store already has is renamed.
        """
        with self.engine.write() as tx:
            now = tx.now_ms()
            before = self._view(tx)
            known = {x.lease_id for x in before}
            taken = [x for x in self._split(before, now)[0]]
            records = len(events)
            events = list(self._unfold_checkpoints(events))
            final = replay(events)
            rename: dict[str, str] = {}
            conflicted: dict[str, str] = {}
            for lease_id, lease in final.items():
                if lease.expired(now):
                    continue
                clash = self._import_clash(lease, taken)
                if clash:
                    conflicted[lease_id] = clash
                else:
                    taken.append(lease)
            for e in events:
                data = dict(e.data)
                lease_id = e.lease_id
                if e.op in (Op.ACQUIRE, Op.RECONCILE) and isinstance(data.get("lease"), Mapping):
                    raw = dict(data["lease"])
                    old = str(raw.get("lease_id") or lease_id)
                    fence = tx.next_fence()
                    if old in known and old not in rename:
                        rename[old] = f"{old}-i{fence}"
                    raw.update(fence=fence, pid=None, pid_start=None, lease_id=rename.get(old, old))
                    if old in conflicted:
                        raw["ttl_ms"] = max(0, now - int(raw.get("heartbeat_ms") or now))
                    data["lease"] = raw
                    lease_id = raw["lease_id"]
                elif e.lease_id in conflicted and e.op in (Op.HEARTBEAT, Op.ADOPT):
                    continue  # a collided lease stays expired
                else:
                    lease_id = rename.get(e.lease_id, e.lease_id)
                    if e.op == Op.ADOPT:
                        data["fence"] = tx.next_fence()
                        data["pid"] = data["pid_start"] = None
                tx.execute(
                    "INSERT INTO events (ts_ms, op, lane, lease_id, holder, host_id, reason, data) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    event_values(e.ts_ms, e.op, lane=e.lane, lease_id=lease_id, holder=e.holder,
                                 host_id=e.host_id, reason=e.reason, data=data))
            state: dict[str, Lease] = {}
            for event in _paged(tx, "", []):
                apply(state, event)
            tx.execute("DELETE FROM leases")
            for lease in state.values():
                tx.execute(_LEASE_INSERT, lease_to_row(lease))
            self._publish(tx, keep=before, claims=True)
        self._republish()
        return {"imported": records, "conflicted": [{"lease_id": rename.get(k, k), "lane": final[k].lane,
                                                          "holder": final[k].holder, "reason": v}
                                                         for k, v in conflicted.items()]}

    @staticmethod
    def _unfold_checkpoints(events: Sequence[Event]) -> Iterator[Event]:
        """An imported CHECKPOINT as one RECONCILE per lease: in this store it must not clear what is here."""
        for e in events:
            if e.op != Op.CHECKPOINT:
                yield e
                continue
            for raw in e.data.get("leases") or ():
                if isinstance(raw, Mapping) and raw.get("lease_id"):
                    yield Event(e.seq, e.ts_ms, Op.RECONCILE, lane=str(raw.get("lane", "")),
                                lease_id=str(raw["lease_id"]), holder=str(raw.get("holder", "")),
                                host_id=e.host_id, reason="imported checkpoint", data={"lease": dict(raw)})

    def _import_clash(self, lease: Lease, live: Sequence[Lease]) -> str:
        """Why LEASE may not come in live beside LIVE ('' if it may)."""
        from dos.kernel.admission import conflicting, holder_mode, lease_is_exclusive

        if not live:
            return ""
        if lease_is_exclusive(lease, self.taxonomy) or any(lease_is_exclusive(x, self.taxonomy) for x in live):
            other = live[0]
            return f"an exclusive lane and lane '{other.lane}' ({other.holder}) cannot both be live"
        clash = conflicting(lease.tree, holder_mode(lease, self.taxonomy), live, self.taxonomy)
        if clash:
            return f"its tree collides with live lane '{clash[0].lane}' held by {clash[0].holder}"
        return ""

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
