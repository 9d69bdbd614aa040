"""``dos status RUN_ID``: the recovery verb a driver polls, in a module of its own.

Kept apart from ``dos.cli.recovery`` so a status loads only its own code; the recovery
family's output helpers (``say``, ``add_outputs``, ``_json``) live here and that module reuses them.
"""

from __future__ import annotations

import sys

from dos.cli._output import add_json, print_json, print_verdict
from dos.cli._parser import BOOL, Lean, choice
from dos.errors import UsageError
from dos.exitcodes import exit_code

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

GOOD = {"DECLARED", "VERIFIED", "SUSPENDED", "FOUND", "ADVANCING", "RESUMABLE", "COMPLETE", "REWIND", "NO_REWIND",
        "HEALTHY", "UNREADABLE", "FULL", "EMPTY", "PLANNED", "APPLIED"}


def add_outputs(p: argparse.ArgumentParser) -> None:
    add_json(p)
    p.add_argument("--output", choices=("text", "json"), default=None, help="renderer (json = --json)")


def wants_json(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "json", False) or getattr(args, "output", None) == "json")


def say(token: str, reason: str, details: list[tuple[str, str]] = ()) -> None:
    print_verdict(token, reason, good=token in GOOD)
    for label, value in details:
        sys.stdout.write(f"  {label:<13}: {value}\n")


# ``dos status`` parsed without argparse (anything else it is given goes to configure_status's parser).
LEAN_status = Lean(("run_id",), 0, {
    "--run-id": ("run_id_flag", str, None), "--start-sha": ("start_sha", str, ""),
    "--now-ms": ("now_ms", int, None), "--last-heartbeat-age-ms": ("last_heartbeat_age_ms", int, None),
    "--lane": ("lane", str, ""), "--loop-ts": ("loop_ts", str, ""), "--stopped": ("stopped", BOOL, False),
    "--live": ("live", BOOL, False), "--no-proc": ("no_proc", BOOL, False), "--json": ("json", BOOL, False),
    "--output": ("output", choice("text", "json"), None)})


def configure_status(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", nargs="?", default=None, metavar="RUN_ID", help="the run (or --run-id)")
    parser.add_argument("--run-id", dest="run_id_flag", default=None, metavar="RID", help="the run (RID-...)")
    parser.add_argument("--start-sha", default="", help="count commits since this sha (default: the ledger's)")
    parser.add_argument("--now-ms", type=int, default=None, help="judge at this epoch ms (default: now)")
    parser.add_argument("--last-heartbeat-age-ms", type=int, default=None, help="override the heartbeat age")
    parser.add_argument("--lane", default="", help="with --loop-ts: the run's lease")
    parser.add_argument("--loop-ts", default="")
    parser.add_argument("--stopped", action="store_true", help="treat the run as stopped: compute its resume")
    parser.add_argument("--live", action="store_true", help="treat the run as live: no resume verdict")
    parser.add_argument("--no-proc", action="store_true", help="skip the process probes")
    add_outputs(parser)


def run_status(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.runstatus import fast_status

    if args.run_id and args.run_id_flag and args.run_id != args.run_id_flag:
        raise UsageError(f"status: two different runs given ({args.run_id}, --run-id {args.run_id_flag})")
    rid = args.run_id or args.run_id_flag
    if not rid:
        raise UsageError("status needs the run: dos status RUN_ID (or --run-id RID)")
    kw = dict(start_sha=args.start_sha, now=args.now_ms, heartbeat_age=args.last_heartbeat_age_ms, lane=args.lane,
              loop_ts=args.loop_ts, stopped=args.stopped, live=args.live, proc=not args.no_proc)
    d = fast_status(ctx.workspace_arg, rid, **kw)  # a SQLite store, read without the full service
    if d is None:
        from dos.service.recovery import status

        d = status(ctx.service, rid, **kw)
    if wants_json(args):
        print_json(d.to_dict())
    else:
        p = d.progress()
        details = [("progress", f"{p['verified_count']}/{p['declared_count']} verified"
                                + (f" ({', '.join(p['verified_steps'])})" if p["verified_steps"] else "")),
                   ("region", ", ".join(d.region) if d.region else "(no live lease)")]
        if d.resume is None:
            details.append(("resume", "(live — resume is a question for a stopped run; --stopped to ask)"))
        else:
            details.append(("resume", f"{d.resume.verdict}  {d.resume.reason}  [stopped: {d.stopped_by}]"))
            if d.resume.residual:
                details.append(("residual", ", ".join(d.resume.residual)))
        say(d.token, d.reason, details)
    return exit_code("status", d.token)
