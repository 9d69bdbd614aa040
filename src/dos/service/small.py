"""The small pure verdicts as service calls: build the evidence, ask the kernel, journal the verdict once.

None of these read the workspace; the context is only where the verdict is journaled (it may
be None, e.g. in a library call that does not want a journal). A value the kernel rejects
(a negative count, a bad regex, a malformed map) becomes a ``UsageError`` (exit 2).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from dos.errors import InputError, UsageError
from dos.service import journal
from dos.service.context import Context

T = TypeVar("T")


def _checked(build: Callable[[], T], error: type = UsageError) -> T:
    try:
        return build()
    except ValueError as exc:
        raise error(str(exc)) from None


def productivity(ctx: Context | None, deltas: Sequence[int] | str, *, min_steps: int = 3, floor: int = 500) -> Any:
    """PRODUCTIVE, DIMINISHING or STALLED for per-step work DELTAS (oldest first; a comma string is parsed)."""
    from dos.kernel.budget import ProductivityPolicy, StepHistory, classify_productivity, parse_deltas

    values = _checked(lambda: parse_deltas(deltas)) if isinstance(deltas, str) else tuple(deltas)
    v = classify_productivity(_checked(lambda: StepHistory(tuple(values))),
                              _checked(lambda: ProductivityPolicy(min_steps, floor)))
    journal.record(ctx, "productivity", v)
    return v


def efficiency(ctx: Context | None, work: int, tokens: int, *, min_tokens: int = 1000, floor: float = 0.0) -> Any:
    """EFFICIENT, COSTLY or WASTEFUL for WORK witnessed against TOKENS billed."""
    from dos.kernel.budget import EfficiencyPolicy, Spend, classify_efficiency

    v = classify_efficiency(_checked(lambda: Spend(work, tokens)),
                            _checked(lambda: EfficiencyPolicy(min_tokens, floor)))
    journal.record(ctx, "efficiency", v)
    return v


def improve(ctx: Context | None, *, suite_passed: bool = False, truth_clean: bool = False, work: int = 0,
            baseline_work: int = 0, tokens: int = 0, consecutive_reverts: int = 0, max_reverts: int = 3,
            efficiency_floor: float = 0.0, min_tokens: int = 1000, narrated: str = "") -> Any:
    """KEEP, REVERT or ESCALATE one candidate of a self-improving loop."""
    from dos.kernel.improve import Candidate, ImprovePolicy, classify_improve

    cand = _checked(lambda: Candidate(suite_passed, truth_clean, work, baseline_work, tokens, consecutive_reverts,
                                      narrated))
    v = classify_improve(cand, _checked(lambda: ImprovePolicy(max_reverts, efficiency_floor, min_tokens)))
    journal.record(ctx, "improve", v)
    return v


def breaker(ctx: Context | None, *, consecutive: int = 0, total: int = 0, max_consecutive: int = 3,
            max_total: int = 20, on_trip: str = "none") -> Any:
    """CLOSED or OPEN for the failure counts, with the escalation rung of an OPEN breaker."""
    from dos.kernel.breaker import BreakerCounts, BreakerPolicy, classify_breaker

    v = classify_breaker(_checked(lambda: BreakerCounts(consecutive, total)),
                         _checked(lambda: BreakerPolicy(max_consecutive, max_total, on_trip.upper())))
    journal.record(ctx, "breaker", v)
    return v


def exec_capability(ctx: Context | None, command: str, *, extra: Iterable[str] | str = ()) -> Any:
    """BOUNDED, EMPTY or GRANTS_ARBITRARY_EXEC for a shell COMMAND (EXTRA: more programs to count)."""
    from dos.kernel.execcap import classify_exec

    extras = extra.split(",") if isinstance(extra, str) else list(extra)
    v = classify_exec(command, extras)
    journal.record(ctx, "exec_capability", v, subject=command[:200])
    return v


def hook_exit(ctx: Context | None, code: int, *, mapping: Mapping[int, str] | str = "") -> Any:
    """PASS, or the intervention a shell hook's exit CODE maps to."""
    from dos.kernel.hookexit import HookExitPolicy, classify_hook_exit, parse_map

    table = _checked(lambda: parse_map(mapping)) if isinstance(mapping, str) else dict(mapping)
    v = classify_hook_exit(code, _checked(lambda: HookExitPolicy(table)))
    journal.record(ctx, "hook_exit", v)
    return v


def answer_shape(ctx: Context | None, text: str, *, min_chars: int = 1, non_answer: Sequence[str] | str = (),
                 markers: Sequence[str] | str = ()) -> Any:
    """ANSWER_SHAPED, NON_ANSWER or INDETERMINATE for a drafted output (regex lists may be comma strings)."""
    from dos.kernel.answer import AnswerPolicy, classify_answer, split_patterns

    def patterns(x: Sequence[str] | str) -> tuple[str, ...]:
        return split_patterns(x) if isinstance(x, str) else tuple(x)

    v = classify_answer(text, _checked(lambda: AnswerPolicy(min_chars, patterns(non_answer), patterns(markers))))
    journal.record(ctx, "answer_shape", v)
    return v


WITNESS_STANCES = {"confirm": "ATTESTED", "refute": "REFUTED", "none": "NO_SIGNAL"}


def reward(ctx: Context | None, *, claim: bool = True, witness: str = "none", forgeable: bool = False,
           narrated: str = "") -> Any:
    """ACCEPT, REJECT_POISON, ABSTAIN or NO_CLAIM for one trajectory, from one read-back of its effect."""
    from dos.kernel.reward import ReadBack, RewardEvidence, admit

    if witness not in WITNESS_STANCES:
        raise UsageError(f"--witness must be one of {', '.join(WITNESS_STANCES)}, not {witness!r}")
    readbacks = ()
    if witness != "none":
        readbacks = (ReadBack("witness", "AGENT_AUTHORED" if forgeable else "OS_RECORDED",
                              WITNESS_STANCES[witness]),)
    v = admit(RewardEvidence(claim, readbacks, narrated))
    journal.record(ctx, "reward", v)
    return v


def arg_provenance(ctx: Context | None, tool: str, args: Mapping[str, Any], *, priors: Sequence[str] = (),
                   task_text: str = "", new_keys: Sequence[str] = (), read: bool = False) -> Any:
    """BELIEVE or UNSUPPORTED: were the id arguments of TOOL(ARGS) resolved from env bytes or minted?"""
    from dos.kernel.provenance import Blob, judge_call

    if not tool.strip():
        raise UsageError("--tool needs a tool name, e.g. --tool update_order")
    if not isinstance(args, Mapping):
        raise InputError("--args must be a JSON object of the call's arguments, e.g. '{\"order_id\": \"ORD-1\"}'")
    blobs = [Blob("TOOL_RESULT", p) for p in priors]
    if task_text:
        blobs.append(Blob("TASK_TEXT", task_text))
    v = judge_call(tool, args, blobs, new_keys=new_keys, read=read)
    journal.record(ctx, "arg_provenance", v, subject=tool)
    return v
