"""The circuit breaker: a failure class that keeps failing opens the circuit and names who to escalate to.

Two counters: ``consecutive`` (failures in a row, cleared by a success: a sustained outage)
and ``total`` (every failure so far: a flapping path a streak misses). Either reaching its
limit opens the breaker; a limit of 0 switches that counter off. Timeless and pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ESCALATIONS = ("NONE", "JUDGE", "HUMAN")


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """The limits (0 switches a counter off; at least one must be on) and where an OPEN breaker escalates."""

    max_consecutive: int = 3
    max_total: int = 20
    on_trip: str = "NONE"

    def __post_init__(self) -> None:
        if self.max_consecutive < 0 or self.max_total < 0:
            raise ValueError("breaker limits must be 0 or more")
        if self.max_consecutive == 0 and self.max_total == 0:
            raise ValueError("a breaker with both limits at 0 can never open; give --max-consecutive or "
                             "--max-total a positive limit")
        if self.on_trip not in ESCALATIONS:
            raise ValueError(f"on_trip must be one of {', '.join(ESCALATIONS)}, not {self.on_trip!r}")


@dataclass(frozen=True, slots=True)
class BreakerCounts:
    """How many failures so far: CONSECUTIVE in a row, TOTAL ever."""

    consecutive: int = 0
    total: int = 0

    def __post_init__(self) -> None:
        if self.consecutive < 0 or self.total < 0:
            raise ValueError("failure counts must be 0 or more")

    def failure(self) -> BreakerCounts:
        """The counts after one more failure."""
        return BreakerCounts(self.consecutive + 1, self.total + 1)

    def success(self) -> BreakerCounts:
        """The counts after a success: the streak ends, the total stays."""
        return BreakerCounts(0, self.total)


@dataclass(frozen=True, slots=True)
class BreakerVerdict:
    state: str  # CLOSED | OPEN
    escalation: str  # NONE | JUDGE | HUMAN (NONE unless OPEN)
    tripped_on: str | None  # "consecutive" | "total" | None
    reason: str
    evidence: BreakerCounts

    @property
    def token(self) -> str:
        return self.state

    @property
    def is_open(self) -> bool:
        return self.state == "OPEN"

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "escalation": self.escalation, "reason": self.reason,
                "tripped_on": self.tripped_on}


def _limit(n: int) -> str:
    return str(n) if n else "off"


def classify_breaker(counts: BreakerCounts, policy: BreakerPolicy = BreakerPolicy()) -> BreakerVerdict:
    """OPEN when a switched-on counter reached its limit (the streak is checked first), else CLOSED."""
    tripped = None
    if policy.max_consecutive and counts.consecutive >= policy.max_consecutive:
        tripped = "consecutive"
        why = (f"{counts.consecutive} failures in a row reached the limit of {policy.max_consecutive}: "
               f"a sustained failure, so the circuit opens")
    elif policy.max_total and counts.total >= policy.max_total:
        tripped = "total"
        why = (f"{counts.total} failures in all reached the limit of {policy.max_total}: an unreliable path "
               f"that keeps flapping, so the circuit opens")
    if tripped is None:
        return BreakerVerdict("CLOSED", "NONE", None,
                              f"{counts.consecutive} in a row, {counts.total} in all: under the limits "
                              f"(in a row {_limit(policy.max_consecutive)}, in all {_limit(policy.max_total)}); "
                              f"the circuit stays closed", counts)
    if policy.on_trip != "NONE":
        why += f"; escalate to {policy.on_trip}"
    return BreakerVerdict("OPEN", policy.on_trip, tripped, why, counts)
