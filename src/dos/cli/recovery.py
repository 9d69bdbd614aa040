"""Recovery verbs: ``intent``, ``resume``, ``complete``, ``rewind``, ``trace``, ``verify-result``,
``coverage`` and ``reap`` (``status``, the one a driver polls, is ``dos.cli.status``).

Each parses, calls ``dos.service`` (intents, recovery, transcripts, reap), prints
``TOKEN  reason`` (with detail lines) or sorted-key JSON, and exits with the verdict's code.
"""

from __future__ import annotations

import os
import sys

from dos.cli._output import add_json, print_json, print_verdict
from dos.cli.status import add_outputs, say, wants_json
from dos.errors import UsageError
from dos.exitcodes import exit_code

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

def _run_id_flag(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    p.add_argument("--run-id", required=required, default=None, metavar="RID", help="the run (RID-...)")


def _default_run_id(given: str | None) -> str:
    from dos.service.leases import run_id_from_env

    rid = run_id_from_env(given)
    if not rid:
        raise UsageError("name the run: --run-id RID (or set CID_RUN_ID)")
    return rid


# --------------------------------------------------------------------------- intent


def configure_intent(parser: argparse.ArgumentParser) -> None:
    from dos.cli._args import count, pid

    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("declare", help="declare the run's goal and its steps (binds the run's writer)")
    _run_id_flag(p, required=False)
    p.add_argument("--goal", default="", help="what the run is for")
    p.add_argument("--plan", default="")
    p.add_argument("--phase", default="")
    p.add_argument("--step", action="append", default=[], metavar="ID", help="a step, in order (repeatable)")
    p.add_argument("--region", action="append", default=[], metavar="ID=GLOB",
                   help="a glob a step's commit must touch (repeatable)")
    p.add_argument("--start-sha", default="", help="the commit the run starts from (default HEAD)")
    p.add_argument("--pid", type=pid, default=None, help="the writer's process: its death shows the run stopped")
    _writer_flags(p)
    p.add_argument("--writer", default="", help="a name for the writer (shown to others it refuses)")
    add_outputs(p)

    p = sub.add_parser("claim", help="claim a step is done at a commit; DOS checks it on git")
    _run_id_flag(p, required=False)
    p.add_argument("step")
    p.add_argument("--sha", default="HEAD", help="the step's commit (default HEAD)")
    _writer_flags(p)
    add_outputs(p)

    p = sub.add_parser("verify", help="check claimed steps on git again; mint STEP_VERIFIED where they stand")
    _run_id_flag(p, required=False)
    p.add_argument("steps", nargs="*", metavar="STEP")
    add_outputs(p)

    p = sub.add_parser("suspend", help="park the run resumably (with --transcript: mint a rewind checkpoint)")
    _run_id_flag(p, required=False)
    p.add_argument("--reason", default="")
    p.add_argument("--resume-sha", default="")
    p.add_argument("--transcript", default="", help="the host's transcript; DOS digests the checkpoint turn")
    p.add_argument("--checkpoint-turn", type=count, default=None, help="the turn to anchor on (default: the last)")
    _writer_flags(p)
    add_outputs(p)

    p = sub.add_parser("show", help="the run's folded ledger and its records")
    _run_id_flag(p, required=False)
    add_outputs(p)


def _writer_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--token", default=None, help="the run's writer token (default $DOS_INTENT_TOKEN)")
    p.add_argument("--session", default=None, help="the host session (default $DOS_SESSION_ID or $CLAUDE_SESSION_ID)")


def _session(args: argparse.Namespace) -> str:
    if args.session is not None:
        return args.session.strip()
    return (os.environ.get("DOS_SESSION_ID", "") or os.environ.get("CLAUDE_SESSION_ID", "")).strip()


def _regions(values: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for v in values:
        step, sep, glob = v.partition("=")
        if not sep or not step.strip() or not glob.strip():
            raise UsageError(f"--region {v!r}: expected STEP=GLOB, e.g. --region a='src/**'")
        out.setdefault(step.strip(), []).append(glob.strip())
    return out


def run_intent(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service import intents

    svc, rid = ctx.service, _default_run_id(args.run_id)
    if args.action == "show":
        return _show(args, svc, rid)
    if args.action == "declare":
        v = intents.declare(svc, rid, goal=args.goal, plan=args.plan, phase=args.phase, steps=args.step,
                            regions=_regions(args.region), start_sha=args.start_sha, session=_session(args),
                            token=args.token, pid=args.pid, writer=args.writer)
    elif args.action == "claim":
        v = intents.claim(svc, rid, args.step, sha=args.sha, token=args.token, session=_session(args) or None)
    elif args.action == "verify":
        v = intents.verify(svc, rid, args.steps)
    else:
        v = intents.suspend(svc, rid, reason=args.reason, resume_sha=args.resume_sha, transcript=args.transcript,
                            checkpoint_turn=args.checkpoint_turn, token=args.token, session=_session(args) or None)
    if wants_json(args):
        print_json(v.to_dict())
    else:
        details = [(c.step_id, f"{'stands' if c.stands else 'does not stand'} — {c.why}")
                   for c in v.checks] if len(v.checks) > 1 else []
        if v.writer_token:
            details.append(("writer token", f"{v.writer_token}  (export DOS_INTENT_TOKEN={v.writer_token})"))
        say(v.verdict, v.reason, details)
    return exit_code(f"intent {args.action}", v.verdict)


def _show(args: argparse.Namespace, svc: Any, rid: str) -> int:
    from dos.service.intents import ledger

    store = ledger(svc)
    got = store.get(rid)
    if got is None:
        if wants_json(args):
            print_json({"run_id": rid, "found": False})
        else:
            say("NOT_FOUND", f"no intent ledger for run {rid} in this store")
        return exit_code("intent show", "NOT_FOUND")
    run, state = got
    records = [{"seq": r.seq, "ts_ms": r.ts_ms, "op": r.op, "author": r.author, **r.data} for r in store.records(rid)]
    if wants_json(args):
        print_json({"run_id": rid, "found": True, "writer": run.to_dict(), "state": state.to_dict(),
                    "records": records})
    else:
        say("FOUND", f"run {rid}: {len(records)} record(s), {len(state.declared)} declared step(s)"
             + (", suspended" if state.suspended else ""),
             [("goal", state.goal or "-"), ("steps", ", ".join(state.declared) or "-"),
              ("claimed", ", ".join(f"{k}@{v[:12]}" for k, v in state.claims.items()) or "-"),
              ("verified", ", ".join(f"{k}@{v.get('sha', '')[:12]}" for k, v in state.verified.items()) or "-"),
              ("writer", run.writer or run.session or ("bound" if run.bound else "(none yet)"))])
    return exit_code("intent show", "FOUND")


# --------------------------------------------------------------------------- resume, complete, rewind


def configure_resume(parser: argparse.ArgumentParser) -> None:
    _run_id_flag(parser)
    parser.add_argument("--diverged", action="store_true", help="assert the lane moved past the resume point")
    parser.add_argument("--no-record", action="store_true", help="inspect only: record no RESUME_PROPOSED")
    add_outputs(parser)


def run_resume(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.recovery import resume

    v = resume(ctx.service, args.run_id, diverged=args.diverged, record_proposal=not args.no_record)
    if wants_json(args):
        print_json(v.to_dict())
    else:
        details = [("re-entry SHA", v.resume_sha or "(none)")] if v.verdict != "UNRESUMABLE" else []
        if v.residual:
            details.append(("residual", ", ".join(v.residual)))
        if v.verdict in ("RESUMABLE", "DIVERGED") and v.residual:
            details.append(("propose", v.proposed_command))
        say(str(v.verdict), v.reason, details)
        if v.already_proposed:
            sys.stdout.write(f"  (this continuation was proposed for {v.run_id} already; not recorded again)\n")
    return exit_code("resume", str(v.verdict))


def configure_complete(parser: argparse.ArgumentParser) -> None:
    _run_id_flag(parser)
    parser.add_argument("--diverged", action="store_true", help="assert the lane moved past the resume point")
    add_outputs(parser)


def run_complete(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.recovery import complete

    v = complete(ctx.service, args.run_id, diverged=args.diverged)
    if wants_json(args):
        print_json(v.to_dict())
    else:
        details = []
        if v.declared:
            pct = round(100 * (v.fraction_done or 0))
            details.append(("verified", f"{len(v.verified)}/{len(v.declared)} ({pct}%)"))
        if v.residual:
            details.append(("residual", ", ".join(v.residual)))
        say(str(v.state), v.reason, details)
    return exit_code("complete", str(v.state))


def configure_rewind(parser: argparse.ArgumentParser) -> None:
    _run_id_flag(parser)
    parser.add_argument("--fire", default="", choices=("", "DIVERGED", "THRASHING", "STARVED"), metavar="SIGNAL",
                        help="the stop signal observed: DIVERGED, THRASHING or STARVED (none: NO_REWIND)")
    parser.add_argument("--transcript", default="", help="the transcript to read (default: the one SUSPEND digested)")
    add_outputs(parser)


def run_rewind(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.recovery import rewind

    v = rewind(ctx.service, args.run_id, fire=args.fire, transcript=args.transcript)
    if wants_json(args):
        print_json(v.to_dict())
    else:
        details = []
        if str(v.verdict) == "REWIND":
            details = [("rewind to turn", f"{v.rewind_to_turn} (digest {v.transcript_digest[:12]})"),
                       ("drop turns", str(list(v.dropped_turns)))]
        say(str(v.verdict), v.reason, details)
        for line in v.note()["lines"] if details else ():
            sys.stdout.write(f"    {line}\n")
    return exit_code("rewind", str(v.verdict))


# --------------------------------------------------------------------------- trace


def configure_trace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", metavar="RUN_ID", help="the run to trace")
    add_json(parser)


def run_trace(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.recovery import trace

    t = trace(ctx.service, args.run_id)
    if args.json:
        print_json(t.to_dict(), pretty=True)
        return exit_code("trace", t.token)
    w = sys.stdout.write
    w(f"# trace · {t.run_id}\n")
    if not t.found:
        w(f"  {t.reason}\n")
        return exit_code("trace", t.token)
    s, i = t.spine, t.intent
    w(f"\n## spine\n  process  {s.get('process_id') or '-'}\n  parent   {s.get('parent_id') or '-(root)'}\n"
      f"  root     {s.get('root_id')}\n")
    if s.get("descendants"):
        w(f"  children {', '.join(s['descendants'])}\n")
    w(f"\n## intent\n  goal     {i.get('goal') or '-'}\n  target   {i.get('plan') or '-'} :: {i.get('phase') or '-'}\n"
      f"  start    {i.get('start_sha') or '-'}\n")
    steps = i.get("steps") or []
    ok = sum(1 for r in steps if r["state"] == "VERIFIED")
    w(f"  steps    {ok}/{len(steps)} stand on git:\n")
    for r in steps:
        mark = {"VERIFIED": "OK", "CLAIMED": "??", "PENDING": ".."}[r["state"]]
        sha = r["verified_sha"] or r["claimed_sha"]
        w(f"    {mark}  {r['step_id']:<22} {r['state']:<9}" + (f" sha={sha[:10]}" if sha else "")
          + (f" — {r['why']}" if r["state"] != "VERIFIED" and r["why"] else "") + "\n")
    if i.get("residual"):
        w(f"  residual {len(i['residual'])} step(s): {', '.join(i['residual'])}\n")
    w("\n## lanes (store events)\n")
    rows = t.wal.get("lease_events") or []
    if not rows:
        w("  (no lease event names this run)\n")
    for r in rows:
        w(f"  {r['op']:<10} {r['lane'] or '-':<12} {r['ts']}  via {r['attributed_by']}\n")
    if t.wal.get("heartbeats"):
        w(f"  ({t.wal['heartbeats']} heartbeat(s))\n")
    w("\n## commits since start\n")
    for c in t.git.get("commits") or []:
        w(f"  {c['sha']}  {c['subject']}\n")
    if not t.git.get("commits"):
        w("  (none)\n")
    return exit_code("trace", t.token)


# --------------------------------------------------------------------------- verify-result, coverage


def configure_verify_result(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--transcript", default="", help="the worker's transcript (default: a hook event's "
                        "transcript_path on stdin)")
    add_json(parser)


def run_verify_result(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.transcripts import transcript_from_event, verify_result

    path = args.transcript
    if not path and not sys.stdin.isatty():
        path = transcript_from_event(sys.stdin.read())
    v = verify_result(_service_or_none(ctx), path)
    if args.json:
        print_json(v.to_dict())
    else:
        sys.stdout.write(v.line() + "\n")
    return exit_code("verify-result", "dead" if v.dead else str(v.state))


def _service_or_none(ctx: Any) -> Any:
    """The service context for the journal, or None outside any usable workspace (a transcript needs none)."""
    from dos.errors import DosError

    try:
        return ctx.service
    except DosError:
        return None


def configure_coverage(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--declared", type=int, default=None, metavar="N", help="the fan-out width (required)")
    parser.add_argument("--transcript", action="append", default=[], metavar="PATH", help="a worker's transcript "
                        "(repeatable)")
    parser.add_argument("--transcripts-glob", action="append", default=[], metavar="GLOB",
                        help="transcripts by glob, ** recursive (repeatable)")
    parser.add_argument("--states", default="", metavar="S1,S2,...", help="terminal states the caller already "
                        "witnessed (caller-asserted)")
    parser.add_argument("--min-quorum", type=float, default=None, metavar="F", help="report quorum_met = "
                        "healthy/declared >= F (never changes the verdict)")
    add_json(parser)


def run_coverage(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.transcripts import coverage

    v = coverage(_service_or_none(ctx), args.declared, transcripts=args.transcript, globs=args.transcripts_glob,
                 states=args.states, min_quorum=args.min_quorum)
    if args.json:
        print_json(v.to_dict())
    else:
        sys.stdout.write(v.line() + "\n")
    return exit_code("coverage", str(v.state))


# --------------------------------------------------------------------------- reap


def configure_reap(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--apply", action="store_true", help="scavenge (default: a dry run that writes nothing)")
    parser.add_argument("--journal", action="store_true", help="also compact the event log when it is long")
    parser.add_argument("--now-ms", type=int, default=None, help="plan at this epoch ms (default: now)")
    add_json(parser)


def run_reap(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.reap import reap

    v = reap(ctx.service, apply=args.apply, journal=args.journal, now=args.now_ms)
    if args.json:
        print_json(v.to_dict())
    else:
        print_verdict(v.verdict, v.reason, good=True)
        for i in v.items:
            sys.stdout.write(f"  {i.action:<10} {i.lane:<12} lease {i.lease_id} ({i.holder or '?'}) — {i.why}\n")
        if v.journal:
            j = v.journal
            done = " — compacted" if "compacted" in j else (" — due; --apply compacts it" if j.get("due") else "")
            sys.stdout.write(f"  journal    {j['events']} event(s), compact after {j['compact_after']}{done}\n")
    return exit_code("reap", v.verdict)
