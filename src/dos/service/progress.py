"""Evidence for the time verdicts: is a run advancing, what should the supervisor do, what to halt.

Commits since a run's start, its lease's events and beats, whether its process is alive,
and the SPAWN and HALT records, all aged by the one clock (``ctx.now_ms()``: the store's).
The verdicts themselves are the kernel's (``liveness.classify``, ``supervise``, ``watch_plan``).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from dos.errors import GitError, UsageError
from dos.kernel.lease import Lease, Op
from dos.kernel.liveness import (BEAT_OPS, PROGRESS_OPS, Liveness, LivenessPolicy, LivenessVerdict,
                                 ProgressEvidence, classify, lease_activity, spinning_age_ms)
from dos.kernel.runid import is_run_id, ts_ms_of
from dos.kernel.supervise import LaneLiveness, SupervisePolicy, SuperviseVerdict, WatchedRun, WatchVerdict
from dos.service.context import Context

SPAWN_PENDING_MS = 120_000  # a SPAWN without a lease yet keeps its lane pending this long


def commits_since(root: Any, sha: str) -> int:
    """Commits reachable from HEAD but not from SHA; an unknown SHA is an error, never '0 commits'."""
    from dos.git import run_git

    if sha.startswith("-") or not run_git(root, ["rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}"],
                                          check=False).strip():
        raise GitError(f"--start-sha {sha!r} is not a commit in {root}; pass the SHA the run started from")
    return int(run_git(root, ["rev-list", "--count", f"{sha}..HEAD"]).strip() or 0)


def find_lease(ctx: Context, *, lease_id: str = "", lane: str = "", loop_ts: str = "",
               run_id: str = "") -> Lease | None:
    """The lease a run holds: by id, by lane + loop_ts, or by run id; the view first, then the log."""

    def match(x: Lease) -> bool:
        if lease_id:
            return x.lease_id == lease_id
        if lane and loop_ts:
            return x.lane.casefold() == lane.casefold() and x.loop_ts == loop_ts
        return bool(run_id) and x.run_id == run_id

    if not (lease_id or (lane and loop_ts) or run_id):
        return None
    found = [x for x, _live in ctx.store.leases() if match(x)]
    if found:
        return max(found, key=lambda x: x.fence)
    for ev in reversed(ctx.store.events(ops=[Op.ACQUIRE])):
        raw = ev.data.get("lease") if isinstance(ev.data, dict) else None
        if isinstance(raw, dict):
            try:
                candidate = Lease.from_dict(raw)
            except (TypeError, ValueError):
                continue
            if match(candidate):
                return candidate
    return None


def lease_events(ctx: Context) -> list[Any]:
    """The log's progress and beat events (one read, shared by every lease being judged)."""
    return ctx.store.events(ops=sorted(PROGRESS_OPS | BEAT_OPS, key=str))


def lease_evidence(events: list[Any], lease: Lease, started: int, now: int) -> tuple[int, int | None]:
    """(events since start for this lease only, newest beat age) from the log and the view."""
    act = lease_activity(events, lease.lease_id, started, now)
    ages = [a for a in (act.last_beat_age_ms, max(0, now - lease.heartbeat_ms)) if a is not None]
    return act.events_since, (min(ages) if ages else None)


def process_alive(pid: int | None, pid_start: int | None, host: str) -> bool | None:
    """False only when the process ran on this host and is confirmed gone; else unknown."""
    from dos import procs

    if not pid:
        return None
    here = procs.host_id()
    return False if procs.holder_dead(pid, pid_start, host or here, here) else None


def run_start(run_id: str) -> int:
    """The start time a run id carries; UsageError for a string that is not a run id."""
    started = ts_ms_of(run_id)
    if started is None:
        raise UsageError(f"--run-id {run_id!r} is not a run id (RID- + 15 uppercase base-32 chars); "
                         f"mint one with `dos run-id mint PROCESS`")
    return started


def evidence_for(ctx: Context, *, run_id: str, now: int, start_sha: str = "", lease: Lease | None = None,
                 heartbeat_age: int | None = None, proc: bool = False, pid: int | None = None,
                 host: str = "", log: list[Any] | None = None) -> ProgressEvidence:
    """ProgressEvidence for RUN_ID: commits since START_SHA, LEASE's events and beats, the probe."""
    started = run_start(run_id)
    commits = commits_since(ctx.root, start_sha) if start_sha else 0
    events, beat = 0, None
    if lease is not None:
        events, beat = lease_evidence(lease_events(ctx) if log is None else log, lease, started, now)
    if heartbeat_age is not None:
        if heartbeat_age < 0:
            raise UsageError("--last-heartbeat-age-ms must be >= 0")
        beat = heartbeat_age
    alive = None
    if proc:
        if pid is not None:
            alive = process_alive(pid, None, host)
        elif lease is not None:
            alive = process_alive(lease.pid, lease.pid_start, lease.host_id)
    return ProgressEvidence(started, now, commits, events, beat, None, alive)


def liveness(ctx: Context, *, run_id: str, now: int | None = None, start_sha: str = "", lease_id: str = "",
             lane: str = "", loop_ts: str = "", heartbeat_age: int | None = None, proc: bool = True,
             pid: int | None = None, host: str = "",
             policy: LivenessPolicy = LivenessPolicy()) -> tuple[LivenessVerdict, Lease | None, int]:
    """(the run's liveness verdict, its lease or None, the time judged at)."""
    run_start(run_id)
    now = ctx.now_ms() if now is None else now
    lease = find_lease(ctx, lease_id=lease_id, lane=lane, loop_ts=loop_ts, run_id=run_id)
    ev = evidence_for(ctx, run_id=run_id, now=now, start_sha=start_sha, lease=lease,
                      heartbeat_age=heartbeat_age, proc=proc, pid=pid, host=host)
    verdict = classify(ev, policy)
    from dos.service.journal import record

    record(ctx, "liveness", verdict, run_id=run_id, lane=lane or (lease.lane if lease else ""),
           session=lease.session if lease else "", subject=loop_ts or lease_id)
    return verdict, lease, now


# --------------------------------------------------------------------------- the supervisor


def roster(ctx: Context, now: int) -> tuple[list[LaneLiveness], dict[str, Lease]]:
    """Every declared lane's liveness (then other held lanes), and the leases by id."""
    store = ctx.store
    tax = store.taxonomy
    policy = LivenessPolicy()
    names: list[str] = []
    for name in (*tax.concurrent, *tax.exclusive):
        if name.casefold() not in {r.casefold() for r in names}:
            names.append(name)
    held: dict[str, tuple[Lease, bool]] = {}
    for lease, live in store.leases():
        key = tax.canonical(lease.lane).casefold()
        if key not in held or lease.fence > held[key][0].fence:
            held[key] = (lease, live)
    spawns: dict[str, int] = {}
    for ev in store.events(ops=[Op.SPAWN]):
        spawns[ev.lane.casefold()] = max(spawns.get(ev.lane.casefold(), 0), ev.ts_ms)
    log = lease_events(ctx) if held else []
    known = {r.casefold() for r in names}
    names += [x.lane for x, _ in held.values() if tax.canonical(x.lane).casefold() not in known]
    out, by_id = [], {}
    for name in names:
        key = tax.canonical(name).casefold()
        tree = tax.tree_for(name)
        excl = tax.is_exclusive(name)
        if key not in held:
            pending = now - spawns.get(key, -10**15) < SPAWN_PENDING_MS
            out.append(LaneLiveness(name, None, tree, excl, pending))
            continue
        lease, live = held[key]
        by_id[lease.lease_id] = lease
        if not live:
            out.append(LaneLiveness(name, Liveness.STALLED, lease.tree, excl, lease_id=lease.lease_id,
                                    holder=lease.holder))
            continue
        events, beat = lease_evidence(log, lease, lease.acquired_ms, now)
        ev = ProgressEvidence(lease.acquired_ms, now, 0, events, beat)
        verdict = classify(ev, policy).verdict
        spin = spinning_age_ms(ev, policy) if verdict is Liveness.SPINNING else None
        out.append(LaneLiveness(name, verdict, lease.tree, excl or lease.lane_kind.casefold() == "global",
                                spinning_age_ms=spin, lease_id=lease.lease_id, holder=lease.holder))
    return out, by_id


def supervise_plan(ctx: Context, policy: SupervisePolicy, now: int | None = None) -> tuple[SuperviseVerdict,
                                                                                         dict[str, Lease]]:
    """The supervisor's plan now (emit-only), and the leases it names by id."""
    from dos.kernel.supervise import supervise

    lanes, leases = roster(ctx, ctx.now_ms() if now is None else now)
    return supervise(lanes, policy), leases


# --------------------------------------------------------------------------- the watchdog


_ISO = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?)(?::(.*))?$")


def parse_track(spec: str) -> dict[str, str]:
    """``RUN_ID[:SHA[:LANE[:LOOP_TS[:HANDLE]]]]`` as a dict; LOOP_TS may be an ISO time (it holds ':')."""
    head = spec.split(":", 3)
    loop_ts = handle = ""
    if len(head) == 4:
        m = _ISO.match(head[3])
        if m:
            loop_ts, handle = m.group(1), m.group(2) or ""
        else:
            loop_ts, _, handle = head[3].partition(":")
    if not head[0] or ":" in handle:
        raise UsageError(f"--track {spec!r}: expected RUN_ID[:SHA[:LANE[:LOOP_TS[:HANDLE]]]]")
    head += [""] * (3 - min(3, len(head)))
    return {"run_id": head[0], "sha": head[1], "lane": head[2], "loop_ts": loop_ts, "handle": handle}


def watched_runs(ctx: Context, now: int, tracks: Sequence[dict[str, str]], *, discover: bool,
                 budget_ms: int | None, command: str) -> list[WatchedRun]:
    """The watchdog's view of each tracked run (and, with DISCOVER, every live lease's run)."""
    tracks = list(tracks)
    if discover:
        for lease in ctx.store.live_leases():
            rid = lease.run_id if is_run_id(lease.run_id) else ""
            if not rid:
                continue  # a lease that names no run: nothing to watch (the reference skips it too)
            tracks.append({"run_id": rid or f"<lease {lease.lease_id}>", "sha": "", "lane": lease.lane,
                           "loop_ts": lease.loop_ts, "handle": str(lease.pid or ""), "lease_id": lease.lease_id})
    if not tracks:
        raise UsageError("no runs to watch: pass --track RUN_ID[:SHA[:LANE[:LOOP_TS[:HANDLE]]]] or --discover")
    halts: dict[str, int] = {}
    for ev in ctx.store.events(ops=[Op.HALT]):
        rid = str(ev.data.get("run_id", "")) if isinstance(ev.data, dict) else ""
        halts[rid] = max(halts.get(rid, 0), ev.ts_ms)
    runs = []
    log = lease_events(ctx)
    for t in tracks:
        rid = t["run_id"]
        if not is_run_id(rid):
            runs.append(WatchedRun(rid, None, "not a run id"))
            continue
        lease = find_lease(ctx, lease_id=t.get("lease_id", ""), lane=t["lane"], loop_ts=t["loop_ts"])
        ev = evidence_for(ctx, run_id=rid, now=now, start_sha=t["sha"], lease=lease, log=log)
        v = classify(ev)
        runs.append(WatchedRun(rid, v.verdict, v.reason, now - (ts_ms_of(rid) or now), t["lane"],
                               t["handle"] or rid, command, budget_ms, halts.get(rid)))
    return runs


def watch(ctx: Context, tracks: Sequence[dict[str, str]], *, discover: bool = False, budget_ms: int | None = None,
          command: str = "", repropose_ms: int = 1_800_000, record: bool = True,
          now: int | None = None) -> WatchVerdict:
    """The watchdog's plan; with RECORD each proposed halt is a HALT event (no signal is ever sent)."""
    from dos.kernel.supervise import watch_plan

    now = ctx.now_ms() if now is None else now
    plan = watch_plan(watched_runs(ctx, now, tracks, discover=discover, budget_ms=budget_ms, command=command),
                      now, repropose_ms=repropose_ms)
    if record:
        for r in plan.proposed_halts:
            why = "SPINNING (no forward delta)" if str(r.liveness) == "SPINNING" else "STALLED (hung past budget)"
            ctx.store.halt(r.handle, lane=r.lane, holder="watchdog", reason=f"watchdog: {why}",
                           run_id=r.run_id, command=r.command)
    return plan
