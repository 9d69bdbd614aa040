"""Judges and the evaluation harnesses: each parses its flags, asks the service, prints ``TOKEN  reason``
or JSON, and exits with the verdict's code. Case files are described in docs/evals.md.

    dos judge wedge 20250101T000000Z --judge similarity    # AGREE/ABSTAIN 0, DISAGREE 1
    dos judge-eval --judge llm --cases claims.jsonl          # no_false_clear 0, false_clear 1
    dos overlap-eval                                         # the shipped corpus; leaked 1
    dos intervention-eval --low OBSERVE --ceiling WARN       # net_harmful 1
"""

from __future__ import annotations

import argparse
from typing import Any

from dos.cli._args import count
from dos.cli._output import add_json, print_json, print_verdict, warn
from dos.exitcodes import exit_code


def _cases(p: argparse.ArgumentParser, harness: str) -> None:
    p.add_argument("--cases", default=None, metavar="FILE",
                   help=f"a JSONL case file (default: the corpus shipped as dos/evals/cases/"
                        f"{harness.removesuffix('-eval')}.jsonl)")
    add_json(p, "print the report as JSON: {verdict, reason, counts..., policy, cases}")


def _emit(verb: str, v: Any, args: argparse.Namespace, warnings: list[str] = ()) -> int:  # type: ignore[assignment]
    for w in warnings:
        warn(w)
    code = exit_code(verb, v.token)
    if args.json:
        print_json(v.to_dict())
    else:
        print_verdict(v.token, v.reason, good=code == 0)
    return code


# --------------------------------------------------------------------------- judge wedge


def configure_judge(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("wedge", help="audit a dispatch run that picked nothing: is its stated cause true?")
    p.add_argument("run_ts", metavar="RUN_TS", help="the run: <dispatch_loops>/<RUN_TS>.json "
                                                   "(default dir .dos/dispatch_loops)")
    p.add_argument("--judge", default="", metavar="NAME",
                   help="the judge asked when the oracle cannot tell (default [judge] default, else abstain)")
    add_json(p, "print {verdict, run_ts, outcome, cause, cause_source, oracle, oracle_disagrees, judge} as JSON")


def run_judge(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.judges import wedge

    audit, warnings = wedge(ctx.service, args.run_ts, judge=args.judge)
    return _emit("judge", audit, args, warnings)


# --------------------------------------------------------------------------- the harnesses


def configure_judge_eval(p: argparse.ArgumentParser) -> None:
    p.add_argument("--judge", default="", metavar="NAME",
                   help="abstain, similarity, operator-decision, llm or an installed plugin "
                        "(default [judge] default, else abstain)")
    _cases(p, "judge-eval")


def run_judge_eval(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.evals import judge_eval

    report, warnings = judge_eval(ctx.service, args.cases, judge=args.judge)
    return _emit("judge-eval", report, args, warnings)


def configure_overlap_eval(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", default="prefix", metavar="NAME", help="the overlap policy scored (prefix)")
    _cases(p, "overlap-eval")


def run_overlap_eval(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.evals import overlap_eval

    return _emit("overlap-eval", overlap_eval(ctx.service, args.cases, policy=args.policy), args)


def configure_intervention_eval(p: argparse.ArgumentParser) -> None:
    levels = "OBSERVE, WARN, BLOCK or DEFER"
    p.add_argument("--high", default="BLOCK", metavar="LEVEL", help=f"the intervention for a high finding ({levels})")
    p.add_argument("--low", default="WARN", metavar="LEVEL", help="the intervention for a low finding (WARN)")
    p.add_argument("--ceiling", default="BLOCK", metavar="LEVEL", help="no intervention goes above this (BLOCK)")
    _cases(p, "intervention-eval")


def run_intervention_eval(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.evals import intervention_eval

    report = intervention_eval(ctx.service, args.cases, high=args.high, low=args.low, ceiling=args.ceiling)
    return _emit("intervention-eval", report, args)


def configure_tool_stream_eval(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repeat-n", type=count, default=None, metavar="N",
                   help="identical steps in a row that read REPEATING (default [tool_stream] repeat_n, 3)")
    p.add_argument("--stall-n", type=count, default=None, metavar="N",
                   help="identical steps in a row that read STALLED (default [tool_stream] stall_n, 5)")
    p.add_argument("--ignore-tools", default=None, metavar="CSV", help="tools never flagged (default from config)")
    _cases(p, "tool-stream-eval")


def run_tool_stream_eval(args: argparse.Namespace, ctx: Any) -> int:
    from dos.errors import UsageError
    from dos.service.evals import tool_stream_eval

    if args.repeat_n == 0 or args.stall_n == 0:
        raise UsageError("--repeat-n and --stall-n must be 1 or more")
    ignore = None if args.ignore_tools is None else [t.strip() for t in args.ignore_tools.split(",") if t.strip()]
    report = tool_stream_eval(ctx.service, args.cases, repeat_n=args.repeat_n, stall_n=args.stall_n,
                              ignore_tools=ignore)
    return _emit("tool-stream-eval", report, args)


def configure_precursor_gate_eval(p: argparse.ArgumentParser) -> None:
    _cases(p, "precursor-gate-eval")


def run_precursor_gate_eval(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.evals import precursor_gate_eval

    return _emit("precursor-gate-eval", precursor_gate_eval(ctx.service, args.cases), args)
