"""Should a run start on this lane? The pre-dispatch health gate: overlap first, then a recurring blocker.

OVERLAP_BLOCK when the lane's tree collides with a live lease of another lane (the one overlap
test every gate uses; an empty tree is an unknown region and collides). ROUTE_UNSTICK when the
lane's latest run was blocked by a cause that already blocked it before inside the window;
ROUTE_REPLAN when that recurring cause is a drain (the lane keeps coming up empty). PROCEED
otherwise. Pure: the shell hands in the live leases and the lane's recent runs, newest last.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

from dos.kernel.text import one_line
from dos.kernel.tree import PathEscapesWorkspace, trees_collide

ACTIONS = ("proceed", "overlap_block", "route_unstick", "route_replan")
DRAIN_CAUSES = frozenset({"drain", "lane_drained"})


@dataclass(frozen=True, slots=True)
class LiveLease:
    """A live lease as the gate sees it."""

    lane: str
    tree: tuple[str, ...] = ()
    loop_ts: str = ""
    lease_id: str = ""


@dataclass(frozen=True, slots=True)
class Run:
    """One recent attempt on the lane: BLOCKED or not, and the CAUSE_KEY that blocked it."""

    run: str
    blocked: bool
    cause_key: str = ""


@dataclass(frozen=True, slots=True)
class HealthEvidence:
    lane: str
    tree: tuple[str, ...]
    live: tuple[LiveLease, ...] = ()
    runs: tuple[Run, ...] = ()  # oldest first
    own_loop_ts: str = ""
    window: int = 12

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError("--window must be 1 or more runs")


@dataclass(frozen=True, slots=True)
class HealthVerdict:
    action: str
    reason: str
    cause_key: str = ""
    overlap_lane: str = ""
    blocker_runs: int = 0
    runs_considered: int = 0
    notes: tuple[str, ...] = ()
    evidence: HealthEvidence | None = field(default=None, compare=False)

    @property
    def token(self) -> str:
        return self.action.upper()

    @property
    def should_proceed(self) -> bool:
        return self.action == "proceed"

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "blocker_runs": self.blocker_runs, "cause_key": self.cause_key,
                "evidence": list(self.notes), "overlap_lane": self.overlap_lane, "reason": self.reason,
                "runs_considered": self.runs_considered, "should_proceed": self.should_proceed}


def _collides(tree: Sequence[str], other: Sequence[str]) -> bool:
    try:
        return trees_collide(tree, other)
    except PathEscapesWorkspace:
        return True  # a tree that cannot be read collides (fail closed)


def check_health(ev: HealthEvidence) -> HealthVerdict:
    """The gate's verdict for EV.lane."""
    lane = ev.lane.casefold()
    for lease in ev.live:
        if lease.lane.casefold() == lane or (ev.own_loop_ts and lease.loop_ts == ev.own_loop_ts):
            continue  # the lane's own lease (or this loop's) is not a foreign collision
        if _collides(ev.tree, lease.tree):
            loop = f" (loop {one_line(lease.loop_ts, 40)})" if lease.loop_ts else ""
            region = one_line(", ".join(ev.tree), 120) if ev.tree else "an unknown region (no tree)"
            theirs = one_line(", ".join(lease.tree), 120) or "no tree"
            return HealthVerdict("overlap_block", f"lane {one_line(ev.lane, 40)!r} ({region}) collides with the live "
                                                  f"lease of lane {one_line(lease.lane, 40)!r}{loop} ({theirs})",
                                 overlap_lane=lease.lane, notes=(f"overlap:{lease.lane}:collides",), evidence=ev)
    recent = ev.runs[-ev.window:]
    n = len(recent)
    if not n:
        return HealthVerdict("proceed", f"lane {one_line(ev.lane, 40)!r} is healthy: no recent runs on record",
                             evidence=ev)
    latest = recent[-1]
    if latest.blocked and latest.cause_key:
        counts = Counter(r.cause_key for r in recent if r.blocked and r.cause_key)
        hits = counts[latest.cause_key]
        if hits >= 2:
            action = "route_replan" if latest.cause_key.casefold() in DRAIN_CAUSES else "route_unstick"
            fix = ("replan to refill the lane before dispatching again" if action == "route_replan"
                   else "sweep the cause once (unstick) before paying for another run")
            runs = [r.run for r in recent if r.cause_key == latest.cause_key]
            return HealthVerdict(action, f"lane {one_line(ev.lane, 40)!r}: {hits} of the last {n} run(s) were "
                                         f"blocked by {one_line(latest.cause_key, 60)!r}, the latest included; {fix}",
                                 cause_key=latest.cause_key, blocker_runs=hits, runs_considered=n,
                                 notes=tuple(f"blocked:{latest.cause_key}:{r}" for r in runs), evidence=ev)
    blocked = sum(r.blocked for r in recent)
    return HealthVerdict("proceed", f"lane {one_line(ev.lane, 40)!r} is healthy: {n} recent run(s), {blocked} "
                                    f"blocked, no recurring blocker", runs_considered=n, evidence=ev)


_TOKEN_HEAD = re.compile(r"^([A-Z][A-Z0-9_]{2,})(?::|\s|$)")
_CLAUSE_END = re.compile(r":|;| — | - |\(|\.\s")


def cause_key_of(reason: str) -> str:
    """A stable key for a refusal REASON: its leading TOKEN, else its first clause as a slug."""
    text = reason.strip()
    m = _TOKEN_HEAD.match(text)
    if m:
        return m.group(1).lower()
    clause = _CLAUSE_END.split(text, maxsplit=1)[0]
    slug = re.sub(r"[^a-z0-9]+", "_", clause.lower()).strip("_")
    return slug[:60].rstrip("_") or "unknown"
