"""Verbs ``verify``, ``commit-audit`` and ``quickstart``: the exit code is the verdict."""

from __future__ import annotations

import argparse
import sys

from dos.cli._output import paint, print_json
from dos.exitcodes import exit_code


def configure_verify(p: argparse.ArgumentParser) -> None:
    p.add_argument("plan", metavar="PLAN", help="the plan (series) id, e.g. AUTH")
    p.add_argument("phase", metavar="PHASE", help="the phase id, e.g. AUTH1")
    p.add_argument("--ref", help="judge the history of REF instead of HEAD")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.add_argument("--explain", action="store_true", help="add a one-line interpretation")
    p.add_argument("--timeout", type=float, default=None, help="give up (exit 2) after this many seconds")


def _colored_line(v) -> str:
    line = v.line()
    if not sys.stdout.isatty():
        return line
    token, rest = line.split(" ", 1)
    head, _, via = rest.rpartition(" (via ")
    color = "yellow" if v.source == "grep-subject" else ("red" if v.source in ("none", "reverted") else "green")
    return f"{paint(token, 'green' if v.shipped else 'red')} {head} {paint('(via ' + via, color)}"


def run_verify(args: argparse.Namespace, ctx) -> int:
    from dos.truth import interpret, verify

    v = verify(ctx.workspace.root, ctx.config, args.plan, args.phase, ref=args.ref, timeout=args.timeout)
    if args.json:
        d = v.to_dict()
        if args.explain:
            d["interpretation"] = interpret(v)
        print_json(d)
    else:
        sys.stdout.write(_colored_line(v) + "\n")
        if args.explain:
            sys.stdout.write(interpret(v) + "\n")
    return exit_code("verify", v.exit_token)
