"""The keep-gate of a self-improving loop: KEEP a candidate, REVERT it, or ESCALATE to a human.

KEEP needs a green suite, a clean truth check and a strict gain in a metric the environment
measured (``work > baseline_work``), at a price the efficiency floor accepts. Every other
candidate is reverted, and the Nth revert in a row escalates (a consecutive-only breaker).
The candidate's own description (``narrated``) is carried for the operator and never read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from dos.kernel.breaker import BreakerCounts, BreakerPolicy, classify_breaker
from dos.kernel.budget import EfficiencyPolicy, Spend, classify_efficiency


@dataclass(frozen=True, slots=True)
class ImprovePolicy:
    max_reverts: int = 3
    efficiency_floor: float = 0.0
    min_tokens: int = 1000

    def __post_init__(self) -> None:
        if self.max_reverts < 1:
            raise ValueError("--max-reverts must be 1 or more (0 would escalate before the loop ran)")
        EfficiencyPolicy(self.min_tokens, self.efficiency_floor)  # the same bounds as `dos efficiency`


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the driver measured for one candidate. A missing witness is a failing one."""

    suite_passed: bool = False
    truth_clean: bool = False
    work: int = 0
    baseline_work: int = 0
    tokens: int = 0
    consecutive_reverts: int = 0
    narrated: str = ""

    def __post_init__(self) -> None:
        for name in ("work", "baseline_work", "tokens", "consecutive_reverts"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"--{name.replace('_', '-')} must be a whole number, 0 or more")

    @property
    def delta(self) -> int:
        return self.work - self.baseline_work

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(delta=self.delta, improved=self.delta > 0)
        return d


@dataclass(frozen=True, slots=True)
class ImproveVerdict:
    verdict: str  # KEEP | REVERT | ESCALATE
    revert_cause: str | None  # regressed | wasteful | no-improvement | None
    escalation: str  # NONE | HUMAN
    next_consecutive_reverts: int
    reason: str
    evidence: Candidate

    @property
    def token(self) -> str:
        return self.verdict

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "revert_cause": self.revert_cause, "escalation": self.escalation,
                "next_consecutive_reverts": self.next_consecutive_reverts, "reason": self.reason,
                "evidence": self.evidence.to_dict()}


def classify_improve(c: Candidate, policy: ImprovePolicy = ImprovePolicy()) -> ImproveVerdict:
    """Regression first (always a revert), then a priced gain (KEEP), else no improvement; reverts count up."""
    if not (c.suite_passed and c.truth_clean):
        broken = " and ".join(w for w, ok in (("the suite is red", c.suite_passed),
                                              ("the truth check is dirty", c.truth_clean)) if not ok)
        return _revert(c, policy, "regressed", f"the candidate regressed ({broken}); a claimed gain cannot "
                                                "outweigh that")
    if c.delta > 0:
        eff = classify_efficiency(Spend(c.delta, c.tokens), EfficiencyPolicy(policy.min_tokens,
                                                                             policy.efficiency_floor))
        if eff.verdict == "EFFICIENT":
            return ImproveVerdict("KEEP", None, "NONE", 0,
                                  f"keep: suite green, truth clean, the metric rose {c.baseline_work} -> {c.work} "
                                  f"(+{c.delta}) as measured by the environment", c)
        return _revert(c, policy, "wasteful", f"the metric rose by {c.delta} but the price was {eff.verdict} "
                                              f"({eff.reason})")
    moved = (f"stayed at {c.work}" if c.delta == 0 else f"fell {c.baseline_work} -> {c.work}")
    return _revert(c, policy, "no-improvement", f"the candidate is safe but the metric {moved}; a no-op is "
                                                f"not kept")


def _revert(c: Candidate, policy: ImprovePolicy, cause: str, why: str) -> ImproveVerdict:
    counts = BreakerCounts(c.consecutive_reverts, c.consecutive_reverts).failure()
    trip = classify_breaker(counts, BreakerPolicy(max_consecutive=policy.max_reverts, max_total=0,
                                                  on_trip="HUMAN"))
    n = counts.consecutive
    if trip.is_open:
        return ImproveVerdict("ESCALATE", cause, "HUMAN", n, f"revert and escalate to a human: {why}; that is "
                                                             f"{n} reverts in a row (limit {policy.max_reverts})", c)
    return ImproveVerdict("REVERT", cause, "NONE", n, f"revert: {why} ({n}/{policy.max_reverts} reverts in a row)",
                          c)
