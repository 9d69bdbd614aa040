"""The evaluation harnesses as service calls: read a JSONL case file, score it with the kernel,
journal the report. A missing, unreadable or malformed case file is an ``InputError`` (exit 2).

Without ``--cases`` each harness reads the small corpus shipped in ``dos/evals/cases/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from dos.errors import InputError, UsageError
from dos.kernel import evals as ke

CORPUS = Path(__file__).resolve().parent.parent / "evals" / "cases"
MAX_CASES_BYTES = 64 * 1024 * 1024
HARNESSES = ("judge-eval", "overlap-eval", "intervention-eval", "tool-stream-eval", "precursor-gate-eval")


def shipped(harness: str) -> Path:
    """The corpus shipped for HARNESS."""
    return CORPUS / f"{harness.removesuffix('-eval')}.jsonl"


def read_cases(path: str | Path) -> list[Any]:
    """The cases of a JSONL file, one JSON object a line; blank lines are skipped."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_CASES_BYTES:
            raise InputError(f"case file {str(p)!r} is larger than {MAX_CASES_BYTES} bytes")
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"case file {str(p)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"case file {str(p)!r} cannot be read ({exc})") from None
    cases = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{p.name} line {n}: not JSON ({exc.args[0] if exc.args else exc})") from None
        if not isinstance(case, dict):
            raise InputError(f"{p.name} line {n}: a case must be a JSON object")
        cases.append(case)
    return cases


def _scored(build: Any) -> ke.EvalReport:
    try:
        return build()
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _finish(ctx: Any, report: ke.EvalReport, cases_path: Path) -> ke.EvalReport:
    from dos.service import journal

    journal.record(ctx, report.harness, report, subject=str(cases_path))
    return report


def judge_eval(ctx: Any, cases_path: str | Path | None, *, judge: str = "") -> tuple[ke.EvalReport, list[str]]:
    from dos.service.judges import Asker

    path = Path(cases_path) if cases_path else shipped("judge-eval")
    cases = read_cases(path)
    name = judge or ctx.config.judge.default
    asker = Asker(name, cfg=ctx.config.judge, root=ctx.root)
    report = _scored(lambda: ke.score_judge(cases, asker.ask, name))
    return _finish(ctx, report, path), asker.warnings


def overlap_eval(ctx: Any, cases_path: str | Path | None, *, policy: str = "prefix") -> ke.EvalReport:
    from dos.kernel.tree import tree_contains, trees_collide

    if policy != "prefix":
        raise UsageError(f"unknown overlap policy {policy!r}; known: prefix")
    path = Path(cases_path) if cases_path else shipped("overlap-eval")
    cases = read_cases(path)
    return _finish(ctx, _scored(lambda: ke.score_overlap(cases, trees_collide, tree_contains, policy)), path)


def intervention_eval(ctx: Any, cases_path: str | Path | None, *, high: str = "BLOCK", low: str = "WARN",
                      ceiling: str = "BLOCK") -> ke.EvalReport:
    path = Path(cases_path) if cases_path else shipped("intervention-eval")
    cases = read_cases(path)
    report = _scored(lambda: ke.score_intervention(cases, high=high.upper(), low=low.upper(),
                                                   ceiling=ceiling.upper()))
    return _finish(ctx, report, path)


def tool_stream_eval(ctx: Any, cases_path: str | Path | None, *, repeat_n: int | None = None,
                     stall_n: int | None = None, ignore_tools: Sequence[str] | None = None) -> ke.EvalReport:
    ts = ctx.config.tool_stream
    path = Path(cases_path) if cases_path else shipped("tool-stream-eval")
    cases = read_cases(path)
    ignore = tuple(ignore_tools) if ignore_tools is not None else (*ts.ignore_tools, *ctx.config.hooks.stall_ignore)
    report = _scored(lambda: ke.score_tool_stream(cases, repeat_n=repeat_n or ts.repeat_n,
                                                  stall_n=stall_n or ts.stall_n, ignore=ignore))
    return _finish(ctx, report, path)


def precursor_gate_eval(ctx: Any, cases_path: str | Path | None) -> ke.EvalReport:
    pc = ctx.config.precursor
    path = Path(cases_path) if cases_path else shipped("precursor-gate-eval")
    cases = read_cases(path)

    def build() -> ke.EvalReport:
        requires, aliases = ke.precursor_tables(pc.requires, pc.aliases)
        return ke.score_precursor(cases, requires, aliases)

    return _finish(ctx, _scored(build), path)
