"""Is a drafted output shaped like an answer, or a structural non-answer? Shape only, never correctness.

NON_ANSWER: empty, shorter than the floor, or matching a disqualifier (a leaked reasoning log,
a bare refusal, a tool-call dump, a traceback). INDETERMINATE: the policy requires a positive
marker and none matched. ANSWER_SHAPED otherwise, which says nothing about being right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_APOS = "['\u2019]"
DISQUALIFIERS: tuple[str, ...] = (
    r"</?thinking>",
    r"<scratchpad>",
    r"\blet me (?:think|reason)\b",
    r"\bstep 1:\s",
    rf"\bi (?:cannot|can{_APOS}?t|can not)\b.*\b(?:answer|help|comply|provide|assist)\b",
    rf"\bi(?:{_APOS}?m| am) (?:sorry|unable)\b.*\b(?:cannot|can{_APOS}?t|unable|not able)\b",
    r"\A\s*(?:tool_call|function_call|tool_use)\b",
    r"\btraceback \(most recent call last\)",
)
_FLAGS = re.IGNORECASE | re.MULTILINE


@dataclass(frozen=True, slots=True)
class AnswerPolicy:
    """MIN_CHARS: the shortest (stripped) text that can be an answer; NON_ANSWER and MARKERS: extra regexes."""

    min_chars: int = 1
    non_answer: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.min_chars < 0:
            raise ValueError("--min-chars must be 0 or more")
        for flag, patterns in (("--non-answer", self.non_answer), ("--markers", self.markers)):
            for pattern in patterns:
                try:
                    re.compile(pattern, _FLAGS)
                except re.error as exc:
                    raise ValueError(f"{flag} pattern {pattern!r} is not a valid regex ({exc})") from None


@dataclass(frozen=True, slots=True)
class AnswerShape:
    state: str  # ANSWER_SHAPED | NON_ANSWER | INDETERMINATE
    length: int
    matched: str  # the disqualifier pattern that fired ('' if none)
    reason: str
    evidence: dict[str, Any]

    @property
    def token(self) -> str:
        return self.state

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "length": self.length, "matched": self.matched,
                "is_shippable": self.state == "ANSWER_SHAPED", "is_disqualified": self.state == "NON_ANSWER",
                "reason": self.reason}


def classify_answer(text: str, policy: AnswerPolicy = AnswerPolicy()) -> AnswerShape:
    """Length floor, then disqualifiers (built-in, then the policy's), then required markers."""
    stripped = text.strip()
    n = len(text)
    ev = {"stripped_length": len(stripped), "min_chars": policy.min_chars, "markers": list(policy.markers)}
    if not stripped:
        return AnswerShape("NON_ANSWER", n, "", "the output is empty or only whitespace", ev)
    if len(stripped) < policy.min_chars:
        return AnswerShape("NON_ANSWER", n, "", f"the output is {len(stripped)} character(s), under the floor of "
                                                f"{policy.min_chars}: a stub, not an answer", ev)
    for pattern in (*DISQUALIFIERS, *policy.non_answer):
        if re.search(pattern, text, _FLAGS):
            return AnswerShape("NON_ANSWER", n, pattern, f"the output matches the non-answer pattern {pattern!r} "
                                                         f"(reasoning log, bare refusal, tool dump or traceback)", ev)
    if policy.markers and not any(re.search(m, text, _FLAGS) for m in policy.markers):
        return AnswerShape("INDETERMINATE", n, "", "no disqualifier fired, but none of the required answer markers "
                                                   "matched; leave the call to a judge or a person", ev)
    return AnswerShape("ANSWER_SHAPED", n, "", "shaped like an answer: no disqualifier fired (this says nothing "
                                               "about whether it is right)", ev)


def split_patterns(text: str | None) -> tuple[str, ...]:
    """A comma list of regexes -> a tuple (empty items dropped)."""
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())

