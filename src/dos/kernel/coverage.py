"""Coverage: how many of N declared fan-out workers really returned? Pure.

The declared width N comes from the caller and is never inferred from the results, so a
dead worker cannot vanish from the denominator. Each worker's terminal state counts as
healthy, dead (SYNTHETIC or EMPTY, with its class) or unreadable (never a death); what is
left of N is unaccounted. ``prompt_line`` is the sentence a workflow puts into its
synthesis prompt so a partial fan-out is never presented as a full one.
"""

from __future__ import annotations

from dos.kernel.record import Choice, Record
from dos.kernel.transcript import DEAD, DeadClass, Terminal

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable


class Coverage(Choice, values=("FULL", "UNDERFILLED", "STARVED", "OVERFILLED", "EMPTY")):
    """The coverage verdict's tokens."""


CAVEAT = frozenset({Coverage.UNDERFILLED, Coverage.STARVED, Coverage.OVERFILLED})


class CoverageVerdict(Record):
    __slots__ = ("state", "reason", "declared", "healthy", "dead", "unreadable", "dead_classes", "grounded",
                 "min_quorum")
    _defaults = {"dead_classes": (), "grounded": True, "min_quorum": None}

    @property
    def token(self) -> str:
        return str(self.state)

    @property
    def evidence(self) -> dict[str, Any]:
        return {"declared": self.declared, "healthy": self.healthy, "dead": self.dead, "unreadable": self.unreadable}

    @property
    def unaccounted(self) -> int:
        return max(0, self.declared - self.healthy - self.dead - self.unreadable)

    @property
    def fraction(self) -> float | None:
        return round(self.healthy / self.declared, 4) if self.declared > 0 else None

    @property
    def quorum_met(self) -> bool | None:
        if self.min_quorum is None or self.declared <= 0:
            return None
        return self.healthy / self.declared >= self.min_quorum

    def prompt_line(self) -> str:
        n, h = self.declared, self.healthy
        gaps = []
        if self.dead:
            kinds = "/".join(str(c).lower().replace("_", "-") for c, _ in self.dead_classes)
            gaps.append(f"{self.dead} died without a result" + (f" ({kinds})" if kinds else ""))
        if self.unreadable:
            gaps.append(f"{self.unreadable} could not be read (not known to have died)")
        if self.unaccounted:
            gaps.append(f"{self.unaccounted} left no transcript")
        detail = f" ({'; '.join(gaps)})" if gaps else ""
        if self.state == Coverage.EMPTY:
            return "No workers were fanned out (0 declared); there is nothing to fold."
        if self.state == Coverage.FULL:
            return f"All {h} of {n} fan-out workers returned a real result: full coverage."
        if self.state == Coverage.STARVED:
            return (f"COVERAGE FAILURE: 0 of {n} fan-out workers returned a real result{detail}. There are no "
                    f"findings to report; say so instead of answering from nothing.")
        if self.state == Coverage.OVERFILLED:
            return (f"COVERAGE ANOMALY: {h} workers returned a result but only {n} were declared (a double "
                    f"dispatch or a stale transcript glob). Do not trust the count until the dispatch is reconciled.")
        return (f"COVERAGE CAVEAT: only {h} of {n} fan-out workers returned a real result{detail}. Present the "
                f"findings as a partial sample ({h}/{n}), never as complete coverage, and name the gap.")

    def to_dict(self) -> dict[str, Any]:
        return {"state": str(self.state), "reason": self.reason, "declared": self.declared, "healthy": self.healthy,
                "dead": self.dead, "unreadable": self.unreadable, "unaccounted": self.unaccounted,
                "fraction": self.fraction, "foldable": self.state != Coverage.STARVED,
                "should_caveat": self.state in CAVEAT, "dead_classes": [[str(c), k] for c, k in self.dead_classes],
                "quorum_met": self.quorum_met, "prompt_line": self.prompt_line(), "grounded": self.grounded}

    def line(self) -> str:
        asserted = "" if self.grounded else " [caller-asserted]"
        return (f"{self.state} {self.healthy}/{self.declared} healthy ({self.dead} dead, {self.unaccounted} "
                f"unaccounted){asserted} — {self.reason}")


def coverage(declared: int, terminals: Iterable[tuple[Terminal, DeadClass]], *, grounded: bool = True,
             min_quorum: float | None = None) -> CoverageVerdict:
    """Fold (state, class) per worker against DECLARED workers."""
    healthy = dead = unreadable = 0
    classes: dict[DeadClass, int] = {}
    for state, cls in terminals:
        if state == Terminal.HEALTHY:
            healthy += 1
        elif state == Terminal.UNREADABLE:
            unreadable += 1
        elif state in DEAD:
            dead += 1
            if state == Terminal.SYNTHETIC and cls not in (DeadClass.NONE, ""):
                classes[cls] = classes.get(cls, 0) + 1
    ranked = tuple(sorted(classes.items(), key=lambda kv: str(kv[0])))
    args = (declared, healthy, dead, unreadable, ranked, grounded, min_quorum)
    if declared <= 0:
        return CoverageVerdict(Coverage.EMPTY, "nothing was fanned out (0 declared)", *args)
    if healthy > declared:
        return CoverageVerdict(Coverage.OVERFILLED, f"{healthy} healthy results but only {declared} declared "
                               f"workers: more results than workers", *args)
    if healthy == declared:
        return CoverageVerdict(Coverage.FULL, f"all {declared} declared worker(s) returned a real result", *args)
    if healthy == 0:
        return CoverageVerdict(Coverage.STARVED, f"none of {declared} declared worker(s) returned a real result",
                               *args)
    return CoverageVerdict(Coverage.UNDERFILLED, f"{healthy} of {declared} declared worker(s) returned a real "
                           f"result", *args)
