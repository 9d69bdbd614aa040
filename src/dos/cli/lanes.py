"""Lane verbs: arbitrate, lease-lane, halt, lease (the archive lock), journal, id-alloc, run-id.

Each verb parses, makes one store call, prints JSON (sorted keys, ASCII) and exits with
its verdict's code. Store faults surface as one-line errors with their own exit codes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from dos.cli._output import print_json
from dos.errors import InputError, UsageError
from dos.exitcodes import exit_code


def _store(ctx: Any):
    from dos.store import open_store

    return open_store(ctx.workspace, ctx.config)


def _request(args: argparse.Namespace, holder: str = ""):
    from dos.kernel.lanes import LaneRequest
    from dos.kernel.tree import LockMode

    return LaneRequest(lane=args.lane or "", kind=args.kind or "", tree=tuple(args.tree or ()),
                       holder=holder, mode=LockMode(args.mode))


def _given_leases(text: str, now_ms: int) -> list[Any]:
    """``--leases JSON``: a list of lease objects (reference shape accepted) as kernel Leases."""
    from dos.kernel.lease import Lease
    from dos.kernel.tree import LockMode

    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"--leases is not valid JSON ({exc.msg} at column {exc.colno})") from None
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise InputError("--leases must be a JSON list of lease objects")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InputError(f"--leases item {i}: must be an object, got {type(item).__name__}")
        tree = item.get("tree") or []
        if not isinstance(tree, list) or not all(isinstance(t, str) for t in tree):
            raise InputError(f"--leases item {i}: 'tree' must be a list of strings")
        for key in ("lane", "lane_kind", "holder", "loop_ts"):
            if not isinstance(item.get(key, ""), (str, type(None))):
                raise InputError(f"--leases item {i}: '{key}' must be a string")
        mode = item.get("mode") or "exclusive"
        if mode not in ("shared", "exclusive"):
            raise InputError(f"--leases item {i}: 'mode' must be 'shared' or 'exclusive'")
        out.append(Lease(lease_id=str(item.get("lease_id") or f"given-{i}"), fence=0,
                         lane=item.get("lane") or "", lane_kind=item.get("lane_kind") or "",
                         tree=tuple(tree), holder=item.get("holder") or "", acquired_ms=now_ms,
                         heartbeat_ms=now_ms, ttl_ms=10**12, mode=LockMode(mode),
                         loop_ts=item.get("loop_ts") or ""))
    return out


def _emit(obj: Any, args: argparse.Namespace) -> None:
    print_json(obj, pretty=getattr(args, "pretty", False))


def _add_request_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lane", default="", help="the lane to take (none: auto-pick a free cluster lane)")
    p.add_argument("--kind", default="", help="cluster, keyword, global or an exclusive lane name")
    p.add_argument("--tree", nargs="*", default=[], metavar="GLOB", help="the region (default: the lane's tree)")
    p.add_argument("--mode", choices=("exclusive", "shared"), default="exclusive",
                   help="shared holders may coexist with each other; exclusive stands alone")
    p.add_argument("--leases", default=None, metavar="JSON", help="extra live leases as a JSON list")
    p.add_argument("--force", action="store_true", help="skip policy predicates (never a live overlap)")
    p.add_argument("--pretty", action="store_true", help="indent the JSON")


# --------------------------------------------------------------------------- arbitrate


def configure_arbitrate(parser: argparse.ArgumentParser) -> None:
    _add_request_flags(parser)
    parser.add_argument("--explain", action="store_true", help="add a GO/STOP line on stderr")


def run_arbitrate(args: argparse.Namespace, ctx: Any) -> int:
    from dos.kernel.arbiter import arbitrate

    store = _store(ctx)
    with store:
        now = store.now_ms()
        live = _given_leases(args.leases, now) if args.leases is not None else store.live_leases()
        decision = arbitrate(_request(args), live, store.taxonomy, predicates=store.predicates,
                             force=args.force)
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
    p.add_argument("--ttl-seconds", type=float, default=None, help="lease TTL (default [store] lease_ttl_s)")
    p.add_argument("--pid", type=int, default=None, help="the worker's pid: its death on this host frees the lease early (default: none, TTL only)")
    p.add_argument("--run-id", default=None, help="default $CID_RUN_ID or $DISPATCH_RUN_ID")
    p.add_argument("--loop-ts", default="")
    p.add_argument("--retries", type=int, default=5, help="accepted for compatibility; writers queue instead")
    p.add_argument("--retry-interval", type=float, default=0.2, help="accepted for compatibility")

    p = sub.add_parser("release", help="release your own lease (0 released, 1 not held)")
    p.add_argument("--lane", default="")
    p.add_argument("--lease-id", default="")
    _owner_flags(p, required=False)
    p.add_argument("--loop-ts", default="")
    p.add_argument("--pretty", action="store_true")

    p = sub.add_parser("heartbeat", help="refresh your own live lease (0 beaten, 1 not held)")
    p.add_argument("--lane", default="")
    p.add_argument("--lease-id", default="")
    _owner_flags(p, required=True)
    p.add_argument("--loop-ts", default="")
    p.add_argument("--coalesce-within-s", type=float, default=0.0, help="skip the write within N s of the last beat")
    p.add_argument("--pretty", action="store_true")

    p = sub.add_parser("adopt", help="hand a lane's lease to a new holder (new fence)")
    p.add_argument("--lane", required=True)
    p.add_argument("--lease-id", default="")
    _owner_flags(p, required=True)
    p.add_argument("--pid", type=int, default=None)
    p.add_argument("--pretty", action="store_true")

    p = sub.add_parser("spawn", help="record the intent to take a lane (grants nothing)")
    p.add_argument("--lane", required=True)
    p.add_argument("--owner", default="")
    p.add_argument("--loop-ts", default="")
    p.add_argument("--run-id", default=None)
    p.add_argument("--reason", default="")
    p.add_argument("--pretty", action="store_true")

    p = sub.add_parser("live", help="the live leases as JSON")
    p.add_argument("--all", action="store_true", help="also expired leases not yet scavenged, with 'live'")
    p.add_argument("--pretty", action="store_true")


def _owner_flags(p: argparse.ArgumentParser, *, required: bool) -> None:
    p.add_argument("--owner", required=required, default=None, help="the holder's name")
    p.add_argument("--session", default="", help="the agent host's session id")


def _run_id(args: argparse.Namespace) -> str:
    if args.run_id is not None:
        return args.run_id
    return os.environ.get("CID_RUN_ID") or os.environ.get("DISPATCH_RUN_ID") or ""


def run_lease_lane(args: argparse.Namespace, ctx: Any) -> int:
    return _LEASE_LANE[args.action](args, ctx)


def _acquire(args: argparse.Namespace, ctx: Any) -> int:
    if args.ttl_seconds is not None and args.ttl_seconds <= 0:
        raise UsageError("--ttl-seconds must be positive")
    if args.pid is not None:
        from dos.procs import start_time

        if args.pid <= 0 or start_time(args.pid) is None and not _pid_exists(args.pid):
            raise UsageError(f"--pid {args.pid} is not a running process on this host; pass the worker's pid")
    run_id = _run_id(args)
    store = _store(ctx)
    with store:
        extra = _given_leases(args.leases, store.now_ms()) if args.leases is not None else ()
        got = store.acquire(_request(args, args.owner), holder=args.owner, session=args.session,
                            ttl_ms=None if args.ttl_seconds is None else int(args.ttl_seconds * 1000),
                            pid=args.pid, run_id=run_id,
                            loop_ts=args.loop_ts, force=args.force, extra_live=extra)
    out = got.to_dict()
    out.update(journaled=got.granted, owner=args.owner, session=args.session)
    if run_id:
        out["run_id"] = run_id
    _emit(out, args)
    return exit_code("lease-lane acquire", got.decision.outcome)


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _release(args: argparse.Namespace, ctx: Any) -> int:
    if args.owner is None and not args.lease_id:
        raise UsageError("lease-lane release needs --owner (or --lease-id)")
    if not args.lane and not args.lease_id:
        raise UsageError("lease-lane release needs --lane or --lease-id")
    with _store(ctx) as store:
        lease = store.release(lease_id=args.lease_id or None, lane=args.lane or None, holder=args.owner)
    _emit({"lane": lease.lane if lease else args.lane, "owner": args.owner, "released": lease is not None,
           "lease_id": lease.lease_id if lease else None}, args)
    return exit_code("lease-lane release", "released" if lease else "not_held")


def _heartbeat(args: argparse.Namespace, ctx: Any) -> int:
    if not args.lane and not args.lease_id:
        raise UsageError("lease-lane heartbeat needs --lane or --lease-id")
    with _store(ctx) as store:
        lease = store.heartbeat(lease_id=args.lease_id or None, lane=args.lane or None, holder=args.owner,
                                coalesce_ms=int(args.coalesce_within_s * 1000))
    _emit({"beat": lease is not None, "lane": lease.lane if lease else args.lane, "owner": args.owner,
           "lease_id": lease.lease_id if lease else None,
           "expires_ms": lease.expires_ms if lease else None}, args)
    return exit_code("lease-lane heartbeat", "beaten" if lease else "not_held")


def _adopt(args: argparse.Namespace, ctx: Any) -> int:
    with _store(ctx) as store:
        lease = store.adopt(lane=args.lane, new_holder=args.owner, lease_id=args.lease_id or None,
                            session=args.session, pid=args.pid)
    _emit({"adopted": lease is not None, "lane": args.lane, "owner": args.owner,
           "lease_id": lease.lease_id if lease else None, "fence": lease.fence if lease else None}, args)
    return exit_code("lease-lane adopt", "adopted" if lease else "not_held")


def _spawn(args: argparse.Namespace, ctx: Any) -> int:
    loop_ts = args.loop_ts or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with _store(ctx) as store:
        event = store.spawn(args.lane, holder=args.owner, run_id=_run_id(args), reason=args.reason,
                            loop_ts=loop_ts)
    _emit({"holder": event.holder, "lane": args.lane, "loop_ts": loop_ts, "recorded": True,
           "seq": event.seq}, args)
    return 0


def _live(args: argparse.Namespace, ctx: Any) -> int:
    from dos.store.jsonl import ref_lease

    with _store(ctx) as store:
        if args.all:
            out = [{**ref_lease(x), "live": alive} for x, alive in store.leases()]
        else:
            out = [ref_lease(x) for x in store.live_leases()]
    _emit(out, args)
    return 0


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
    parser.add_argument("--pretty", action="store_true")


def run_halt(args: argparse.Namespace, ctx: Any) -> int:
    extra: dict[str, Any] = {}
    if args.resumable:
        extra = {"suspended": True, "resume_sha": args.resume_sha}
    with _store(ctx) as store:
        event = store.halt(args.handle, lane=args.lane, holder=args.owner, reason=args.reason,
                           run_id=args.run_id, command=args.command, loop_ts=args.loop_ts, extra=extra)
    out = {"command": args.command, "handle": args.handle, "lane": event.lane,
           "loop_ts": event.data.get("loop_ts", ""), "recorded": True, "seq": event.seq}
    if args.resumable:
        out.update(suspended=True, suspend_note=f"resume from {args.resume_sha or 'HEAD'} with the same lane")
    _emit(out, args)
    return exit_code("halt", "recorded")


# --------------------------------------------------------------------------- lease (archive lock)


def configure_lease(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("acquire", help="take the archive lock (0 acquired, 1 busy)")
    p.add_argument("owner")
    p.add_argument("--retries", type=int, default=5)
    p.add_argument("--retry-interval", type=float, default=2.0)
    p.add_argument("--ttl-seconds", type=float, default=300.0)
    p = sub.add_parser("release", help="release the archive lock")
    p.add_argument("owner")
    p.add_argument("--force", action="store_true")
    sub.add_parser("status", help="free, held or stale")


def run_lease(args: argparse.Namespace, ctx: Any) -> int:
    from dos.store import locks

    with _store(ctx) as store:
        if args.action == "status":
            st = locks.lock_status(store)
            print(st.status if st.status == "free" else f"{st.status} {st.owner} age={st.age_ms // 1000}s")
            return 0
        if args.action == "release":
            st = locks.lock_release(store, args.owner, force=args.force)
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
        if args.ttl_seconds <= 0 or args.retries < 0:
            raise UsageError("--ttl-seconds must be positive and --retries not negative")
        for attempt in range(args.retries + 1):
            st = locks.lock_acquire(store, args.owner, ttl_ms=int(args.ttl_seconds * 1000))
            if st.status != "busy":
                break
            if attempt < args.retries:
                time.sleep(args.retry_interval)
    if st.status == "busy":
        sys.stderr.write(f"busy {st.owner} age={st.age_ms // 1000}s\n")
        return exit_code("lease acquire", "busy")
    if st.status == "re-entrant":
        from dos.store.jsonl import iso

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
    sub.add_parser("compact", help="fold mutating events into one CHECKPOINT (replay unchanged)")
    p = sub.add_parser("export", help="the whole log as reference lane-journal JSONL")
    p.add_argument("--output", "-o", default="-", help="a file (default: stdout)")
    p = sub.add_parser("import", help="append a reference lane-journal.jsonl (all or nothing)")
    p.add_argument("file", help="the JSONL file, or - for stdin")


def run_journal(args: argparse.Namespace, ctx: Any) -> int:
    from dos.store import jsonl

    with _store(ctx) as store:
        if args.action == "tail":
            for rec in jsonl.export_records(store.tail(args.n)):
                sys.stdout.write(jsonl.dumps(rec) + "\n")
        elif args.action == "replay":
            print_json([jsonl.ref_lease(x) for x in store.replay().values()], pretty=True)
        elif args.action == "seq":
            print(store.seq())
        elif args.action == "compact":
            print_json(store.compact())
        elif args.action == "export":
            _export(store, args.output)
        else:
            raw = _read_input(args.file)
            events = jsonl.parse_journal(raw)
            n = store.import_events(events)
            print_json({"imported": n, "live_leases": len(store.live_leases())})
    return 0


def _read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def _export(store: Any, output: str) -> None:
    from dos.store import jsonl

    lines = (jsonl.dumps(r) + "\n" for r in jsonl.export_records(store.iter_events()))
    if output == "-":
        sys.stdout.writelines(lines)
        return
    tmp = f"{output}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    try:
        with open(tmp, "w", encoding="ascii") as f:
            f.writelines(lines)
        os.replace(tmp, output)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise InputError(f"cannot write {output}: {exc.strerror}") from None


# --------------------------------------------------------------------------- id-alloc, run-id


def configure_id_alloc(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("allocate", help="the next id in SCOPE (never handed out twice)")
    p.add_argument("scope")
    p.add_argument("--start", type=int, default=1)
    p = sub.add_parser("peek", help="the last id handed out in SCOPE (null if none)")
    p.add_argument("scope")


def run_id_alloc(args: argparse.Namespace, ctx: Any) -> int:
    from dos.store import locks

    with _store(ctx) as store:
        if args.action == "allocate":
            value: int | None = locks.allocate(store, args.scope, start=args.start)
        else:
            value = locks.peek(store, args.scope)
    print_json({"id": value, "scope": args.scope})
    return 0


def configure_run_id(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("mint", help="mint a run id for PROCESS")
    p.add_argument("process")
    p.add_argument("--parent", default="")
    p.add_argument("--root", default="")


def run_run_id(args: argparse.Namespace, ctx: Any) -> int:
    from dos.kernel import runid

    try:
        rid = runid.mint(args.process, time.time_ns() // 1_000_000, int.from_bytes(os.urandom(4), "big"),
                         pid=os.getpid(), parent=args.parent or None, root=args.root or None)
    except ValueError as exc:
        raise UsageError(f"run-id mint: {exc}") from None
    print_json(rid.to_dict(), pretty=True)
    return 0
