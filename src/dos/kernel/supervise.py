"""The supervisor's population verdict and the watchdog's halt plan. Pure and emit-only.

``supervise`` reconciles a target worker count against the lanes' liveness: reap what is
stalled, flag what spins, and propose spawns that are disjoint by construction (one per
lane, none colliding with a held region or with each other). ``watch_plan`` proposes a
HALT for runs that spin or hang past their budget, at most once per re-propose window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Sequence

from dos.kernel.liveness import Liveness
from dos.kernel.tree import trees_collide


class Disposition(StrEnum):
    SPAWN = "SPAWN"
    REAP = "REAP"
    HOLD = "HOLD"
    FLAG = "FLAG"
    PROPOSE_HALT = "PROPOSE_HALT"


class Outcome(StrEnum):
    AT_TARGET = "AT_TARGET"
    FILLING = "FILLING"
    TARGET_UNREACHABLE = "TARGET_UNREACHABLE"
    OVER_TARGET = "OVER_TARGET"


@dataclass(frozen=True, slots=True)
class SupervisePolicy:
    """``[supervise]``. ``spin_halt_after_ms``: propose a halt after spinning this long (None: never).

    ``max_concurrency`` caps the live workers the plan will ever fill to (None: no cap beyond target).
    """

    target: int = 1
    count_spinning_as_alive: bool = True
    reap_stalled: bool = True
    spin_halt_after_ms: int | None = None
    worker_launch_template: str = "/dos-dispatch-loop --lane {lane}"
    max_concurrency: int | None = None

    def __post_init__(self) -> None:
        if self.target < 0:
            raise ValueError("target must be >= 0")
        if self.spin_halt_after_ms is not None and self.spin_halt_after_ms < 0:
            raise ValueError("spin_halt_after_ms must be >= 0")
        if "{lane}" not in self.worker_launch_template:
            raise ValueError("worker_launch_template must contain {lane}")
        if self.max_concurrency is not None and self.max_concurrency < 1:
            raise ValueError("max_concurrency must be >= 1")

    def launch(self, lane: str) -> str:
        return self.worker_launch_template.replace("{lane}", lane)


@dataclass(frozen=True, slots=True)
class LaneLiveness:
    """One roster lane: its liveness (None: free), its tree, and the lease holding it, if any.

    ``spinning_age_ms`` is the time spent spinning (since the grace window ended), not a beat age.
    ``pending``: a worker was spawned recently and has not taken its lease yet.
    """

    lane: str
    liveness: Liveness | None = None
    tree: tuple[str, ...] = ()
    is_exclusive: bool = False
    pending: bool = False
    spinning_age_ms: int | None = None
    lease_id: str = ""
    holder: str = ""


@dataclass(frozen=True, slots=True)
class LanePlan:
    lane: str
    disposition: Disposition
    reason: str
    lease_id: str = ""
    holder: str = ""  # a REAP's SCAVENGE records this as prev_holder

    def to_dict(self) -> dict[str, Any]:
        return {"lane": self.lane, "disposition": str(self.disposition), "reason": self.reason,
                "lease_id": self.lease_id, "holder": self.holder}


@dataclass(frozen=True, slots=True)
class SuperviseVerdict:
    verdict: Outcome
    reason: str
    alive: int
    admissible: int
    target: int
    spawn: tuple[LanePlan, ...] = ()
    reap: tuple[LanePlan, ...] = ()
    flag: tuple[LanePlan, ...] = ()
    proposed_halt: tuple[LanePlan, ...] = ()
    lanes: tuple[LaneLiveness, ...] = field(default=(), repr=False)

    @property
    def token(self) -> str:
        return str(self.verdict)

    @property
    def evidence(self) -> dict[str, Any]:
        return {"target": self.target, "lanes": [_lane_dict(x) for x in self.lanes]}

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": str(self.verdict), "reason": self.reason, "alive": self.alive,
                "admissible": self.admissible, "target": self.target,
                "spawn": [p.to_dict() for p in self.spawn], "reap": [p.to_dict() for p in self.reap],
                "flag": [p.to_dict() for p in self.flag],
                "proposed_halt": [p.to_dict() for p in self.proposed_halt],
                "evidence": {"target": self.target, "lanes": [_lane_dict(x) for x in self.lanes]}}


def _lane_dict(x: LaneLiveness) -> dict[str, Any]:
    return {"lane": x.lane, "liveness": str(x.liveness) if x.liveness else None, "tree": list(x.tree),
            "is_exclusive": x.is_exclusive, "pending": x.pending, "spinning_age_ms": x.spinning_age_ms,
            "lease_id": x.lease_id, "holder": x.holder}


def admissible_count(lanes: Sequence[LaneLiveness]) -> int:
    """Greedy count of pairwise-disjoint concurrent lanes in roster order (1 if only exclusive ones)."""
    chosen: list[tuple[str, ...]] = []
    for x in lanes:
        if not x.is_exclusive and all(not trees_collide(x.tree, t) for t in chosen):
            chosen.append(x.tree)
    if not chosen and any(x.is_exclusive for x in lanes):
        return 1
    return len(chosen)


def supervise(lanes: Sequence[LaneLiveness], policy: SupervisePolicy = SupervisePolicy()) -> SuperviseVerdict:
    """Plan spawns, reaps, flags and halt proposals toward ``policy.target`` live workers."""
    roster = _dedupe(lanes)
    alive, held, candidates = 0, [], []
    reap, flag, halt, advancing = [], [], [], []
    for x in roster:
        if x.pending:
            alive += 1
            held.append(x)
        elif x.liveness is None:
            candidates.append(x)
        elif x.liveness is Liveness.ADVANCING:
            alive += 1
            held.append(x)
            advancing.append(x)
        elif x.liveness is Liveness.SPINNING:
            flag.append(_plan(x, Disposition.FLAG, "SPINNING — alive but no forward progress"))
            limit = policy.spin_halt_after_ms
            if limit is not None and x.spinning_age_ms is not None and x.spinning_age_ms >= limit:
                halt.append(_plan(x, Disposition.PROPOSE_HALT,
                                  f"spinning for {x.spinning_age_ms} ms (≥ {limit} ms)"))
            if policy.count_spinning_as_alive:
                alive += 1
            held.append(x)
        elif policy.reap_stalled:
            reap.append(_plan(x, Disposition.REAP, "STALLED — scavenge its lease, then respawn"))
            candidates.append(x)
        else:
            held.append(x)
    admissible = admissible_count(roster)
    needed = max(0, min(policy.target, admissible) - alive)
    if policy.max_concurrency is not None:
        needed = min(needed, max(0, policy.max_concurrency - alive))
    spawn = _choose_spawns(candidates, held, needed, policy)
    if alive > policy.target:
        extra = alive - policy.target
        for x in reversed(advancing[-extra:] if extra <= len(advancing) else advancing):
            flag.append(_plan(x, Disposition.FLAG, f"over target ({alive}/{policy.target}) — "
                                                   f"let it finish; do not respawn"))
        outcome = Outcome.OVER_TARGET
    elif policy.target > admissible:
        outcome = Outcome.TARGET_UNREACHABLE
    elif spawn:
        outcome = Outcome.FILLING
    else:
        outcome = Outcome.AT_TARGET
    reason = (f"alive {alive}/{policy.target}, admissible {admissible}: {len(spawn)} spawn, "
              f"{len(reap)} reap, {len(flag)} flag, {len(halt)} halt proposal(s)")
    return SuperviseVerdict(outcome, reason, alive, admissible, policy.target, tuple(spawn),
                            tuple(reap), tuple(flag), tuple(halt), tuple(roster))


def _choose_spawns(candidates: list[LaneLiveness], held: list[LaneLiveness], needed: int,
                   policy: SupervisePolicy) -> list[LanePlan]:
    """At most one spawn per lane, each disjoint from every held region and every other spawn."""
    if needed <= 0:
        return []
    order = [x for x in candidates if not x.is_exclusive] + [x for x in candidates if x.is_exclusive]
    taken = [x.tree for x in held]
    exclusive_held = any(x.is_exclusive for x in held)
    chosen: list[LanePlan] = []
    for x in order:
        if len(chosen) >= needed or exclusive_held:
            break
        if x.is_exclusive and (held or chosen):
            continue
        if any(trees_collide(x.tree, t) for t in taken):
            continue
        chosen.append(_plan(x, Disposition.SPAWN, f"run: {policy.launch(x.lane)}"))
        taken.append(x.tree)
        if x.is_exclusive:
            break
    return chosen


def _dedupe(lanes: Sequence[LaneLiveness]) -> list[LaneLiveness]:
    seen: set[str] = set()
    out = []
    for x in lanes:
        key = x.lane.casefold()
        if key not in seen:
            seen.add(key)
            out.append(x)
    return out


def _plan(x: LaneLiveness, d: Disposition, reason: str) -> LanePlan:
    return LanePlan(x.lane, d, reason, x.lease_id, x.holder)


# -- the watchdog --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class WatchedRun:
    """One tracked run and its liveness (None: the run id is invalid, so it is skipped)."""

    run_id: str
    liveness: Liveness | None
    reason: str = ""
    run_age_ms: int = 0
    lane: str = ""
    handle: str = ""
    command: str = ""
    budget_ms: int | None = None
    last_halt_ms: int | None = None  # when a HALT was last recorded for this run


@dataclass(frozen=True, slots=True)
class WatchVerdict:
    watched: int
    advancing: tuple[str, ...]
    spinning: tuple[str, ...]
    stalled_within_budget: tuple[str, ...]
    proposed_halts: tuple[WatchedRun, ...]
    skipped: tuple[str, ...]
    verdicts: tuple[WatchedRun, ...]

    @property
    def token(self) -> str:
        return "PLANNED"

    @property
    def reason(self) -> str:
        return (f"{self.watched} run(s) watched: {len(self.advancing)} advancing, {len(self.spinning)} spinning, "
                f"{len(self.proposed_halts)} halt(s) proposed")

    @property
    def evidence(self) -> dict[str, Any]:
        return {"runs": [_run_dict(r) for r in self.verdicts], "skipped": list(self.skipped)}

    def to_dict(self) -> dict[str, Any]:
        """The reference's shape (``verdicts`` run -> verdict, ``proposed_halts`` run ids); the detail
        of each run is beside it in ``runs`` and ``halts``."""
        return {"watched": self.watched, "advancing": list(self.advancing), "spinning": list(self.spinning),
                "stalled_within_budget": list(self.stalled_within_budget),
                "proposed_halts": [r.run_id for r in self.proposed_halts],
                "skipped": list(self.skipped),
                "verdicts": {r.run_id: str(r.liveness) for r in self.verdicts if r.liveness is not None},
                "runs": [_run_dict(r) for r in self.verdicts],
                "halts": [_run_dict(r) for r in self.proposed_halts]}


def _run_dict(r: WatchedRun) -> dict[str, Any]:
    return {"run_id": r.run_id, "verdict": str(r.liveness) if r.liveness else None, "reason": r.reason,
            "lane": r.lane, "handle": r.handle, "command": r.command}


def watch_plan(runs: Sequence[WatchedRun], now_ms: int, *, repropose_ms: int = 1_800_000) -> WatchVerdict:
    """SPINNING runs and runs STALLED past their budget get a HALT proposal, once per window."""
    adv, spin, within, halts, skipped, verdicts = [], [], [], [], [], []
    for r in runs:
        if r.liveness is None:
            skipped.append(r.run_id)
            continue
        verdicts.append(r)
        if r.liveness is Liveness.ADVANCING:
            adv.append(r.run_id)
            continue
        if r.liveness is Liveness.SPINNING:
            spin.append(r.run_id)
        elif r.budget_ms is not None and r.run_age_ms < r.budget_ms:
            within.append(r.run_id)
            continue
        if r.last_halt_ms is None or now_ms - r.last_halt_ms >= repropose_ms:
            halts.append(r)
    return WatchVerdict(len(runs), tuple(adv), tuple(spin), tuple(within), tuple(halts),
                        tuple(skipped), tuple(verdicts))
