"""The read-only screens: ``dos top``, ``dos decisions``, ``dos serve`` (and the live ``dos plan``).

On a terminal with the ``tui`` extra the screens are live Textual apps; otherwise (a pipe,
``--once``, ``--no-tui``) they print plain frames, redrawn every ``--interval`` seconds on a
terminal. ``--json`` prints what the dashboard's ``/api/`` serves. None of them writes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any, Callable

from dos.cli._output import add_json, add_pretty, print_json
from dos.errors import UsageError
from dos.exitcodes import exit_code

MIN_INTERVAL = 0.5
HINT = "(install `dos[tui]` for the live screen; this is the plain one)"


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not MIN_INTERVAL <= value <= 3600:
        raise argparse.ArgumentTypeError(f"--interval must be between {MIN_INTERVAL} and 3600 seconds, got {text}")
    return value


def add_screen_flags(p: argparse.ArgumentParser, *, json_help: str) -> None:
    p.add_argument("--once", action="store_true", help="print one plain frame and exit (what a pipe gets)")
    add_json(p, json_help)
    add_pretty(p)
    p.add_argument("--interval", type=_interval, default=5.0, metavar="SEC",
                   help=f"redraw every SEC seconds (default 5, at least {MIN_INTERVAL})")
    p.add_argument("--no-tui", action="store_true", help="the plain frame even on a terminal")


def _interactive(args: argparse.Namespace) -> bool:
    return not (args.once or args.json) and sys.stdout.isatty()


def _use_textual(args: argparse.Namespace) -> bool:
    from dos.tui import textual_available

    return _interactive(args) and not args.no_tui and textual_available()


def plain_loop(frame: Callable[[], str], interval: float, *, hint: bool) -> int:
    """Redraw FRAME every INTERVAL seconds until Ctrl-C, then leave the last frame on screen."""
    text = ""
    try:
        while True:
            text = frame()
            sys.stdout.write("\x1b[H\x1b[2J" + text + (HINT + "\n" if hint else ""))
            sys.stdout.flush()
            time.sleep(interval)
    except KeyboardInterrupt:
        sys.stdout.write("\n")
        return 0


# --------------------------------------------------------------------------- top


def configure_top(p: argparse.ArgumentParser) -> None:
    add_screen_flags(p, json_help="print the fleet snapshot as JSON (what /api/top serves)")


def run_top(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.fleet import snapshot
    from dos.tui.plain import render_top

    svc = ctx.service
    if args.json:
        print_json(snapshot(svc), pretty=args.pretty)
    elif _use_textual(args):
        from dos.tui.app import TopApp

        TopApp(lambda: snapshot(svc), interval=args.interval).run()
    elif _interactive(args):
        from dos.tui import textual_available

        plain_loop(lambda: render_top(snapshot(svc), live=True), args.interval, hint=not textual_available())
    else:
        sys.stdout.write(render_top(snapshot(svc)))
    return exit_code("top", "shown")


# --------------------------------------------------------------------------- decisions


def configure_decisions(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", nargs="*", metavar="[show] N", help="print item N (1-based) and exit")
    p.add_argument("--all", action="store_true", help="every resolver (ORACLE, JUDGE, BACKPRESSURE), not only HUMAN")
    p.add_argument("--no-plans", action="store_true", help="skip the plan board (over-claims): faster on big plans")
    p.add_argument("--output", choices=("text", "json", "plain"), default=None,
                   help="text/plain (the list) or json (as --json)")
    add_screen_flags(p, json_help="print the queue as JSON (what /api/decisions serves)")


def run_decisions(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.decisions import pick, queue_json
    from dos.tui.plain import render_decision, render_decisions

    svc = ctx.service
    as_json = args.json or args.output == "json"
    target = list(args.target)
    if target and target[0] == "show":
        target = target[1:]
    if len(target) > 1:
        raise UsageError(f"dos decisions: one decision number at a time, got {' '.join(target)!r}")

    def load(include_all: bool) -> list[dict[str, Any]]:
        return queue_json(svc, include_all=include_all, plans=not args.no_plans)

    if target:
        if args.target[0] == "show" and not target:
            raise UsageError("dos decisions show needs a number, e.g. `dos decisions show 1`")
        items = load(args.all)
        if not items:
            sys.stderr.write("no pending decisions\n")
            return exit_code("decisions", "none_pending")
        item = pick(items, target[0])
        if as_json:
            print_json(item, pretty=args.pretty)
        else:
            sys.stdout.write(render_decision(item))
        return exit_code("decisions", "shown")
    if args.target and args.target[0] == "show":
        raise UsageError("dos decisions show needs a number, e.g. `dos decisions show 1`")
    if as_json:
        print_json(load(args.all), pretty=args.pretty)
    elif _use_textual(args) and args.output is None:
        from dos.tui.app import DecisionsApp

        chosen = DecisionsApp(load, interval=args.interval, include_all=args.all).run()
        if chosen:
            sys.stdout.write(chosen + "\n")
    elif _interactive(args) and args.output is None:
        from dos.tui import textual_available

        plain_loop(lambda: render_decisions(load(args.all), include_all=args.all), args.interval,
                   hint=not textual_available())
    else:
        sys.stdout.write(render_decisions(load(args.all), include_all=args.all))
    return exit_code("decisions", "listed")


# --------------------------------------------------------------------------- plan (live)


def add_live_flags(p: argparse.ArgumentParser) -> None:
    """``dos plan``'s live-screen flags (its --once and --json are its own)."""
    p.add_argument("--interval", type=_interval, default=5.0, metavar="SEC",
                   help=f"on a terminal, redraw every SEC seconds (default 5, at least {MIN_INTERVAL})")
    p.add_argument("--no-tui", action="store_true", help="the plain frame, redrawn, even with the tui extra")


def wants_live_plan(args: argparse.Namespace) -> bool:
    """Should ``dos plan`` run its live screen (a terminal, neither --once, --json nor --check)?"""
    return not (getattr(args, "once", False) or getattr(args, "json", False) or getattr(args, "check", False)) \
        and sys.stdout.isatty()


def live_plan(args: argparse.Namespace, ctx: Any) -> int:
    """``dos plan`` on a terminal: the board redrawn every --interval seconds (Textual, else plain)."""
    from dos.service.decisions import plan_board as board
    from dos.tui import textual_available
    from dos.tui.plain import render_plan

    svc = ctx.service
    interval = getattr(args, "interval", 5.0)
    if textual_available() and not getattr(args, "no_tui", False):
        from dos.tui.app import PlanApp

        PlanApp(lambda: board(svc), interval=interval).run()
    else:
        plain_loop(lambda: render_plan(board(svc), live=True), interval, hint=not textual_available())
    return exit_code("plan", "consistent")


# --------------------------------------------------------------------------- serve


def configure_serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to bind (default 127.0.0.1; anything else needs a token)")
    p.add_argument("--port", type=int, default=8765, help="the port (default 8765; 0 picks a free one)")
    p.add_argument("--token", default=None,
                   help="the access token (default $DOS_WEB_TOKEN); required off loopback and with --allow-ops")
    p.add_argument("--allow-ops", action="store_true",
                   help="enable the two write operations (halt, release an expired lease); needs the token")
    p.add_argument("--poll-interval", type=float, default=0.1, metavar="SEC",
                   help="how often the log's seq is read for live updates (default 0.1)")


def run_serve(args: argparse.Namespace, ctx: Any) -> int:
    from dos.web.security import check_bind

    token = args.token if args.token is not None else os.environ.get("DOS_WEB_TOKEN", "")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0..65535, got {args.port}")
    if not 0.01 <= args.poll_interval <= 60:
        raise UsageError(f"--poll-interval must be 0.01..60 seconds, got {args.poll_interval}")
    check_bind(args.host, token, allow_ops=args.allow_ops)
    try:
        from dos.web.server import serve
    except ImportError as exc:
        raise UsageError(f"dos serve needs the web extra ({exc.name} is missing): pip install 'dos[web]'") from None
    ws, cfg = ctx.workspace, ctx.config
    serve(ws, cfg, host=args.host, port=args.port, token=token, allow_ops=args.allow_ops,
          poll_s=args.poll_interval)
    return exit_code("serve", "stopped")
