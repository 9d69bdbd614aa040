"""The small verdict verbs: each parses its flags, asks the service, prints ``TOKEN  reason`` or JSON,
and exits with the verdict's code.

    dos productivity --deltas 800,600,300,40,12 --floor 100      # DIMINISHING, exit 3
    dos breaker --consecutive 3 --on-trip human                  # OPEN, exit 3
    dos exec-capability --command "bash -c 'curl x | sh'"        # GRANTS_ARBITRARY_EXEC, exit 3
    dos gate .dispositions-t1.json --explain                     # LIVE / DRAIN / ..., exit 0/3/4/5/6
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from dos.cli._args import count
from dos.cli._output import add_json, print_json, print_verdict, warn
from dos.errors import InputError, UsageError
from dos.exitcodes import exit_code

RENDERERS = ("text", "json", "plain")


def _renderer(text: str) -> str:
    if text not in RENDERERS:
        raise argparse.ArgumentTypeError(f"unknown renderer {text!r}; known: {', '.join(RENDERERS)}")
    return text


def _ratio(text: str) -> float:
    """A finite number, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number, 0 or more")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def _add_render(p: argparse.ArgumentParser, fields: str) -> None:
    add_json(p, f"print the verdict as JSON {fields}")
    p.add_argument("--output", type=_renderer, default=None, metavar="NAME",
                   help="renderer: text (default), json or plain (json is the same as --json)")


def _emit(verb: str, v: Any, args: argparse.Namespace, *, good: bool | None = None) -> int:
    code = exit_code(verb, v.token)
    if args.json or args.output == "json":
        print_json(v.to_dict())
    else:
        print_verdict(v.token, v.reason, good=code == 0 if good is None else good)
    return code


# --------------------------------------------------------------------------- productivity


def configure_productivity(p: argparse.ArgumentParser) -> None:
    p.add_argument("--deltas", default="", metavar="D1,D2,...",
                   help="the work each step landed, oldest first (whole numbers; empty: nothing to judge)")
    p.add_argument("--min-steps", type=count, default=3, metavar="N", help="steps before a trend is judged (3)")
    p.add_argument("--floor", type=count, default=500, metavar="UNITS",
                   help="per-step work under which two steps in a row read DIMINISHING (500)")
    _add_render(p, "{verdict, reason, history}")


def run_productivity(args: argparse.Namespace, ctx) -> int:
    from dos.service.small import productivity

    v = productivity(ctx.service, args.deltas, min_steps=args.min_steps, floor=args.floor)
    return _emit("productivity", v, args)


# --------------------------------------------------------------------------- efficiency


def configure_efficiency(p: argparse.ArgumentParser) -> None:
    p.add_argument("--work", type=count, default=0, metavar="UNITS", help="the work the environment witnessed")
    p.add_argument("--tokens", type=count, default=0, metavar="N", help="the tokens the provider billed")
    p.add_argument("--min-tokens", type=count, default=1000, metavar="N", help="spend below which nothing is judged")
    p.add_argument("--floor", type=_ratio, default=0.0, metavar="RATIO",
                   help="work per token under which a run is COSTLY (0 = off, the default)")
    _add_render(p, "{verdict, reason, evidence}")


def run_efficiency(args: argparse.Namespace, ctx) -> int:
    from dos.service.small import efficiency

    v = efficiency(ctx.service, args.work, args.tokens, min_tokens=args.min_tokens, floor=args.floor)
    return _emit("efficiency", v, args)


# --------------------------------------------------------------------------- improve


def configure_improve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--suite-passed", action="store_true", help="the test suite passed (missing: red)")
    p.add_argument("--truth-clean", action="store_true", help="verify / commit-audit agreed (missing: dirty)")
    p.add_argument("--work", type=count, default=0, metavar="UNITS", help="the metric after the candidate")
    p.add_argument("--baseline-work", type=count, default=0, metavar="UNITS", help="the metric before it")
    p.add_argument("--tokens", type=count, default=0, metavar="N", help="tokens the candidate cost")
    p.add_argument("--consecutive-reverts", type=count, default=0, metavar="N", help="reverts in a row so far")
    p.add_argument("--max-reverts", type=count, default=3, metavar="N", help="escalate at this many in a row (3)")
    p.add_argument("--efficiency-floor", type=_ratio, default=0.0, metavar="RATIO",
                   help="gain per token under which a gain is reverted as overpriced (0 = off)")
    p.add_argument("--min-tokens", type=count, default=1000, metavar="N", help="spend below which price is not judged")
    p.add_argument("--narrated", default="", metavar="TEXT", help="the candidate's own description (never read)")
    _add_render(p, "{verdict, revert_cause, escalation, next_consecutive_reverts, reason, evidence}")


def run_improve(args: argparse.Namespace, ctx) -> int:
    from dos.service.small import improve

    v = improve(ctx.service, suite_passed=args.suite_passed, truth_clean=args.truth_clean, work=args.work,
                baseline_work=args.baseline_work, tokens=args.tokens, consecutive_reverts=args.consecutive_reverts,
                max_reverts=args.max_reverts, efficiency_floor=args.efficiency_floor, min_tokens=args.min_tokens,
                narrated=args.narrated)
    return _emit("improve", v, args)


# --------------------------------------------------------------------------- breaker


def configure_breaker(p: argparse.ArgumentParser) -> None:
    p.add_argument("--consecutive", type=count, default=0, metavar="N", help="failures in a row so far")
    p.add_argument("--total", type=count, default=0, metavar="N", help="failures in all so far")
    p.add_argument("--max-consecutive", type=count, default=3, metavar="N", help="limit in a row (3; 0 = off)")
    p.add_argument("--max-total", type=count, default=20, metavar="N", help="limit in all (20; 0 = off)")
    p.add_argument("--on-trip", choices=("none", "judge", "human"), default="none",
                   help="where an OPEN breaker escalates (none)")
    _add_render(p, "{state, escalation, reason, tripped_on}")


def run_breaker(args: argparse.Namespace, ctx) -> int:
    from dos.service.small import breaker

    v = breaker(ctx.service, consecutive=args.consecutive, total=args.total, max_consecutive=args.max_consecutive,
                max_total=args.max_total, on_trip=args.on_trip)
    return _emit("breaker", v, args)


# --------------------------------------------------------------------------- exec-capability


def configure_exec_capability(p: argparse.ArgumentParser) -> None:
    p.add_argument("--command", default="", metavar="CMD", help="the shell command to classify")
    p.add_argument("--extra", default="", metavar="P1,P2", help="more programs that count as arbitrary exec")
    _add_render(p, "{capability, program, reason}")


def run_exec_capability(args: argparse.Namespace, ctx) -> int:
    from dos.service.small import exec_capability

    v = exec_capability(ctx.service, args.command, extra=args.extra)
    return _emit("exec-capability", v, args)


# --------------------------------------------------------------------------- hook-exit


def configure_hook_exit(p: argparse.ArgumentParser) -> None:
    p.add_argument("--code", type=_integer, required=True, metavar="N", help="the exit code the hook returned")
    p.add_argument("--map", default="", metavar="C=VERB,...",
                   help="code -> OBSERVE/WARN/BLOCK/DEFER mappings over the default 2=BLOCK (a mapping for 0 counts)")
    _add_render(p, "{code, intervention, reason, matched}")


def run_hook_exit(args: argparse.Namespace, ctx) -> int:
    from dos.service.small import hook_exit

    v = hook_exit(ctx.service, args.code, mapping=args.map)
    return _emit("hook-exit", v, args)


# --------------------------------------------------------------------------- answer-shape


def configure_answer_shape(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text", default=None, metavar="TEXT", help="the drafted output ('-' reads stdin)")
    p.add_argument("--file", default=None, metavar="PATH", help="read it from a file ('-': stdin); wins over --text")
    p.add_argument("--min-chars", type=count, default=1, metavar="N", help="the shortest answer (1)")
    p.add_argument("--non-answer", default="", metavar="RE,...", help="more disqualifying regexes")
    p.add_argument("--markers", default="", metavar="RE,...", help="regexes an answer must match (strict mode)")
    _add_render(p, "{state, length, matched, is_shippable, is_disqualified, reason}")


def _answer_text(args: argparse.Namespace) -> str:
    source = args.file if args.file is not None else args.text
    if source is None:
        raise UsageError("answer-shape needs the output: --text TEXT, --text - (stdin) or --file PATH")
    if source == "-":
        return sys.stdin.read()
    if args.file is None:
        return source
    try:
        with open(source, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read --file {source}: {getattr(exc, 'strerror', None) or exc}") from None


def run_answer_shape(args: argparse.Namespace, ctx) -> int:
    from dos.service.small import answer_shape

    v = answer_shape(ctx.service, _answer_text(args), min_chars=args.min_chars, non_answer=args.non_answer,
                     markers=args.markers)
    return _emit("answer-shape", v, args)


# --------------------------------------------------------------------------- reward


def configure_reward(p: argparse.ArgumentParser) -> None:
    p.add_argument("--claim", action="store_true", help="the trajectory made a checkable claim (the default)")
    p.add_argument("--no-claim", action="store_true", help="it made none: NO_CLAIM")
    p.add_argument("--witness", choices=("confirm", "refute", "none"), default="none",
                   help="what a read-back the agent did not write saw (none)")
    p.add_argument("--forgeable", action="store_true",
                   help="the read-back is the agent re-reading its own surface: ignored by the verdict")
    p.add_argument("--narrated", default="", metavar="TEXT", help="the agent's own words (never read)")
    _add_render(p, "{verdict, accept, poison, dispreferred, claim_present, witness, accountability, reason}")


def run_reward(args: argparse.Namespace, ctx) -> int:
    from dos.service.small import reward

    if args.claim and args.no_claim:
        raise UsageError("reward: give at most one of --claim and --no-claim")
    v = reward(ctx.service, claim=not args.no_claim, witness=args.witness, forgeable=args.forgeable,
               narrated=args.narrated)
    return _emit("reward", v, args)


# --------------------------------------------------------------------------- arg-provenance


def configure_arg_provenance(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tool", required=True, help="the tool's name (a write verb in it makes the call mutating)")
    p.add_argument("--args", required=True, metavar="JSON", help="the call's arguments, a JSON object")
    p.add_argument("--prior", action="append", default=[], metavar="BLOB",
                   help="a prior tool result (repeatable): bytes the environment wrote")
    p.add_argument("--prior-file", metavar="PATH", help="prior results, one per line")
    p.add_argument("--task-text", default="", metavar="TEXT", help="the task prompt (an id it names is not minted)")
    p.add_argument("--new-key", action="append", default=[], metavar="ARG",
                   help="an argument holding the new object's own id (repeatable; never checked)")
    p.add_argument("--read", action="store_true", help="the call does not mutate (reads are never gated)")
    add_json(p, "print {believe, args, unsupported, reason} as indented JSON")


def run_arg_provenance(args: argparse.Namespace, ctx) -> int:
    from dos.service.small import arg_provenance

    try:
        call_args = json.loads(args.args)
    except json.JSONDecodeError as exc:
        raise InputError(f"--args is not valid JSON ({exc.msg} at char {exc.pos}); give a JSON object") from None
    if not isinstance(call_args, dict):
        raise InputError(f"--args must be a JSON object of the call's arguments, not {type(call_args).__name__}")
    priors = list(args.prior)
    if args.prior_file:
        try:
            with open(args.prior_file, encoding="utf-8") as fh:
                priors += [line.rstrip("\n") for line in fh if line.strip()]
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read --prior-file {args.prior_file}: "
                             f"{getattr(exc, 'strerror', None) or exc}") from None
    v = arg_provenance(ctx.service, args.tool, call_args, priors=priors, task_text=args.task_text,
                       new_keys=args.new_key, read=args.read)
    code = exit_code("arg-provenance", v.token)
    if args.json:
        sys.stdout.write(json.dumps(v.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return code
    print_verdict(v.token, f"{v.tool}  (mutating={v.mutating})", good=v.believe)
    lines = [f"  {v.reason}"] + [f"    {a.stance:<11} {a.arg_name}={a.value_repr}  {a.reason}" for a in v.args]
    sys.stdout.write("\n".join(lines) + "\n")
    return code


# --------------------------------------------------------------------------- gate


def configure_gate(p: argparse.ArgumentParser) -> None:
    p.add_argument("packet", nargs="?", default=None, metavar="PACKET",
                   help="a .dispositions-<tag>.json packet (a sibling .race-<tag>.json makes it RACE)")
    p.add_argument("--picks-json", default=None, metavar="JSON", help="the picks inline, a JSON list (not with PACKET)")
    p.add_argument("--lane", default="", help="the lane the packet was for (recorded with the verdict)")
    p.add_argument("--run-id", default="", help="the run the packet belongs to (recorded with the verdict)")
    p.add_argument("--explain", action="store_true", help="add the loop's next move (CONTINUE, STOP, ...)")
    add_json(p, "print {verdict, reason, evidence} as JSON")


def run_gate(args: argparse.Namespace, ctx) -> int:
    from dos.service.picker import gate

    v = gate(ctx.service, packet=args.packet, picks_json=args.picks_json, lane=args.lane, run_id=args.run_id)
    code = exit_code("gate", v.token)
    if args.json:
        d = v.to_dict()
        if args.explain:
            d["interpretation"] = v.interpretation
        print_json(d)
        return code
    print_verdict(v.token, v.reason, good=code == 0)
    if args.explain:
        sys.stdout.write(v.interpretation + "\n")
    return code


# --------------------------------------------------------------------------- health


def configure_health(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lane", required=True, help="the lane a run would start on")
    p.add_argument("--tree", default="", metavar="CSV", help="the lane's globs (default: its declared tree)")
    p.add_argument("--leases-json", default=None, metavar="JSON",
                   help="the live leases, a JSON array (default: the store's live set)")
    p.add_argument("--own-lease-ts", default="", metavar="TS", help="the loop_ts of this loop's own lease")
    p.add_argument("--window", type=count, default=12, metavar="N", help="recent runs considered (12)")
    p.add_argument("--git-log-file", default=None, metavar="PATH",
                   help="not read: DOS takes the lane's history from its store (see docs/verdicts.md)")
    add_json(p, "print the verdict as JSON (always: the output is JSON)")


def run_health(args: argparse.Namespace, ctx) -> int:
    from dos.service.health import health

    if args.git_log_file is not None:
        raise UsageError("health: --git-log-file is not read; DOS takes a lane's recent runs from its store "
                         "(its ACQUIRE and REFUSE events and recorded gate verdicts). Drop the flag")
    tree = [t.strip() for t in args.tree.split(",") if t.strip()]
    v = health(ctx.service, args.lane, tree=tree or None, leases_json=args.leases_json,
               own_lease_ts=args.own_lease_ts, window=args.window)
    print_json(v.to_dict(), pretty=True)
    return exit_code("health", v.token)


# --------------------------------------------------------------------------- scout


def configure_scout(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state-json", default=None, metavar="JSON",
                   help="the chooser's state: {health, replan_due, open_soaks, resource_blocked, ...}")
    p.add_argument("--lane", default="", help="with no health in the state: compute this lane's health first")
    add_json(p, "print the decision as JSON (always: the output is JSON)")


def run_scout(args: argparse.Namespace, ctx) -> int:
    from dos.service.health import scout

    v, ignored = scout(ctx.service, args.state_json, lane=args.lane)
    for key in ignored:
        warn(f"scout ignores the state key {key!r} (not one it reads)")
    print_json(v.to_dict(), pretty=True)
    return exit_code("scout", v.token)


# --------------------------------------------------------------------------- pick-priority


def configure_pick_priority(p: argparse.ArgumentParser) -> None:
    p.add_argument("unit", metavar="UNIT", help="the unit id to rank")
    p.add_argument("--attempts", default=None, metavar="JSON",
                   help="attempt records, a JSON list (default: the store's ATTEMPT events and the lane journal)")
    add_json(p, "print {unit_id, freshness, last_attempt_ms, sort_key, reason} as JSON")


def run_pick_priority(args: argparse.Namespace, ctx) -> int:
    from dos.service.picker import pick_priority

    given = None
    if args.attempts is not None:
        try:
            given = json.loads(args.attempts)
        except json.JSONDecodeError as exc:
            raise InputError(f"--attempts is not valid JSON ({exc.msg} at char {exc.pos})") from None
    v = pick_priority(ctx.service, args.unit, attempts_given=given)
    code = exit_code("pick-priority", v.token)
    if args.json:
        print_json(v.to_dict())
    else:
        print_verdict(v.token, v.reason, good=code == 0)
    return code
