"""Hook verbs: ``dos hook pretool|posttool|stop|selftest``, ``dos guard``, ``dos claim``.

``dos hook`` runs the same code as ``dos-hook``; ``guard`` launches a host with DOS wired
for that run only; ``claim`` records the phase a session says it is shipping.
"""

from __future__ import annotations

import argparse
import sys

from dos.errors import UsageError
from dos.exitcodes import OK, exit_code

ACTIONS = ("pretool", "posttool", "stop", "session-start", "marker", "selftest")


# --------------------------------------------------------------------------- hook


def configure_hook(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=ACTIONS, help="which hook to run (selftest: check an installed host)")
    p.add_argument("host", nargs="?", help="with selftest: the host to check (default: every wired host)")
    p.add_argument("--dialect", default="claude-code", help="the host whose payload and envelope to speak")
    p.add_argument("--session-id", default="", help="override the payload's session id")
    p.add_argument("--handler", default="", help="accepted for compatibility: every handler enforces")
    p.add_argument("--plan", default="", help="stop: a phase this session claims (with --phase)")
    p.add_argument("--phase", default="")
    p.add_argument("--transcript", default="", help="stop: accepted for compatibility")
    p.add_argument("--last-turns", default="1", help="stop: accepted for compatibility")
    for flag in ("--strict", "--force"):
        p.add_argument(flag, action="store_true", help="stop: accepted for compatibility")
    p.add_argument("--json", action="store_true", help="stop, marker: print the decision as one JSON object")
    p.add_argument("--reset", action="store_true", help="marker: start the wait-marker count over")
    p.add_argument("--loop", action="store_true", help="marker: arm the wait-marker budget")
    p.add_argument("--max-markers", default="", help="marker: stops held open in a row (default [marker])")
    p.add_argument("--scope", choices=("project", "user"), default=None,
                   help="user: act only inside a workspace with a dos.toml (selftest: check only that scope)")
    p.add_argument("--debug", action="store_true", help="print internal faults in full on stderr")


def run_hook(args: argparse.Namespace, ctx) -> int:
    if args.action == "selftest":
        return _selftest(args, ctx)
    if args.host:
        raise UsageError(f"dos hook {args.action}: unexpected argument {args.host!r} (the host goes in --dialect)")
    from dos.hooks.__main__ import main

    argv = [args.action, "--dialect", args.dialect]
    if ctx.workspace_arg:
        argv += ["--workspace", ctx.workspace_arg]
    for flag, value in (("--session-id", args.session_id), ("--handler", args.handler), ("--plan", args.plan),
                        ("--phase", args.phase), ("--transcript", args.transcript),
                        ("--max-markers", args.max_markers), ("--scope", args.scope)):
        if value:
            argv += [flag, value]
    argv += [flag for flag, on in (("--debug", args.debug), ("--strict", args.strict), ("--json", args.json),
                                    ("--force", args.force), ("--reset", args.reset), ("--loop", args.loop)) if on]
    sys.stdout.flush()
    return main(argv)


def _selftest(args: argparse.Namespace, ctx) -> int:
    from dos.cli._output import print_json, print_verdict
    from dos.hooks import HOSTS
    from dos.hooks.selftest import selftest_all
    from dos.service.wiring import SCOPES, wired_hosts

    root = ctx.workspace.root
    if args.host and args.host not in HOSTS:
        raise UsageError(f"dos hook selftest: unknown host {args.host!r} (known: {', '.join(HOSTS)})")
    scopes = (args.scope,) if args.scope else SCOPES
    wired = {h for s in scopes for h in wired_hosts(root, s)}
    hosts = [args.host] if args.host else sorted(wired)
    if not hosts:
        raise UsageError(f"no host has DOS hooks wired in {root} or for this user; run dos init --hooks HOST first")
    results = selftest_all(root, hosts, scopes)
    if args.host and not results:
        raise UsageError(f"{args.host} has no DOS hooks wired ({' or '.join(scopes)} scope); "
                         f"run dos init --hooks {args.host}")
    failed = sum(not r.ok for r in results)
    if args.json:
        print_json({"ok": not failed, "results": [r.to_dict() for r in results]})
    else:
        for r in results:
            where = "" if r.scope == "project" else " (user scope)"
            fix = f"\n  fix: {r.fix}" if r.fix and not r.ok else ""
            print_verdict("OK" if r.ok else "FAILED", f"{r.host}{where}: {r.detail}{fix}", good=r.ok)
    return exit_code("hook selftest", "failed" if failed else "ok")


# --------------------------------------------------------------------------- claim


def configure_claim(p: argparse.ArgumentParser) -> None:
    p.add_argument("plan", help="the plan, e.g. AUTH")
    p.add_argument("phase", help="the phase, e.g. AUTH1")
    p.add_argument("--session", default="", help="the host session id (else $DOS_SESSION_ID or $CLAUDE_SESSION_ID)")
    p.add_argument("--json", action="store_true")


def run_claim(args: argparse.Namespace, ctx) -> int:
    import os

    from dos.cli._output import print_json, print_verdict
    from dos.service.stop import record_claim

    session = (args.session or os.environ.get("DOS_SESSION_ID", "") or os.environ.get("CLAUDE_SESSION_ID", "")).strip()
    if not session:
        raise UsageError("dos claim needs the session it is for: --session ID (or set DOS_SESSION_ID)")
    plan, phase = args.plan.strip(), args.phase.strip()
    if not plan or not phase:
        raise UsageError("dos claim needs a non-empty PLAN and PHASE, e.g. 'dos claim AUTH AUTH1'")
    event = record_claim(ctx.service, session, plan, phase)
    if args.json:
        print_json({"session": session, "plan": plan, "phase": phase, "seq": event.seq})
    else:
        print_verdict("CLAIMED", f"session {session} claims {plan} {phase}; its stop hook now waits for "
                      f"`dos verify {plan} {phase}`", good=True)
    return exit_code("claim", "claimed")


# --------------------------------------------------------------------------- guard


def configure_guard(p: argparse.ArgumentParser) -> None:
    p.add_argument("--verify-on-stop", action="store_true", help="also wire the stop hook (claims must verify)")
    p.add_argument("--no-mcp", action="store_true", help="do not register the DOS MCP server")
    p.add_argument("--print-config", action="store_true", help="print the launch plan as JSON; launch nothing")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- HOST_CMD [ARGS...]")


def run_guard(args: argparse.Namespace, ctx) -> int:
    from dos.hooks.guard import launch, plan_launch

    cmd = list(args.command)
    if cmd[:1] == ["--"]:
        cmd = cmd[1:]
    if not cmd:
        raise UsageError("dos guard needs a host command after `--`, e.g. dos guard -- claude")
    plan = plan_launch(cmd, verify_on_stop=args.verify_on_stop, mcp=not args.no_mcp, root=str(ctx.workspace.root))
    if args.print_config:
        from dos.cli._output import print_json

        print_json(plan.to_dict(), pretty=True)
        return OK
    return launch(plan, str(ctx.workspace.root))
