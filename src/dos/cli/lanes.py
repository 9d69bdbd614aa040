"""Lane verbs: arbitrate, lease-lane, halt, lease (the archive lock), journal, id-alloc, run-id.

Each verb parses, makes one store call, prints JSON (sorted keys, ASCII) and exits with
its verdict's code. Store faults surface as one-line errors with their own exit codes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from dos.cli._args import count, non_negative_seconds, pid, seconds
from dos.cli._output import add_pretty, print_json
from dos.errors import InputError, UsageError
from dos.exitcodes import OK, exit_code


def _request(args: argparse.Namespace, holder: str = ""):
    from dos.service.leases import request

    return request(args.lane, args.kind, _flat(args.tree), holder=holder, mode=args.mode)


def _flat(values: Any) -> list[str]:
    """A list flag given as ``--tree A B`` or ``--tree A --tree B`` (or both): every value, in order.

    A bare ``--tree`` (no glob) is an explicit empty tree: an unknown region, as in the reference.
    """
    out: list[str] = []
    for v in values or ():
        out.extend(v if isinstance(v, list) else [v])
    if values and not out:
        return [""]
    return out


def _emit(obj: Any, args: argparse.Namespace) -> None:
    print_json(obj, pretty=getattr(args, "pretty", False))


def _add_request_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lane", default="", help="the lane to take (none: auto-pick a free cluster lane)")
    p.add_argument("--kind", default="", help="cluster, keyword, global or an exclusive lane name")
    p.add_argument("--tree", nargs="*", action="append", default=[], metavar="GLOB",
                   help="the region (default: the lane's tree); repeatable")
    p.add_argument("--mode", choices=("exclusive", "shared"), default="exclusive",
                   help="shared holders may coexist with each other; exclusive stands alone")
    p.add_argument("--leases", default=None, metavar="JSON", help="extra live leases as a JSON list")
    p.add_argument("--force", action="store_true", help="skip policy predicates (never a live overlap)")
    add_pretty(p)


# --------------------------------------------------------------------------- arbitrate


def configure_arbitrate(parser: argparse.ArgumentParser) -> None:
    _add_request_flags(parser)
    parser.add_argument("--explain", action="store_true", help="add a GO/STOP line on stderr")


def run_arbitrate(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.leases import arbitrate

    decision = arbitrate(ctx.service, _request(args), leases=args.leases, force=args.force).decision
    _emit(decision.to_dict(), args)
    if args.explain:
        sys.stderr.write(f"{'GO' if decision.granted else 'STOP'} — {decision.reason}\n")
    return exit_code("arbitrate", decision.outcome)


# --------------------------------------------------------------------------- lease-lane


def configure_lease_lane(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("acquire", help="arbitrate and take a lane (0 granted, 1 refused)")
    _add_request_flags(p)
    _owner_flags(p, required=True)
    p.add_argument("--ttl-seconds", type=seconds, default=None, help="lease TTL (default [store] lease_ttl_s)")
    p.add_argument("--pid", type=pid, default=None, help="the worker's pid: its death on this host frees the lease early (default: none, TTL only)")
    p.add_argument("--run-id", default=None, help="default $CID_RUN_ID or $DISPATCH_RUN_ID")
    p.add_argument("--loop-ts", default="")
    p.add_argument("--retries", type=int, default=5, help="accepted for compatibility; writers queue instead")
    p.add_argument("--retry-interval", type=float, default=0.2, help="accepted for compatibility")

    p = sub.add_parser("release", help="release your own lease (0 released, 1 not held)")
    p.add_argument("--lane", default="")
    p.add_argument("--lease-id", default="")
    _owner_flags(p, required=False)
    p.add_argument("--loop-ts", default="")
    add_pretty(p)

    p = sub.add_parser("heartbeat", help="refresh your own live lease (0 beaten, 1 not held)")
    p.add_argument("--lane", default="")
    p.add_argument("--lease-id", default="")
    _owner_flags(p, required=True)
    p.add_argument("--loop-ts", default="")
    p.add_argument("--coalesce-within-s", type=non_negative_seconds, default=0.0, help="skip the write within N s of the last beat")
    add_pretty(p)

    p = sub.add_parser("adopt", help="hand a lane's lease to a new holder (new fence)")
    p.add_argument("--lane", required=True)
    p.add_argument("--lease-id", default="")
    _owner_flags(p, required=True)
    p.add_argument("--pid", type=pid, default=None)
    add_pretty(p)

    p = sub.add_parser("spawn", help="record the intent to take a lane (grants nothing)")
    p.add_argument("--lane", required=True)
    p.add_argument("--owner", default="")
    p.add_argument("--loop-ts", default="")
    p.add_argument("--run-id", default=None)
    p.add_argument("--reason", default="")
    add_pretty(p)

    p = sub.add_parser("live", help="the live leases as JSON")
    p.add_argument("--all", action="store_true", help="also expired leases not yet scavenged, with 'live'")
    add_pretty(p)


def _owner_flags(p: argparse.ArgumentParser, *, required: bool) -> None:
    p.add_argument("--owner", required=required, default=None, help="the holder's name")
    p.add_argument("--session", default="", help="the agent host's session id")


def _run_id(args: argparse.Namespace) -> str:
    from dos.service.leases import run_id_from_env

    return run_id_from_env(args.run_id)


def run_lease_lane(args: argparse.Namespace, ctx: Any) -> int:
    return _LEASE_LANE[args.action](args, ctx)


def _acquire(args: argparse.Namespace, ctx: Any) -> int:
    if args.pid is not None:
        from dos.procs import is_running

        if not is_running(args.pid):
            raise UsageError(f"--pid {args.pid} is not a running process on this host; pass the worker's pid")
    from dos.service import leases

    run_id = _run_id(args)
    got = leases.acquire(ctx.service, _request(args, args.owner), holder=args.owner, session=args.session,
                         ttl_ms=None if args.ttl_seconds is None else int(args.ttl_seconds * 1000),
                         pid=args.pid, run_id=run_id, loop_ts=args.loop_ts, force=args.force,
                         leases=args.leases)
    out = got.to_dict()
    out.update(journaled=got.granted, owner=args.owner, session=args.session)
    if run_id:
        out["run_id"] = run_id
    _emit(out, args)
    return exit_code("lease-lane acquire", got.decision.outcome)


def _release(args: argparse.Namespace, ctx: Any) -> int:
    if args.owner is None and not args.lease_id:
        raise UsageError("lease-lane release needs --owner (or --lease-id)")
    if not args.lane and not args.lease_id:
        raise UsageError("lease-lane release needs --lane or --lease-id")
    from dos.service.leases import release

    lease = release(ctx.service, holder=args.owner, lane=args.lane, lease_id=args.lease_id)
    _emit({"lane": lease.lane if lease else args.lane, "owner": args.owner, "released": lease is not None,
           "lease_id": lease.lease_id if lease else None}, args)
    return exit_code("lease-lane release", "released" if lease else "not_held")


def _heartbeat(args: argparse.Namespace, ctx: Any) -> int:
    if not args.lane and not args.lease_id:
        raise UsageError("lease-lane heartbeat needs --lane or --lease-id")
    from dos.service.leases import heartbeat

    lease = heartbeat(ctx.service, holder=args.owner, lane=args.lane, lease_id=args.lease_id,
                      coalesce_ms=int(args.coalesce_within_s * 1000))
    _emit({"beat": lease is not None, "lane": lease.lane if lease else args.lane, "owner": args.owner,
           "lease_id": lease.lease_id if lease else None,
           "expires_ms": lease.expires_ms if lease else None}, args)
    return exit_code("lease-lane heartbeat", "beaten" if lease else "not_held")


def _adopt(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.leases import adopt

    lease = adopt(ctx.service, lane=args.lane, holder=args.owner, lease_id=args.lease_id, session=args.session,
                  pid=args.pid)
    _emit({"adopted": lease is not None, "lane": args.lane, "owner": args.owner,
           "lease_id": lease.lease_id if lease else None, "fence": lease.fence if lease else None}, args)
    return exit_code("lease-lane adopt", "adopted" if lease else "not_held")


def _spawn(args: argparse.Namespace, ctx: Any) -> int:
    loop_ts = args.loop_ts or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    from dos.service.leases import spawn

    event = spawn(ctx.service, args.lane, holder=args.owner, run_id=_run_id(args), reason=args.reason,
                  loop_ts=loop_ts)
    _emit({"holder": event.holder, "lane": args.lane, "loop_ts": loop_ts, "recorded": True,
           "seq": event.seq}, args)
    return OK


def _live(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.leases import ref_lease

    from dos.service.leases import leases

    rows = leases(ctx.service, include_expired=args.all)
    out = [{**ref_lease(x), "live": alive} if args.all else ref_lease(x) for x, alive in rows]
    _emit(out, args)
    return OK


_LEASE_LANE = {"acquire": _acquire, "release": _release, "heartbeat": _heartbeat, "adopt": _adopt,
               "spawn": _spawn, "live": _live}


# --------------------------------------------------------------------------- halt


def configure_halt(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--handle", required=True, help="the worker's pid or run handle")
    parser.add_argument("--lane", default="")
    parser.add_argument("--loop-ts", default="")
    parser.add_argument("--owner", default="")
    parser.add_argument("--reason", default="")
    parser.add_argument("--run-id", default="")
    parser.add_argument("--command", default="", help="the command an operator would run to stop it")
    parser.add_argument("--resumable", action="store_true", help="mark the halt as a suspension")
    parser.add_argument("--resume-sha", default="")
    add_pretty(parser)


def run_halt(args: argparse.Namespace, ctx: Any) -> int:
    extra: dict[str, Any] = {}
    suspends = args.resumable and bool(args.run_id)  # a suspension is keyed by the run it suspends
    if suspends:
        extra = {"suspended": True, "resume_sha": args.resume_sha}
    from dos.service.leases import halt

    event = halt(ctx.service, args.handle, lane=args.lane, holder=args.owner, reason=args.reason,
                 run_id=args.run_id, command=args.command, loop_ts=args.loop_ts, extra=extra)
    out = {"command": args.command or None, "handle": args.handle, "lane": event.lane,
           "loop_ts": event.data.get("loop_ts", ""), "recorded": True, "seq": event.seq}
    if suspends:
        from dos.service.intents import suspend

        parked = suspend(ctx.service, args.run_id, reason=args.reason or f"halt:{args.owner or args.handle}",
                         resume_sha=args.resume_sha, operator=args.owner or "halt")
        out.update(suspended=parked.verdict == "SUSPENDED", suspend_note=parked.reason)
    elif args.resumable:
        out.update(suspended=False, suspend_note="--resumable needs --run-id (the run to suspend); recorded a "
                                                 "plain HALT only")
    _emit(out, args)
    return exit_code("halt", "recorded")


# --------------------------------------------------------------------------- lease (archive lock)


def configure_lease(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("acquire", help="take the archive lock (0 acquired, 1 busy)")
    p.add_argument("owner")
    p.add_argument("--retries", type=count, default=5)
    p.add_argument("--retry-interval", type=float, default=2.0)
    p.add_argument("--ttl-seconds", type=seconds, default=300.0)
    p = sub.add_parser("release", help="release the archive lock")
    p.add_argument("owner")
    p.add_argument("--force", action="store_true")
    p = sub.add_parser("status", help="free, held or stale")
    p.add_argument("--ttl-seconds", type=seconds, default=None, help="accepted for compatibility: a lock "
                   "records its own TTL when taken")


def run_lease(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service import leases

    if args.action == "status":
        st = leases.lock_status(ctx.service)
        print(st.status if st.status == "free" else f"{st.status} {st.owner} age={st.age_ms // 1000}s")
        return exit_code("lease status", st.status)
    if args.action == "release":
        st = leases.lock_release(ctx.service, args.owner, force=args.force)
        if st.status == "mismatch":
            sys.stderr.write(f"WARN: the archive lock is held by {st.owner}, not {args.owner}; "
                             f"not released (use --force)\n")
        elif st.status == "no-lock":
            print("released (no-lock)")
        elif st.status == "force-released":
            print(f"force-released (was: {st.owner})")
        else:
            print(f"released {args.owner}")
        return exit_code("lease release", st.status.replace("-", "_"))
    st = leases.lock_acquire(ctx.service, args.owner, ttl_ms=int(args.ttl_seconds * 1000), retries=args.retries,
                             retry_interval_s=args.retry_interval)
    if st.status == "busy":
        sys.stderr.write(f"busy {st.owner} age={st.age_ms // 1000}s\n")
        return exit_code("lease acquire", "busy")
    if st.status == "re-entrant":
        from dos.service.leases import iso

        print(f"re-entrant {args.owner} prev-acquired-at={iso(st.prev_acquired_ms or 0)}")
    elif st.status == "stole-stale":
        print(f"stole-stale {args.owner} age={st.age_ms // 1000}s")
    else:
        print(f"acquired {args.owner}")
    return exit_code("lease acquire", "acquired")


# --------------------------------------------------------------------------- journal


def configure_journal(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("tail", help="the last N events as JSONL (default 20; 0 for all)")
    p.add_argument("n", nargs="?", type=int, default=20)
    sub.add_parser("replay", help="the leases the log folds to, as JSON")
    sub.add_parser("seq", help="the highest seq written")
    p = sub.add_parser("compact", help="fold mutating events into one CHECKPOINT (replay unchanged)")
    p.add_argument("--verdicts", action="store_true", help="apply [retention] to the verdict journal instead: "
                   "fold old rows into a signed-off checkpoint the chain verifies through")
    p.add_argument("--keep-last", type=int, default=None, metavar="N", help="with --verdicts: keep the newest N rows")
    p.add_argument("--max-age-days", type=float, default=None, metavar="D",
                   help="with --verdicts: fold rows older than D days")
    p = sub.add_parser("export", help="the whole log as reference lane-journal JSONL")
    p.add_argument("--output", "-o", default="-", help="a file (default: stdout)")
    p.add_argument("--verdicts", action="store_true",
                   help="instead: the verdict journal as the reference's verdict-journal.jsonl records")
    p.add_argument("--intent", default="", metavar="RID", help="instead: run RID's intent ledger as intent.jsonl")
    p = sub.add_parser("import", help="append a reference lane-journal.jsonl (all or nothing)")
    p.add_argument("file", help="the JSONL file, or - for stdin")
    p.add_argument("--intent", action="store_true", help="the file is a run's intent.jsonl (a reference run dir's)")
    p.add_argument("--run-id", default="", help="with --intent: the run it belongs to (default: its records')")
    p = sub.add_parser("verify", help="check the verdict journal's hash chain; name the first broken link "
                                      "(0 intact, 1 broken)")
    p.add_argument("--json", action="store_true", help="the verdict as JSON")


def run_journal(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service import leases

    svc = ctx.service
    if args.action == "tail":
        for rec in leases.journal_tail(svc, args.n):
            sys.stdout.write(leases.record_line(rec) + "\n")
    elif args.action == "replay":
        print_json(leases.journal_replay(svc), pretty=True)
    elif args.action == "seq":
        print(svc.store.seq())
    elif args.action == "compact" and args.verdicts:
        from dos.service import journal

        if any(v is not None and v < 0 for v in (args.keep_last, args.max_age_days)):
            raise UsageError("--keep-last and --max-age-days must be 0 or more")
        print_json(journal.compact(svc, keep_last=args.keep_last, max_age_days=args.max_age_days))
    elif args.action == "compact":
        if args.keep_last is not None or args.max_age_days is not None:
            raise UsageError("--keep-last and --max-age-days go with --verdicts")
        print_json(svc.store.compact())
    elif args.action == "verify":
        return _journal_verify(args, svc)
    elif args.action == "export":
        if args.verdicts:
            from dos.service.journal import export_lines

            lines = export_lines(svc)
        elif args.intent:
            from dos.service.intents import export_ledger

            lines = export_ledger(svc, args.intent)
        else:
            lines = leases.journal_export(svc)
        if args.output == "-":
            sys.stdout.writelines(lines)
        else:
            leases.write_atomically(args.output, lines)
    elif args.intent:
        from dos.service.intents import import_ledger

        hint = os.path.basename(os.path.dirname(os.path.abspath(args.file))) if args.file != "-" else ""
        print_json(import_ledger(svc, _read_input(args.file), run_id=args.run_id, hint=hint))
    else:
        print_json(leases.journal_import(svc, _read_input(args.file)))
    return OK


def _journal_verify(args: argparse.Namespace, svc: Any) -> int:
    from dos.cli._output import print_verdict
    from dos.service.journal import verify

    check = verify(svc)
    if args.json:
        print_json(check.to_dict(), pretty=True)
    else:
        print_verdict(check.token, check.reason, good=check.token != "BROKEN")
        for p in check.evidence["problems"][1:10]:
            sys.stdout.write(f"  seq {p['seq']}: {p['problem']}\n")
    return exit_code("journal verify", check.token)


def _read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


# --------------------------------------------------------------------------- id-alloc, run-id


def configure_id_alloc(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("allocate", help="the next id in SCOPE (never handed out twice)")
    p.add_argument("scope")
    p.add_argument("--start", type=int, default=1)
    p = sub.add_parser("peek", help="the last id handed out in SCOPE (null if none)")
    p.add_argument("scope")


def run_id_alloc(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service import leases

    if args.action == "allocate":
        value: int | None = leases.allocate_id(ctx.service, args.scope, start=args.start)
    else:
        value = leases.peek_id(ctx.service, args.scope)
    print_json({"id": value, "scope": args.scope})
    return OK


def configure_run_id(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("mint", help="mint a run id for PROCESS")
    p.add_argument("process")
    p.add_argument("--parent", default="")
    p.add_argument("--root", default="")


def run_run_id(args: argparse.Namespace, ctx: Any) -> int:
    from dos.kernel import runid

    if args.parent and not runid.is_run_id(args.parent):
        sys.stderr.write(f"warning: --parent {args.parent!r} is not a run id; recorded as given, and the run is "
                         f"its own root\n")
    try:
        rid = runid.mint(args.process, time.time_ns() // 1_000_000, int.from_bytes(os.urandom(4), "big"),
                         pid=os.getpid(), parent=args.parent or None, root=args.root or None)
    except ValueError as exc:
        raise UsageError(f"run-id mint: {exc}") from None
    print_json(rid.to_dict(), pretty=True)
    return OK
