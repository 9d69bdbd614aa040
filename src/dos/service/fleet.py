"""The fleet as ``dos top`` and the dashboard show it: every lane, who holds it, and how its run is doing.

One read transaction gathers the leases view, the log's recent SPAWN and ENFORCE records
and the few events the liveness ladder needs beyond the view (RECONCILE and ADOPT); the
verdicts are the kernel's (the one expiry rule, ``liveness.classify``), judged at the
store's clock, so every screen agrees with the arbiter and the hooks. Nothing is written.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping

from dos import procs
from dos.kernel.lease import Event, Lease, Op, is_live
from dos.kernel.liveness import Liveness, LivenessPolicy, ProgressEvidence, classify, lease_activity
from dos.service.context import Context
from dos.service.progress import SPAWN_PENDING_MS
from dos.store.pg_write import (
    NOTIFY_CHANNEL as PG_CHANNEL,  # a PostgreSQL store NOTIFYs here on commit
)

CHIPS = {"ADVANCING": "🟢 ADVANCING", "SPINNING": "🟡 SPINNING", "STALLED": "🔴 STALLED",
         "SPAWNING": "🔵 SPAWNING", "FREE": "⚪ FREE"}
RECENT_MS = 3_600_000  # denies and refused stops younger than this are "recent"
RECENT_SCAN = 500  # ENFORCE records read back from the newest
RECENT_SHOWN = 10
VERDICTS_SHOWN = 10


def iso(ms: int) -> str:
    """Milliseconds since the epoch as an ISO-8601 UTC time with seconds."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="seconds")


def _events(tx: Any, where: str, params: Iterable[Any]) -> list[Event]:
    from dos.store.leases import event_from_row
    from dos.store.live import EVENT_SELECT

    return [event_from_row(r) for r in tx.execute(f"{EVENT_SELECT} WHERE {where}", tuple(params))]


def seq_since(tx: Any, since_ms: int, top: int) -> int:
    """The first seq stamped at or after SINCE_MS, by bisection on seq (times grow with seq in the log).

    ~20 indexed reads, so "the last hour" costs the last hour's rows, not the whole history. An
    event stamped out of order (an imported journal) can only widen the window it is found in.
    """
    lo, hi = 0, top + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        rows = tx.execute("SELECT seq, ts_ms FROM events WHERE seq >= ? ORDER BY seq LIMIT 1", (mid,))
        if not rows or int(rows[0][1]) >= since_ms:
            hi = mid
        else:
            lo = max(mid, int(rows[0][0]))
    return hi


def recent_events(tx: Any, engine: str, op: str, since_seq: int, *, limit: int | None = None,
                  newest_first: bool = False, extra: str = "", params: tuple[Any, ...] = ()) -> list[Event]:
    """OP events from SINCE_SEQ on: on SQLite by a seq range scan (``+op`` keeps the planner off the
    (op, holder) index, which would sort every OP row ever written)."""
    col = "+op" if engine == "sqlite" else "op"
    sql = f"seq >= ? AND {col} = ?{extra} ORDER BY seq{' DESC' if newest_first else ''}"
    args: tuple[Any, ...] = (since_seq, op, *params)
    if limit is not None:
        sql += " LIMIT ?"
        args += (int(limit),)
    return _events(tx, sql, args)


def read_log(ctx: Context, *, now: int | None = None, scan: int = RECENT_SCAN) -> dict[str, Any]:
    """One consistent read: the clock, the view, the log's seq, recent SPAWN and ENFORCE, RECONCILE/ADOPT."""
    from dos.store.live import LEASE_SELECT, lease_from_row

    store = ctx.store
    engine = store.engine.name
    with store.engine.read() as tx:
        clock = tx.now_ms() if now is None else now
        leases = [lease_from_row(r) for r in tx.execute(LEASE_SELECT + " ORDER BY fence")]
        seq = int(tx.execute("SELECT max(seq) FROM events")[0][0] or 0)
        spawn_from = seq_since(tx, clock - SPAWN_PENDING_MS, seq)
        spawns = [e for e in recent_events(tx, engine, str(Op.SPAWN), spawn_from)
                  if e.ts_ms > clock - SPAWN_PENDING_MS]
        enforce = recent_events(tx, engine, str(Op.ENFORCE), seq_since(tx, clock - RECENT_MS, seq),
                                limit=scan, newest_first=True)[::-1] if scan else []
        if scan and engine == "sqlite":
            enforce = (enforce + _spooled(tx, ctx, clock))[-scan:]
        beats = _events(tx, "op IN (?, ?) ORDER BY seq", (str(Op.RECONCILE), str(Op.ADOPT))) if leases else []
    return {"now": clock, "leases": leases, "seq": seq, "spawns": spawns, "enforce": enforce,
            "beats": beats}


def _spooled(tx: Any, ctx: Context, clock: int) -> list[Event]:
    """The recent denies still in the hooks' spool (seq 0: not in the log yet), read, never folded."""
    from dos.service.journal import spool_path
    from dos.store.journal import pending_events
    from dos.store.leases import event_from_row

    return [event_from_row((0, *v)) for v in pending_events(tx, spool_path(ctx)) if clock - v[0] <= RECENT_MS]


def judge(lease: Lease, now: int, beats: list[Event], *, here: str,
          policy: LivenessPolicy = LivenessPolicy()) -> dict[str, Any]:
    """A lease's liveness as ``dos liveness`` and the supervisor judge it (expired or dead: STALLED)."""
    dead = procs.holder_dead(lease.pid, lease.pid_start, lease.host_id, here)
    live = is_live(lease, now, holder_dead=dead)
    beat_age = max(0, now - lease.heartbeat_ms)
    if not live:
        why = (f"the holder's process ({lease.pid}) is gone" if dead else
               f"no heartbeat for {beat_age // 1000} s: the TTL ({lease.ttl_ms // 1000} s) ran out")
        return {"live": False, "holder_dead": dead, "liveness": str(Liveness.STALLED),
                "liveness_reason": f"lease not live: {why}", "heartbeat_age_ms": beat_age}
    act = lease_activity(beats, lease.lease_id, lease.acquired_ms, now)
    ages = [a for a in (act.last_beat_age_ms, beat_age) if a is not None]
    ev = ProgressEvidence(lease.acquired_ms, now, 0, act.events_since, min(ages))
    v = classify(ev, policy)
    return {"live": True, "holder_dead": False, "liveness": str(v.verdict), "liveness_reason": v.reason,
            "heartbeat_age_ms": min(ages)}


def _enforce_row(e: Event, now: int) -> dict[str, Any]:
    d = e.data if isinstance(e.data, dict) else {}
    return {"seq": e.seq, "ts_ms": e.ts_ms, "age_ms": max(0, now - e.ts_ms), "lane": e.lane,
            "session": str(d.get("session") or e.holder), "tool": str(d.get("tool", "")),
            "token": str(d.get("token", "")), "intervention": str(d.get("intervention", "")),
            "moment": str(d.get("moment", "")), "host": str(d.get("host", "")), "reason": e.reason,
            "blocking_holder": str(d.get("blocking_holder", "")), "paths": list(d.get("paths") or ())}


def split_enforce(events: Iterable[Event], now: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(recent write denies, recent refused stops), newest first: what the hooks decided."""
    denies, stops = [], []
    for e in events:
        if now - e.ts_ms > RECENT_MS:
            continue
        row = _enforce_row(e, now)
        if row["moment"] == "stop" and (row["intervention"] == "DENY" or row["token"] == "CAP_REACHED"):
            stops.append(row)
        elif row["intervention"] == "DENY":
            denies.append(row)
    return denies[::-1], stops[::-1]


class _Names:
    """The taxonomy's lookups (canonical name, exclusive, declared tree) as dicts: O(1) per lane, not O(lanes)."""

    def __init__(self, tax: Any) -> None:
        self.aliases = dict(tax.aliases)
        self.declared: dict[str, str] = {}
        for name in (*tax.concurrent, *tax.exclusive, *tax.trees):
            self.declared.setdefault(name.casefold(), name)
        self.exclusive = {self.key(x) for x in tax.exclusive}
        self.trees: dict[str, tuple[str, ...]] = {}
        for lane, tree in tax.trees.items():
            self.trees.setdefault(lane.casefold(), tuple(tree))

    def canonical(self, name: str) -> str:
        name = self.aliases.get(name, name)
        return self.declared.get(name.casefold(), name)

    def key(self, name: str) -> str:
        return self.canonical(name).casefold()

    def tree_for(self, name: str) -> tuple[str, ...]:
        return self.trees.get(self.key(name), ())


def lane_rows(ctx: Context, log: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per lease in the view (declared lanes first, in taxonomy order) and one per free lane."""
    tax = ctx.store.taxonomy
    names_of = _Names(tax)
    now = log["now"]
    here = procs.host_id()
    declared: list[str] = []
    seen: set[str] = set()
    for name in (*tax.concurrent, *tax.exclusive):
        if name.casefold() not in seen:
            declared.append(name)
            seen.add(name.casefold())
    by_lane: dict[str, list[Lease]] = {}
    for lease in log["leases"]:
        by_lane.setdefault(names_of.key(lease.lane), []).append(lease)
    spawned: dict[str, Event] = {}
    for e in log["spawns"]:
        spawned[names_of.key(e.lane)] = e
    denies, stops = split_enforce(log["enforce"], now)
    deny_count: dict[str, int] = {}
    for d in denies:
        k = names_of.key(d["lane"])
        deny_count[k] = deny_count.get(k, 0) + 1
    stop_count: dict[str, int] = {}
    for st in stops:
        stop_count[st["session"]] = stop_count.get(st["session"], 0) + 1
    names = declared + [ls[0].lane for key, ls in by_lane.items() if key not in seen]
    rows = []
    for name in names:
        key = names_of.key(name)
        excl = key in names_of.exclusive
        spawn = spawned.get(key)
        held = by_lane.get(key, [])
        base = {"lane": names_of.canonical(name), "is_exclusive": excl, "denies": deny_count.get(key, 0)}
        if not held:
            rows.append({**base, "chip": CHIPS["SPAWNING" if spawn else "FREE"], "loop_ts": "", "holder": "",
                         "heartbeat_age_ms": None, "liveness_reason": "", "liveness": None, "session": "",
                         "fence": None, "mode": "", "lease_id": "", "run_id": "", "pid": None, "host_id": "",
                         "tree": list(names_of.tree_for(name)), "acquired_ms": None, "expires_ms": None,
                         "expires_in_ms": None, "live": None, "holder_dead": False,
                         "pending_spawn": _spawn_row(spawn, now) if spawn else None, "refused_stops": 0})
            continue
        for lease in held:
            j = judge(lease, now, log["beats"], here=here)
            pending = spawn if spawn is not None and spawn.ts_ms > lease.acquired_ms else None
            rows.append({**base, "chip": CHIPS[j["liveness"]], "loop_ts": lease.loop_ts, "holder": lease.holder,
                         "heartbeat_age_ms": j["heartbeat_age_ms"], "liveness_reason": j["liveness_reason"],
                         "liveness": j["liveness"], "session": lease.session, "fence": lease.fence,
                         "mode": str(lease.mode), "lease_id": lease.lease_id, "run_id": lease.run_id,
                         "pid": lease.pid, "host_id": lease.host_id, "tree": list(lease.tree),
                         "acquired_ms": lease.acquired_ms, "expires_ms": lease.expires_ms,
                         "expires_in_ms": lease.expires_ms - now, "live": j["live"],
                         "holder_dead": j["holder_dead"], "pending_spawn": _spawn_row(pending, now) if pending else None,
                         "is_exclusive": excl or lease.lane_kind.casefold() == "global",
                         "refused_stops": stop_count.get(lease.session, 0) if lease.session else 0})
    return rows


def _spawn_row(e: Event, now: int) -> dict[str, Any]:
    d = e.data if isinstance(e.data, dict) else {}
    return {"seq": e.seq, "lane": e.lane, "holder": e.holder, "age_ms": max(0, now - e.ts_ms),
            "run_id": str(d.get("run_id", "")), "loop_ts": str(d.get("loop_ts", "")), "reason": e.reason}


def tally(rows: list[dict[str, Any]]) -> dict[str, int]:
    lanes = {r["lane"].casefold() for r in rows}
    free = {r["lane"].casefold() for r in rows if r["lease_id"] == "" and not r["pending_spawn"]}
    return {"lanes": len(lanes), "leases": sum(1 for r in rows if r["lease_id"]),
            "advancing": sum(r["liveness"] == "ADVANCING" for r in rows),
            "spinning": sum(r["liveness"] == "SPINNING" for r in rows),
            "stalled": sum(r["liveness"] == "STALLED" for r in rows),
            "spawning": sum(1 for r in rows if r["lease_id"] == "" and r["pending_spawn"]),
            "free": len(free)}


def recent_verdicts(ctx: Context, n: int = VERDICTS_SHOWN) -> list[dict[str, Any]]:
    """The newest N verdict-journal records, oldest of them first (read through ``dos.service.journal``)."""
    from dos.service import journal

    if n <= 0:
        return []
    return list(journal.query(ctx, limit=n, newest=True))


_COMMITS: dict[str, tuple[Any, list[dict[str, str]]]] = {}


def _refs_stamp(root: Any) -> Any:
    """What the recent commits depend on: HEAD, the branch file it names, packed-refs (stat only, no git)."""
    import os

    git_dir = os.path.join(str(root), ".git")
    out = []
    try:
        if os.path.isfile(git_dir):
            with open(git_dir, encoding="utf-8") as fh:
                git_dir = os.path.join(str(root), fh.read().strip().removeprefix("gitdir:").strip())
        with open(os.path.join(git_dir, "HEAD"), encoding="utf-8") as fh:
            head = fh.read().strip()
        out.append(head)
        paths = [os.path.join(git_dir, "packed-refs")]
        if head.startswith("ref: "):
            paths.append(os.path.join(git_dir, head[5:]))
        for path in paths:
            try:
                st = os.stat(path)
                out.append((path, st.st_mtime_ns, st.st_size))
            except OSError:
                out.append((path, None))
    except (OSError, UnicodeDecodeError):
        return None
    return tuple(out)


def recent_commits(ctx: Context) -> list[dict[str, str]]:
    """``dos.service.plans.activity``, remembered until HEAD or the branch moves."""
    from dos.service.plans import activity

    stamp = _refs_stamp(ctx.root)
    key = str(ctx.root)
    hit = _COMMITS.get(key)
    if stamp is not None and hit is not None and hit[0] == stamp:
        return [dict(c) for c in hit[1]]
    got = activity(ctx)
    if stamp is not None:
        _COMMITS[key] = (stamp, got)
    return [dict(c) for c in got]


def snapshot(ctx: Context, *, now: int | None = None, verdicts: bool = True, activity: bool = True) -> dict[str, Any]:
    """What ``dos top --json`` prints and ``/api/top`` serves: the reference's keys and DOS's own."""
    commits = recent_commits

    log = read_log(ctx, now=now)
    clock = log["now"]
    rows = lane_rows(ctx, log)
    denies, stops = split_enforce(log["enforce"], clock)
    spawns = [_spawn_row(e, clock) for e in log["spawns"]]
    return {"workspace": str(ctx.root), "now": iso(clock), "now_ms": clock,
            "initialized": ctx.config.source is not None, "seq": log["seq"], "lanes": rows, "tally": tally(rows),
            "spawns": spawns[::-1], "denies": denies[:RECENT_SHOWN], "refused_stops": stops[:RECENT_SHOWN],
            "denies_recent": len(denies), "refused_stops_recent": len(stops),
            "verdicts": recent_verdicts(ctx) if verdicts else [], "activity": commits(ctx) if activity else []}


# --------------------------------------------------------------------------- one run's timeline


def timeline(ctx: Context, *, run_id: str = "", lease_id: str = "", session: str = "",
             limit: int = 500) -> dict[str, Any]:
    """One run's story: its leases, their events, the hooks' decisions for its session, its verdicts, commits."""
    from dos.service import journal

    journal.flush_quietly(ctx)  # the hooks' spooled denies belong to the story
    store = ctx.store
    found: dict[str, Lease] = {}
    for lease, _ in store.leases():
        if (run_id and lease.run_id == run_id) or (lease_id and lease.lease_id == lease_id) or (
                session and lease.session == session):
            found[lease.lease_id] = lease
    with store.engine.read() as tx:
        now = tx.now_ms()
        for e in _events(tx, "op = ? ORDER BY seq", (str(Op.ACQUIRE),)):
            raw = e.data.get("lease") if isinstance(e.data, dict) else None
            if not isinstance(raw, dict):
                continue
            if (run_id and raw.get("run_id") == run_id) or (lease_id and raw.get("lease_id") == lease_id) or (
                    session and raw.get("session") == session):
                try:
                    found.setdefault(str(raw["lease_id"]), Lease.from_dict(raw))
                except (KeyError, TypeError, ValueError):
                    continue
        ids = sorted(found)
        events: list[Event] = []
        if ids:
            marks = ", ".join("?" for _ in ids)
            events = _events(tx, f"lease_id IN ({marks}) ORDER BY seq LIMIT ?", (*ids, int(limit)))
        sessions = sorted({x.session for x in found.values() if x.session} | ({session} if session else set()))
        hooks: list[Event] = []
        if sessions:
            marks = ", ".join("?" for _ in sessions)
            hooks = _events(tx, f"op = ? AND holder IN ({marks}) ORDER BY seq DESC LIMIT ?",
                            (str(Op.ENFORCE), *sessions, int(limit)))[::-1]
        if run_id:
            halts = [e for e in _events(tx, "op = ? ORDER BY seq", (str(Op.HALT),))
                     if isinstance(e.data, dict) and e.data.get("run_id") == run_id and e.seq not in
                     {x.seq for x in events}]
            events = sorted([*events, *halts], key=lambda e: e.seq)
    verdicts = journal.query(ctx, run_id=run_id, limit=limit) if run_id else (
        journal.query(ctx, session=session, limit=limit) if session else [])
    start = min((x.acquired_ms for x in found.values()), default=None)
    end = max([e.ts_ms for e in events] + [x.expires_ms for x in found.values() if x.expires_ms < now] or [now])
    return {"run_id": run_id, "lease_id": lease_id, "session": session, "now": iso(now), "now_ms": now,
            "leases": [x.to_dict() for x in sorted(found.values(), key=lambda x: x.fence)],
            "events": [e.to_dict() for e in events], "hooks": [_enforce_row(e, now) for e in hooks],
            "verdicts": list(verdicts), "commits": _commits_between(ctx, start, end) if start is not None else []}


def _commits_between(ctx: Context, start_ms: int, end_ms: int, n: int = 50) -> list[dict[str, str]]:
    """Commits made while the run held its leases (by committer time), newest first."""
    from dos import git
    from dos.errors import GitError

    try:
        if git.head_sha(ctx.root) is None:
            return []
        args = ["log", "-n", str(n), f"--since=@{start_ms // 1000}", f"--until=@{end_ms // 1000 + 1}",
                "--format=%x1e%h%x00%s"]
        return [{"sha": sha, "subject": subject} for sha, subject, _ in git.iter_headed(ctx.root, args)]
    except GitError:
        return []


# --------------------------------------------------------------------------- following the log



def log_position(ctx: Context) -> tuple[int, int, int]:
    """(the event log's seq, the verdict journal's seq, the hooks' spool size): what changes when
    anything is decided (a hook's deny waits in the spool until the next writer folds it in)."""
    from dos.service import journal
    from dos.store.journal import spool_stamp

    return ctx.store.seq(), journal.latest_seq(ctx), spool_stamp(journal.spool_path(ctx))


class LogWatcher:
    """Calls ON_CHANGE(position) whenever the log moves, from a daemon thread; never writes.

    SQLite: the log's seq is polled every POLL_S (a read of one index page). PostgreSQL: the
    thread also LISTENs on ``dos_events`` so a commit that NOTIFYs wakes it at once; the poll
    stays as the floor for stores that do not notify.
    """

    def __init__(self, open_ctx: Callable[[], Context], on_change: Callable[[tuple[int, int, int]], None], *,
                 poll_s: float = 0.1, pg_poll_s: float = 1.0) -> None:
        self._open_ctx = open_ctx
        self._on_change = on_change
        self.poll_s = poll_s
        self.pg_poll_s = pg_poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.position: tuple[int, int, int] | None = None
        self.error = ""
        self.listening = False
        self.wakeups = 0  # NOTIFYs received

    def start(self) -> LogWatcher:
        self._thread = threading.Thread(target=self._run, name="dos-log-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _check(self, ctx: Context) -> None:
        try:
            pos = log_position(ctx)
            self.error = ""
        except Exception as exc:  # noqa: BLE001 - a store that went away is reported and retried
            self.error = " ".join(str(exc).split())[:200]
            return
        if pos != self.position:
            self.position = pos
            self._on_change(pos)

    def _run(self) -> None:
        ctx = self._open_ctx()
        try:
            engine = ctx.store.engine
            if getattr(engine, "name", "") == "postgres":
                self._run_pg(ctx, engine)
            else:
                while not self._stop.is_set():
                    self._check(ctx)
                    self._stop.wait(self.poll_s)
        finally:
            ctx.close()

    def _run_pg(self, ctx: Context, engine: Any) -> None:
        """LISTEN first, then read the position (no commit slips between); re-read on each NOTIFY."""
        import psycopg

        conn = None
        last = float("-inf")
        woken = True
        while not self._stop.is_set():
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(engine.url, autocommit=True)
                    conn.execute(f"LISTEN {PG_CHANNEL}")
                    self.listening = woken = True
                if woken or time.monotonic() - last >= self.pg_poll_s:
                    self._check(ctx)
                    last, woken = time.monotonic(), False
                for _note in conn.notifies(timeout=0.25, stop_after=1):
                    self.wakeups += 1
                    woken = True
            except psycopg.Error as exc:
                self.listening = False
                self.error = " ".join(str(exc).split())[:200]
                if conn is not None:
                    conn.close()
                conn = None
                if time.monotonic() - last >= self.pg_poll_s:  # the floor: poll while LISTEN is down
                    self._check(ctx)
                    last = time.monotonic()
                self._stop.wait(min(self.pg_poll_s, 1.0))
        if conn is not None:
            conn.close()


def wait_for_change(ctx: Context, after: tuple[int, int, int], *, timeout_s: float,
                    poll_s: float = 0.1) -> tuple[int, int, int]:
    """Block until the log moves past AFTER (or TIMEOUT_S passes); the position now."""
    deadline = time.monotonic() + timeout_s
    while True:
        pos = log_position(ctx)
        if pos != after or time.monotonic() >= deadline:
            return pos
        time.sleep(poll_s)


def dumps(obj: Any) -> str:
    """The JSON the screens and the API share (sorted keys)."""
    return json.dumps(obj, sort_keys=True, default=str)
