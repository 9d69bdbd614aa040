"""Loop economics: is a run still doing work per step (productivity), and did its tokens buy work (efficiency)?

Both read counts the environment measured (work per step, tokens billed), never the agent's
account of itself, and both are timeless. Advisory: they report, they never stop a run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# --------------------------------------------------------------------------- productivity


@dataclass(frozen=True, slots=True)
class ProductivityPolicy:
    """MIN_STEPS: steps before a fading rate can be judged; FLOOR: the per-step work a healthy run lands."""

    min_steps: int = 3
    floor: int = 500

    def __post_init__(self) -> None:
        if self.min_steps < 0:
            raise ValueError("--min-steps must be 0 or more")
        if self.floor < 0:
            raise ValueError("--floor must be 0 or more work units")


@dataclass(frozen=True, slots=True)
class StepHistory:
    """The work each step landed, oldest first (non-negative counts in the caller's unit)."""

    deltas: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if any(isinstance(d, bool) or not isinstance(d, int) or d < 0 for d in self.deltas):
            raise ValueError("work deltas must be whole numbers, 0 or more")

    @property
    def last(self) -> int | None:
        return self.deltas[-1] if self.deltas else None

    @property
    def prior(self) -> int | None:
        return self.deltas[-2] if len(self.deltas) > 1 else None

    def to_dict(self) -> dict[str, Any]:
        return {"deltas": list(self.deltas), "step_count": len(self.deltas), "last_delta": self.last,
                "prior_delta": self.prior}


@dataclass(frozen=True, slots=True)
class ProductivityVerdict:
    verdict: str  # PRODUCTIVE | DIMINISHING | STALLED
    reason: str
    evidence: StepHistory

    @property
    def token(self) -> str:
        return self.verdict

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reason": self.reason, "history": self.evidence.to_dict()}


def classify_productivity(history: StepHistory,
                          policy: ProductivityPolicy = ProductivityPolicy()) -> ProductivityVerdict:
    """STALLED when the last step landed nothing, DIMINISHING when the last two both fell under the floor."""
    n = len(history.deltas)
    if n == 0 or n < policy.min_steps:
        return ProductivityVerdict("PRODUCTIVE", f"{n} step(s) so far, fewer than the {policy.min_steps} needed "
                                                 f"to judge a trend; nothing to flag yet", history)
    last = history.deltas[-1]
    if last == 0:
        return ProductivityVerdict("STALLED", f"the latest of {n} steps landed no work at all", history)
    prior = history.deltas[-2] if n > 1 else policy.floor  # one step alone cannot show a sustained fall
    if last < policy.floor and prior < policy.floor:
        return ProductivityVerdict("DIMINISHING", f"the last two of {n} steps landed {prior} and {last} work "
                                                  f"units, both under the floor of {policy.floor}: returns are "
                                                  f"fading", history)
    return ProductivityVerdict("PRODUCTIVE", f"the latest of {n} steps landed {last} work units (the one before: "
                                             f"{prior if n > 1 else 'none'}; floor {policy.floor})", history)


# --------------------------------------------------------------------------- efficiency


@dataclass(frozen=True, slots=True)
class EfficiencyPolicy:
    """MIN_TOKENS: spend below which nothing is judged; FLOOR: the work per token a run must reach (0 = off)."""

    min_tokens: int = 1000
    floor: float = 0.0

    def __post_init__(self) -> None:
        if self.min_tokens < 0:
            raise ValueError("--min-tokens must be 0 or more")
        if not math.isfinite(self.floor) or self.floor < 0:
            raise ValueError("--floor must be a finite ratio, 0 or more")


@dataclass(frozen=True, slots=True)
class Spend:
    """WORK the environment witnessed and TOKENS the provider billed."""

    work: int = 0
    tokens: int = 0

    def __post_init__(self) -> None:
        for name in ("work", "tokens"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"--{name} must be a whole number, 0 or more")

    @property
    def ratio(self) -> float:
        return self.work / self.tokens if self.tokens else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"work": self.work, "tokens": self.tokens, "ratio": self.ratio}


@dataclass(frozen=True, slots=True)
class EfficiencyVerdict:
    verdict: str  # EFFICIENT | COSTLY | WASTEFUL
    reason: str
    evidence: Spend

    @property
    def token(self) -> str:
        return self.verdict

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reason": self.reason, "evidence": self.evidence.to_dict()}


def classify_efficiency(spend: Spend, policy: EfficiencyPolicy = EfficiencyPolicy()) -> EfficiencyVerdict:
    """WASTEFUL when real spend bought no work; COSTLY when work per token is under an armed floor."""
    if spend.tokens == 0 or spend.tokens < policy.min_tokens:
        return EfficiencyVerdict("EFFICIENT", f"{spend.tokens} token(s) spent, under the {policy.min_tokens} "
                                              f"needed to judge; nothing to flag yet", spend)
    if spend.work == 0:
        return EfficiencyVerdict("WASTEFUL", f"{spend.tokens} tokens spent and no work landed", spend)
    if spend.ratio < policy.floor:
        return EfficiencyVerdict("COSTLY", f"{spend.work} work units for {spend.tokens} tokens is {spend.ratio:.6g} "
                                           f"per token, under the floor of {policy.floor:g}", spend)
    return EfficiencyVerdict("EFFICIENT", f"{spend.work} work units for {spend.tokens} tokens is {spend.ratio:.6g} "
                                          f"per token (floor {policy.floor:g})", spend)


def parse_deltas(text: str) -> tuple[int, ...]:
    """``"800,600,40"`` -> (800, 600, 40); '' -> (). ValueError names the first bad item."""
    if not text.strip():
        return ()
    out = []
    for i, item in enumerate(text.split(","), 1):
        item = item.strip()
        if not item.isdigit() or not item.isascii():
            shown = repr(item) if item else "an empty item"
            raise ValueError(f"--deltas item {i} is {shown}; give whole numbers 0 or more, oldest first, "
                             f"e.g. --deltas 800,600,40")
        out.append(int(item))
    return tuple(out)

