"""The time verbs: ``dos liveness``, ``dos loop`` and ``dos watch``.

Evidence comes from git (commits since a start SHA) and from the store (lease events
counted per lease identity, heartbeats, SPAWN and HALT records); the verdicts are the
kernel's. ``loop`` only prints a plan; ``watch`` records HALT proposals and never signals.
"""

from __future__ import annotations

import argparse
import sys
import time as _time
from typing import Any

from dos.cli._output import print_json, print_verdict
from dos.errors import UsageError
from dos.exitcodes import exit_code
from dos.progress import evidence_for, find_lease, lease_events, lease_evidence, run_start

SPAWN_PENDING_MS = 120_000  # a SPAWN without a lease yet keeps its lane pending this long


def _wall_ms() -> int:
    return _time.time_ns() // 1_000_000


def _store(ctx: Any):
    from dos.store import open_store

    return open_store(ctx.workspace, ctx.config)


def _add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.add_argument("--output", choices=("text", "json"), default=None, help="renderer (json = --json)")
    p.add_argument("--now-ms", type=int, default=None, help="evaluate at this epoch ms (default: now)")


def _wants_json(args: argparse.Namespace) -> bool:
    return bool(args.json or args.output == "json")


# --------------------------------------------------------------------------- liveness


def configure_liveness(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-id", required=True, help="the run's id (RID-...); its time is the run's start")
    parser.add_argument("--start-sha", default="", help="count commits since this SHA")
    parser.add_argument("--last-heartbeat-age-ms", type=int, default=None,
                        help="override the heartbeat age (0 is honoured)")
    parser.add_argument("--lane", default="", help="with --loop-ts: the lease whose events count")
    parser.add_argument("--loop-ts", default="")
    parser.add_argument("--lease-id", default="", help="the lease whose events count")
    parser.add_argument("--pid", type=int, default=None, help="probe this process (only ever demotes)")
    parser.add_argument("--host-id", default="", help="the host the pid runs on (default: this host)")
    parser.add_argument("--no-proc", action="store_true", help="skip the process probe")
    parser.add_argument("--grace-ms", type=int, default=None, help="too-young window (default 30 min)")
    parser.add_argument("--spin-ms", type=int, default=None, help="heartbeat freshness window (default 15 min)")
    _add_output(parser)


def _policy(args: argparse.Namespace):
    from dos.kernel.liveness import LivenessPolicy

    base = LivenessPolicy()
    try:
        return LivenessPolicy(grace_ms=base.grace_ms if args.grace_ms is None else args.grace_ms,
                              spin_ms=base.spin_ms if args.spin_ms is None else args.spin_ms)
    except ValueError as exc:
        raise UsageError(f"{exc}; pass a window of 0 or more ms") from None


def run_liveness(args: argparse.Namespace, ctx: Any) -> int:
    from dos.kernel.liveness import classify

    run_start(args.run_id)
    policy = _policy(args)
    with _store(ctx) as store:
        now = args.now_ms if args.now_ms is not None else _wall_ms()
        lease = find_lease(store, lease_id=args.lease_id, lane=args.lane, loop_ts=args.loop_ts,
                            run_id=args.run_id)
        ev = evidence_for(store, ctx.workspace.root, run_id=args.run_id, now=now, start_sha=args.start_sha,
                          lease=lease, heartbeat_age=args.last_heartbeat_age_ms, proc=not args.no_proc,
                          pid=args.pid, host=args.host_id)
    verdict = classify(ev, policy)
    if _wants_json(args):
        out = verdict.to_dict()
        out["lease_id"] = lease.lease_id if lease is not None else None
        print_json(out)
    else:
        print_verdict(str(verdict.verdict), verdict.reason, good=verdict.verdict == "ADVANCING")
    return exit_code("liveness", str(verdict.verdict))


# --------------------------------------------------------------------------- loop


def configure_loop(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", type=int, default=None, help="live workers wanted (default [supervise] target)")
    parser.add_argument("--max-concurrency", type=int, default=None, help="never plan more live workers than this")
    parser.add_argument("--watch", action="store_true", help="re-plan every --interval seconds")
    parser.add_argument("--interval", type=float, default=30.0)
    parser.add_argument("--max-ticks", type=int, default=None, help="with --watch: stop after N plans")
    _add_output(parser)


def _supervise_policy(cfg: Any, args: argparse.Namespace):
    from dos.kernel.supervise import SupervisePolicy

    sv = cfg.supervise
    halt_ms = sv.spin_halt_after_ms or (int(sv.spin_halt_after_minutes * 60_000) if sv.spin_halt_after_minutes else 0)
    max_conc = args.max_concurrency if args.max_concurrency is not None else (sv.max_concurrency or None)
    try:
        return SupervisePolicy(target=sv.target if args.target is None else args.target,
                               count_spinning_as_alive=sv.count_spinning_as_alive, reap_stalled=sv.reap_stalled,
                               spin_halt_after_ms=halt_ms or None,
                               worker_launch_template=sv.worker_launch_template, max_concurrency=max_conc)
    except ValueError as exc:
        raise UsageError(f"{exc} (--target/--max-concurrency or [supervise])") from None


def gather_lanes(store: Any, now: int) -> tuple[list[Any], dict[str, Any]]:
    """The roster's LaneLiveness (roster lanes, then other held lanes) and the leases by id."""
    from dos.kernel.lease import Op
    from dos.kernel.liveness import Liveness, LivenessPolicy, ProgressEvidence, classify, spinning_age_ms
    from dos.kernel.supervise import LaneLiveness

    tax = store.taxonomy
    policy = LivenessPolicy()
    roster: list[str] = []
    for name in (*tax.concurrent, *tax.exclusive):
        if name.casefold() not in {r.casefold() for r in roster}:
            roster.append(name)
    held: dict[str, Any] = {}
    for lease, live in store.leases():
        key = tax.canonical(lease.lane).casefold()
        if key not in held or lease.fence > held[key][0].fence:
            held[key] = (lease, live)
    spawns: dict[str, int] = {}
    for ev in store.events(ops=[Op.SPAWN]):
        spawns[ev.lane.casefold()] = max(spawns.get(ev.lane.casefold(), 0), ev.ts_ms)
    out, by_id = [], {}
    log = lease_events(store) if held else []
    names = roster + [x.lane for x, _ in held.values() if tax.canonical(x.lane).casefold() not in
                      {r.casefold() for r in roster}]
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


def _print_plan(verdict: Any, leases: dict[str, Any]) -> None:
    w = sys.stdout.write
    w(f"SUPERVISE {verdict.verdict}: alive {verdict.alive}/{verdict.target}, admissible {verdict.admissible}\n")
    w(f"{verdict.reason}\n")
    for p in verdict.reap:
        w(f"reap {p.lane}  ({p.reason}; holder {p.holder or '?'}, lease {p.lease_id})\n")
    for p in verdict.spawn:
        w(f"spawn {p.lane}  — {p.reason}\n")
    for p in verdict.flag:
        w(f"flag {p.lane}  ({p.reason})\n")
    for p in verdict.proposed_halt:
        lease = leases.get(p.lease_id)
        handle = (lease.run_id or (str(lease.pid) if lease.pid else "")) if lease else ""
        w(f"propose-halt {p.lane}  ({p.reason}) — enact with: dos halt --handle {handle or '<handle>'} "
          f"--lane {p.lane}\n")


def run_loop(args: argparse.Namespace, ctx: Any) -> int:
    from dos.kernel.supervise import supervise

    policy = _supervise_policy(ctx.config, args)
    if args.interval <= 0:
        raise UsageError("--interval must be > 0 seconds")
    ticks = 0
    with _store(ctx) as store:
        while True:
            now = args.now_ms if args.now_ms is not None else _wall_ms()
            lanes, leases = gather_lanes(store, now)
            verdict = supervise(lanes, policy)
            if _wants_json(args):
                print_json(verdict.to_dict())
            else:
                _print_plan(verdict, leases)
            sys.stdout.flush()
            ticks += 1
            if not args.watch or (args.max_ticks is not None and ticks >= args.max_ticks):
                return 0
            _time.sleep(args.interval)


# --------------------------------------------------------------------------- watch


def configure_watch(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--track", action="append", default=[], metavar="RUN[:SHA[:LANE[:LOOP_TS[:HANDLE]]]]",
                        help="a run to watch (repeatable)")
    parser.add_argument("--discover", action="store_true", help="also watch every live lease's run")
    parser.add_argument("--budget-ms", type=int, default=None, help="a STALLED run younger than this is left alone")
    parser.add_argument("--command", default="", help="the stop command recorded with each HALT")
    parser.add_argument("--repropose-ms", type=int, default=1_800_000, help="at most one HALT per run per window")
    parser.add_argument("--no-record", action="store_true", help="print the plan without recording HALTs")
    parser.add_argument("--watch", action="store_true", help="re-plan every --interval seconds")
    parser.add_argument("--interval", type=float, default=300.0)
    parser.add_argument("--max-ticks", type=int, default=None, help="with --watch: stop after N plans")
    _add_output(parser)


def _parse_track(spec: str) -> dict[str, str]:
    parts = spec.split(":")
    if len(parts) > 5 or not parts[0]:
        raise UsageError(f"--track {spec!r}: expected RUN_ID[:SHA[:LANE[:LOOP_TS[:HANDLE]]]]")
    keys = ("run_id", "sha", "lane", "loop_ts", "handle")
    return {k: (parts[i] if i < len(parts) else "") for i, k in enumerate(keys)}


def _watched(store: Any, root: Any, now: int, args: argparse.Namespace) -> list[Any]:
    from dos.kernel.lease import Op
    from dos.kernel.liveness import classify
    from dos.kernel.runid import is_run_id, ts_ms_of
    from dos.kernel.supervise import WatchedRun

    tracks = [_parse_track(s) for s in args.track]
    if args.discover:
        for lease in store.live_leases():
            rid = lease.run_id if is_run_id(lease.run_id) else lease.loop_ts
            tracks.append({"run_id": rid or f"<lease {lease.lease_id}>", "sha": "", "lane": lease.lane,
                           "loop_ts": lease.loop_ts, "handle": str(lease.pid or ""), "lease_id": lease.lease_id})
    if not tracks:
        raise UsageError("no runs to watch: pass --track RUN_ID[:SHA[:LANE[:LOOP_TS[:HANDLE]]]] or --discover")
    halts: dict[str, int] = {}
    for ev in store.events(ops=[Op.HALT]):
        rid = str(ev.data.get("run_id", "")) if isinstance(ev.data, dict) else ""
        halts[rid] = max(halts.get(rid, 0), ev.ts_ms)
    runs = []
    log = lease_events(store)
    for t in tracks:
        rid = t["run_id"]
        if not is_run_id(rid):
            runs.append(WatchedRun(rid, None, "not a run id"))
            continue
        lease = find_lease(store, lease_id=t.get("lease_id", ""), lane=t["lane"], loop_ts=t["loop_ts"])
        ev = evidence_for(store, root, run_id=rid, now=now, start_sha=t["sha"], lease=lease, log=log)
        v = classify(ev)
        runs.append(WatchedRun(rid, v.verdict, v.reason, now - (ts_ms_of(rid) or now), t["lane"],
                               t["handle"] or rid, args.command, args.budget_ms, halts.get(rid)))
    return runs


def run_watch(args: argparse.Namespace, ctx: Any) -> int:
    from dos.kernel.supervise import watch_plan

    for spec in args.track:
        _parse_track(spec)
    if args.interval <= 0:
        raise UsageError("--interval must be > 0 seconds")
    ticks = 0
    with _store(ctx) as store:
        while True:
            now = args.now_ms if args.now_ms is not None else _wall_ms()
            plan = watch_plan(_watched(store, ctx.workspace.root, now, args), now, repropose_ms=args.repropose_ms)
            if not args.no_record:
                for r in plan.proposed_halts:
                    why = "SPINNING (no forward delta)" if str(r.liveness) == "SPINNING" else "STALLED (hung past budget)"
                    store.halt(r.handle, lane=r.lane, holder="watchdog", reason=f"watchdog: {why}",
                               run_id=r.run_id, command=r.command)
            _print_watch(plan, _wants_json(args))
            ticks += 1
            if not args.watch or (args.max_ticks is not None and ticks >= args.max_ticks):
                return 0
            _time.sleep(args.interval)


def _print_watch(plan: Any, as_json: bool) -> None:
    if as_json:
        print_json(plan.to_dict())
        return
    w = sys.stdout.write
    w(f"WATCH {plan.watched} run(s): {len(plan.advancing)} advancing, {len(plan.spinning)} spinning, "
      f"{len(plan.proposed_halts)} halt proposed\n")
    for r in plan.proposed_halts:
        cmd = f" — stop with: {r.command}" if r.command else ""
        w(f"  HALT proposed: {r.run_id} ({r.lane or 'no lane'}, handle {r.handle}) — {r.liveness}: {r.reason}{cmd}\n")
    for rid in plan.stalled_within_budget:
        w(f"  stalled-within-budget: {rid}\n")
    for rid in plan.skipped:
        w(f"  skipped: {rid} (not a run id)\n")
    sys.stdout.flush()
