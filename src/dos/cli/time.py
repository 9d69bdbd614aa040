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

from dos.cli._args import pid
from dos.cli._output import add_json, print_json, print_verdict
from dos.errors import UsageError
from dos.exitcodes import exit_code


def _add_output(p: argparse.ArgumentParser) -> None:
    add_json(p)
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
    parser.add_argument("--pid", type=pid, default=None, help="probe this process (only ever demotes)")
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
    from dos.service.progress import liveness, run_start

    run_start(args.run_id)
    verdict, lease, _now = liveness(ctx.service, run_id=args.run_id, now=args.now_ms, start_sha=args.start_sha,
                                    lease_id=args.lease_id, lane=args.lane, loop_ts=args.loop_ts,
                                    heartbeat_age=args.last_heartbeat_age_ms, proc=not args.no_proc,
                                    pid=args.pid, host=args.host_id, policy=_policy(args))
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
    from dos.service.progress import supervise_plan

    policy = _supervise_policy(ctx.config, args)
    if args.interval <= 0:
        raise UsageError("--interval must be > 0 seconds")
    ticks = 0
    while True:
        verdict, leases = supervise_plan(ctx.service, policy, args.now_ms)
        if _wants_json(args):
            print_json(verdict.to_dict())
        else:
            _print_plan(verdict, leases)
        sys.stdout.flush()
        ticks += 1
        if not args.watch or (args.max_ticks is not None and ticks >= args.max_ticks):
            return exit_code("loop", str(verdict.verdict))
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


def run_watch(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.progress import parse_track, watch

    tracks = [parse_track(s) for s in args.track]
    if args.interval <= 0:
        raise UsageError("--interval must be > 0 seconds")
    ticks = 0
    while True:
        plan = watch(ctx.service, tracks, discover=args.discover, budget_ms=args.budget_ms,
                     command=args.command, repropose_ms=args.repropose_ms, record=not args.no_record,
                     now=args.now_ms)
        _print_watch(plan, _wants_json(args))
        ticks += 1
        if not args.watch or (args.max_ticks is not None and ticks >= args.max_ticks):
            return exit_code("watch", "planned")
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
