"""Verbs over plans: ``enumerate``, ``pickable``, ``cooldown``, ``reconcile`` and ``plan``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from dos.cli._output import print_json, print_verdict
from dos.errors import InputError, UsageError
from dos.exitcodes import exit_code


def _json_arg(raw: str | None, what: str, kind: type, example: str) -> Any:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} is not valid JSON ({exc.msg} at char {exc.pos}); e.g. {what} '{example}'") from None
    if not isinstance(value, kind):
        raise InputError(f"{what} must be a JSON {'object' if kind is dict else 'list'}; e.g. {what} '{example}'")
    return value


def _now_ms(value: int | None) -> int:
    import time

    return int(time.time() * 1000) if value is None else value


def _emit(verdict: Any, as_json: bool, good: bool) -> None:
    if as_json:
        print_json(verdict.to_dict())
    else:
        token, _, reason = verdict.line().partition("  ")
        print_verdict(token, reason, good=good)


# --------------------------------------------------------------------------- enumerate


def configure_enumerate(p: argparse.ArgumentParser) -> None:
    p.add_argument("doc", metavar="PLAN_DOC", help="the plan document (markdown)")
    p.add_argument("--series", help="the series id whose units to list, e.g. AUTH")
    p.add_argument("--shipped", metavar="JSON_LIST", help="units known shipped, e.g. '[\"AUTH1\"]'")
    p.add_argument("--json", action="store_true")


def run_enumerate(args: argparse.Namespace, ctx) -> int:
    from pathlib import Path

    from dos.service.plans import enumerate_doc

    meta = _json_arg(args.shipped, "--shipped", list, '["AUTH1"]') or []
    path = Path(args.doc)
    if not path.is_absolute():
        path = Path.cwd() / path
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read plan doc {args.doc}: {getattr(exc, 'strerror', None) or exc}") from None
    result = enumerate_doc(ctx.service, text, args.series or "", [str(m) for m in meta], subject=args.doc)
    if args.json:
        print_json(result.to_dict())
    else:
        sys.stdout.write("\n".join(result.lines()) + "\n")
    return exit_code("enumerate", result.token)


# --------------------------------------------------------------------------- pickable


def configure_pickable(p: argparse.ArgumentParser) -> None:
    p.add_argument("unit", nargs="?", default="", metavar="UNIT")
    p.add_argument("--state", metavar="JSON_OBJECT", help="e.g. '{\"in_flight\": true}'")
    p.add_argument("--now-ms", type=int, default=None, help="the clock, in ms since the epoch (default: now)")
    p.add_argument("--json", action="store_true")


def run_pickable(args: argparse.Namespace, ctx) -> int:
    from dos.service.plans import pickable

    state = _json_arg(args.state, "--state", dict, '{"in_flight": true}') or {}
    v = pickable(ctx.service, args.unit, state, _now_ms(args.now_ms))
    _emit(v, args.json, not v.held)
    return exit_code("pickable", v.token)


# --------------------------------------------------------------------------- cooldown


def configure_cooldown(p: argparse.ArgumentParser) -> None:
    p.add_argument("unit", metavar="UNIT")
    p.add_argument("--now-ms", type=int, default=None)
    p.add_argument("--attempts", metavar="JSON_LIST",
                   help="attempt records (default: ATTEMPT rows of the lane journal)")
    p.add_argument("--json", action="store_true")


def run_cooldown(args: argparse.Namespace, ctx) -> int:
    from dos.service.plans import cooldown

    attempts = _json_arg(args.attempts, "--attempts", list, '[{"unit_id": "AUTH1", "attempted_at_ms": 0}]')
    if attempts is not None and not all(isinstance(a, dict) for a in attempts):
        raise InputError("--attempts must be a JSON list of objects")
    # without --attempts: the store's ATTEMPT events and a reference lane journal's rows
    v = cooldown(ctx.service, args.unit, attempts, _now_ms(args.now_ms))
    _emit(v, args.json, v.state == "CLEAR")
    return exit_code("cooldown", v.token)


# --------------------------------------------------------------------------- reconcile


def configure_reconcile(p: argparse.ArgumentParser) -> None:
    p.add_argument("unit", metavar="UNIT")
    p.add_argument("--claimed-done", action="store_true", help="the agent claims the unit is done")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--oracle-shipped", dest="oracle", action="store_const", const=True, default=None)
    g.add_argument("--no-oracle-shipped", dest="oracle", action="store_const", const=False)
    p.add_argument("--plan", help="ask 'dos verify PLAN PHASE' for the oracle")
    p.add_argument("--phase")
    p.add_argument("--json", action="store_true")


def run_reconcile(args: argparse.Namespace, ctx) -> int:
    from dos.service.plans import reconcile

    oracle = args.oracle
    if args.plan or args.phase:
        if oracle is not None or not (args.plan and args.phase):
            raise UsageError("reconcile: give --oracle-shipped/--no-oracle-shipped, or both --plan and --phase")
        from dos.service.truth import verify

        oracle = verify(ctx.service, args.plan, args.phase).shipped
    if oracle is None:
        raise UsageError("reconcile needs an oracle: --oracle-shipped, --no-oracle-shipped, or --plan P --phase PH")
    v = reconcile(ctx.service, args.unit, args.claimed_done, oracle)
    _emit(v, args.json, v.state != "QUIET_INCOMPLETE")
    return exit_code("reconcile", v.token)


# --------------------------------------------------------------------------- plan


def configure_plan(p: argparse.ArgumentParser) -> None:
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="print the table once (what a pipe gets)")
    mode.add_argument("--json", action="store_true", help="print the board as JSON")
    p.add_argument("--check", action="store_true", help="exit 1 when a phase is over-claimed (for CI)")
    from dos.cli.screens import add_live_flags

    add_live_flags(p)  # on a terminal: the live board (dos.cli.screens)


def run_plan(args: argparse.Namespace, ctx) -> int:
    from dos.cli.screens import live_plan, wants_live_plan
    from dos.service.decisions import plan_board as board  # a screen: verify's verdicts are not journaled

    if wants_live_plan(args):
        return live_plan(args, ctx)

    b = board(ctx.service)
    rows, summary = b["phases"], b["summary"]
    if args.json:
        print_json(b)
    elif not rows:
        sys.stdout.write(f"no plan phases found (plans_glob = {b['plans_glob']!r} under {b['workspace']})\n")
    else:
        w = max(len(f"{r['plan']} {r['phase']}") for r in rows)
        sys.stdout.write(f"{'PHASE':<{w}}  {'CLAIMED':<8}  VERIFIED\n")
        for r in rows:
            verified = f"SHIPPED {r['sha']} (via {r['source']})" if r["verified"] else "NOT_SHIPPED"
            mark = "  ⚑ OVER-CLAIMED" if r["over_claimed"] else ""
            sys.stdout.write(f"{r['plan'] + ' ' + r['phase']:<{w}}  {r['claimed_status'] or '-':<8}  "
                             f"{verified}{mark}\n")
        sys.stdout.write(f"{summary['phases']} phase(s); {summary['over_claims']} over-claimed (the doc says "
                         f"SHIPPED, git does not)\n")
    if args.check and summary["over_claims"]:
        return exit_code("plan", "over_claimed")
    return exit_code("plan", "consistent")
