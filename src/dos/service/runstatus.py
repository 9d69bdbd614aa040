"""``dos status`` without the full service: the compiled settings, one read connection, git, the kernel.

A status is a read a driver may poll often, so on a SQLite store it skips what every other
verb loads (the config package, the Store, plugins): the workspace's settings come from
the hooks' compiled cache, the ledger fold is one row, the run's lease one more, and git
answers in two processes. The verdict is the same one ``recovery.status`` reaches (both
assemble ``dos.kernel.runview.status_digest``). ``fast_status`` returns None where this path
does not apply (a PostgreSQL store, a store it cannot read plainly); the caller then takes
the full path, which also reports any fault properly.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.runview import StatusDigest

_PROGRESS = ("ACQUIRE", "RELEASE", "SCAVENGE", "RECONCILE", "HEARTBEAT", "ADOPT")  # the liveness rungs' ops


def _read(conn: Any, run_id: str, lane: str, loop_ts: str) -> tuple[Any, Any, Any, list[Any]]:
    """(run row, folded state, the run's lease, that lease's progress and beat events) from one connection."""
    import _sqlite3

    from dos.kernel.intent import IntentState
    from dos.kernel.jsonc import JSONError, loads
    from dos.kernel.lease import Lease
    from dos.store.schema_intents import RUN_COLUMNS, IntentRun
    from dos.store.live import EVENT_SELECT, LEASE_SELECT, lease_from_row

    run = state = None
    try:
        rows = conn.execute(f"SELECT {', '.join(RUN_COLUMNS)}, state FROM intent_runs WHERE run_id = ?",
                            (run_id,)).fetchall()
    except _sqlite3.OperationalError:  # a store from before the ledger: it knows no run
        rows = []
    if rows:
        run = IntentRun(*rows[0][:len(RUN_COLUMNS)])
        try:
            raw = loads(rows[0][-1])
        except JSONError:
            raw = {}
        state = IntentState.from_dict(raw) if isinstance(raw, dict) and raw else IntentState(run_id=run_id)
    if lane and loop_ts:
        found = [lease_from_row(r) for r in conn.execute(LEASE_SELECT + " WHERE loop_ts = ?", (loop_ts,))]
        found = [x for x in found if x.lane.casefold() == lane.casefold()]
    else:
        found = [lease_from_row(r) for r in conn.execute(LEASE_SELECT + " WHERE run_id = ?", (run_id,))]
    lease = max(found, key=lambda x: x.fence) if found else None
    if lease is None and (run_id or loop_ts):
        for (data,) in conn.execute("SELECT data FROM events WHERE op = 'ACQUIRE' ORDER BY seq DESC"):
            try:
                raw = loads(data).get("lease")
                candidate = Lease.from_dict(raw) if isinstance(raw, dict) else None
            except (JSONError, TypeError, ValueError, AttributeError):
                continue
            if candidate is not None and (candidate.run_id == run_id if not (lane and loop_ts) else
                                          candidate.lane.casefold() == lane.casefold() and candidate.loop_ts == loop_ts):
                lease = candidate
                break
    events = []
    if lease is not None:
        from dos.kernel.lease import Event, Op

        marks = ", ".join("?" for _ in _PROGRESS)
        for seq, ts_ms, op, lane_, lease_id, holder, host, reason, _data in conn.execute(
                EVENT_SELECT + f" WHERE lease_id = ? AND op IN ({marks}) ORDER BY seq", (lease.lease_id, *_PROGRESS)):
            events.append(Event(int(seq), int(ts_ms), Op(op), lane_, lease_id, holder, host, reason, {}))
    return run, state, lease, events


def fast_status(workspace: str | None, run_id: str, *, start_sha: str = "", now: int | None = None,
                heartbeat_age: int | None = None, lane: str = "", loop_ts: str = "", stopped: bool = False,
                live: bool = False, proc: bool = True, env: Mapping[str, str] | None = None) -> StatusDigest | None:
    """RUN_ID's status digest read the lean way, or None when only the full path can read this store."""
    import time

    from dos import procs
    from dos.kernel.lease import is_live
    from dos.kernel.liveness import lease_activity
    from dos.kernel.runid import ts_ms_of
    from dos.kernel.runview import RunEvidence, status_digest
    from dos.service import ancestry
    from dos.service.settings import find_root, load_settings
    from dos.store.live import Unreadable, connect_read

    env = os.environ if env is None else env
    check_status_flags(run_id, stopped, live, heartbeat_age)
    root = find_root(workspace or "", env, [os.getcwd()]) or os.path.realpath(os.getcwd())
    settings = load_settings(root)
    if env.get("DOS_STORE_URL", "").strip() or settings.store_url or settings.warning:
        return None
    run = state = lease = None
    events: list[Any] = []
    if os.path.exists(settings.store_path):
        try:
            conn = connect_read(settings.store_path, settings.busy_timeout_ms)
        except Unreadable:
            return None
        try:
            run, state, lease, events = _read(conn, run_id, lane, loop_ts)
        finally:
            conn.close()
    started = ts_ms_of(run_id) or 0
    now = time.time_ns() // 1_000_000 if now is None else now
    from dos.kernel.resume import candidate_shas

    facts = ancestry.gather(root, candidate_shas(state) if state is not None else [],
                            start_sha or (state.start_sha if state is not None else ""))
    here = procs.host_id()
    beat, count, alive, region = None, 0, None, ()
    if lease is not None:
        act = lease_activity(events, lease.lease_id, started, now)
        ages = [a for a in (act.last_beat_age_ms, max(0, now - lease.heartbeat_ms)) if a is not None]
        count, beat = act.events_since, (min(ages) if ages else None)
        dead = procs.holder_dead(lease.pid, lease.pid_start, lease.host_id, here)
        if proc and lease.pid and dead:
            alive = False
        if is_live(lease, now, holder_dead=dead):
            region = lease.tree
    gone = bool(proc and run is not None and run.pid
                and procs.holder_dead(run.pid, run.pid_start, run.host_id or here, here))
    ev = RunEvidence(run_id, started, now, state, facts.commits, facts.commits_since_start, tuple(region), count,
                     beat if heartbeat_age is None else heartbeat_age, alive, gone)
    digest = status_digest(ev, stopped=stopped, live=live)
    _spool(settings, digest, run_id, env, now)
    return digest


def check_status_flags(run_id: str, stopped: bool, live: bool, heartbeat_age: int | None) -> None:
    """The usage errors of ``status``: a run id that is not one, contradicting flags, a negative age."""
    from dos.errors import UsageError
    from dos.kernel.runid import ts_ms_of

    if ts_ms_of(run_id) is None:
        raise UsageError(f"{run_id!r} is not a run id (RID- + 15 uppercase base-32 chars); mint one with "
                         f"`dos run-id mint PROCESS`")
    if stopped and live:
        raise UsageError("--stopped and --live contradict each other; pass one")
    if heartbeat_age is not None and heartbeat_age < 0:
        raise UsageError("--last-heartbeat-age-ms must be >= 0")


def _spool(settings: Any, digest: Any, run_id: str, env: Mapping[str, str], now: int) -> None:
    """Journal the verdict the way a hook's allow is: one line in the spool the next writer folds in."""
    try:
        from dos.service.hook_journal import env_mode
        from dos.store.journal_rows import row_for, spool_append, spool_path

        observe = getattr(settings, "observe", None) or {}
        mode = env_mode(env) or str(observe.get("record", "auto"))
        if mode == "off":
            return
        row = row_for(now, "status", digest, run_id=run_id)
        spool_append(spool_path(os.path.join(settings.root, ".dos")), row, create_dir=mode == "always")
    except Exception:  # noqa: BLE001 - a read verb never fails over its journal line
        return
