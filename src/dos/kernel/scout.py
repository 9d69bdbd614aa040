"""What should a loop start next, before it leases a lane? dispatch, unstick, replan, wait or stop.

Reads a health verdict as an input (it never recomputes one) plus a few scalars the shell
reduced from its own state. First match wins, and each rule carries its ``rule_id``:
0 no capacity -> STOP; 4 a recurring blocker not yet swept to saturation -> UNSTICK;
5 an overlapping live lease -> WAIT; 6 a replan while a soak window is open -> WAIT;
7 a replan routed or due -> REPLAN; 9 otherwise DISPATCH (closed-loop work first when offered).
A fleet scoreboard storm is noted, never a stop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from dos.kernel.health import ACTIONS
from dos.kernel.text import one_line

ACTIVITIES = ("dispatch", "unstick", "replan", "wait", "stop")
UNSTICK_SATURATION = 3  # same-day sweeps of one cause after which another sweep is not worth it


@dataclass(frozen=True, slots=True)
class Scoreboard:
    runs_7d: int = 0
    zero_ship_7d: int = 0
    false_drain_runs: int = 0


@dataclass(frozen=True, slots=True)
class ClosedLoop:
    available: bool = False
    count: int = 0
    top_item: str = ""


@dataclass(frozen=True, slots=True)
class ScoutState:
    """The reduced facts the chooser reads. ``health`` is a health verdict's dict (action, cause_key, ...)."""

    scope: str | None = None
    health: Mapping[str, Any] = field(default_factory=lambda: {"action": "proceed"})
    resource_blocked: bool = False
    resource_block_reason: str = ""
    same_day_unstick_count: int = 0
    fixes_landing_since_unstick: bool | None = None
    last_unstick_at: str = ""
    replan_due: bool = False
    replan_reason: str = ""
    open_soaks: tuple[str, ...] = ()
    scoreboard: Scoreboard | None = None
    closed_loop: ClosedLoop | None = None

    def __post_init__(self) -> None:
        action = self.health.get("action", "proceed")
        if action not in ACTIONS:
            raise ValueError(f"health.action {action!r} is not a health action; known: {', '.join(ACTIONS)}")
        if self.same_day_unstick_count < 0:
            raise ValueError("same_day_unstick_count must be 0 or more")

    @property
    def action(self) -> str:
        return str(self.health.get("action", "proceed"))


@dataclass(frozen=True, slots=True)
class ScoutDecision:
    activity: str
    rule_id: int
    reason: str
    scope: str | None
    cause_key: str = ""
    focus: str | None = "not-started"
    gate: str | None = None
    needs_lane: bool = False
    confidence: str = "high"
    notes: tuple[str, ...] = ()
    evidence: ScoutState | None = field(default=None, compare=False)

    @property
    def token(self) -> str:
        return self.activity.upper()

    @property
    def auto_runnable(self) -> bool:
        return self.confidence == "high"

    def to_dict(self) -> dict[str, Any]:
        return {"activity": self.activity, "auto_runnable": self.auto_runnable, "cause_key": self.cause_key,
                "confidence": self.confidence, "evidence": list(self.notes), "focus": self.focus,
                "gate": self.gate, "needs_lane": self.needs_lane, "reason": self.reason, "rule_id": self.rule_id,
                "scope": self.scope}


def choose(s: ScoutState) -> ScoutDecision:
    """The next activity for S (first matching rule wins)."""
    if s.resource_blocked:
        why = one_line(s.resource_block_reason, 120) or "no capacity is free"
        return ScoutDecision("stop", 0, f"cannot launch more: {why}; wait for capacity, then scout again", s.scope,
                             cause_key="resource_blocked", focus="not-started",
                             notes=(f"resource_blocked: {why}",), evidence=s)
    cause = one_line(s.health.get("cause_key") or "", 60)
    saturated = (s.action == "route_unstick" and s.same_day_unstick_count >= UNSTICK_SATURATION
                 and s.fixes_landing_since_unstick is not True)
    if s.action == "route_unstick" and not saturated:
        return ScoutDecision("unstick", 4, f"a recurring blocker ({cause or 'unnamed cause'}) holds the lane; sweep it "
                                           f"once before paying for another run", s.scope, needs_lane=True,
                             notes=(cause or "route_unstick",), evidence=s)
    if s.action == "overlap_block":
        other = one_line(s.health.get("overlap_lane") or "", 40)
        return ScoutDecision("wait", 5, f"the lane's tree overlaps the live lease of {other or 'another lane'}; pick a "
                                        f"disjoint lane or wait for it to release", s.scope,
                             cause_key="lane_overlap_collision", notes=(f"overlap:{other}",), evidence=s)
    replan = s.action == "route_replan" or s.replan_due
    if replan and s.open_soaks:
        soaks = one_line(", ".join(s.open_soaks), 120)
        return ScoutDecision("wait", 6, f"a replan is due but {len(s.open_soaks)} soak window(s) are open ({soaks}); "
                                        f"replanning changes nothing a soak waits on, so wait for them to close",
                             s.scope, cause_key="lane_soak_or_data_gated",
                             notes=tuple(f"open-soak:{x}" for x in s.open_soaks), evidence=s)
    if replan:
        why = ("the health gate routed to replan" if s.action == "route_replan"
               else f"a replan is due{f' ({one_line(s.replan_reason, 80)})' if s.replan_reason else ''}")
        return ScoutDecision("replan", 7, f"{why}: sweep findings and garden the plans before more dispatch", s.scope,
                             focus=None, notes=("replan_due", f"health={s.action}"), evidence=s)
    notes = [f"health={s.action}", f"replan_due={s.replan_due}"]
    extra = []
    if saturated:
        notes.append(f"unstick_saturated={s.same_day_unstick_count}")
        extra.append(f"{cause or 'the blocker'} was swept {s.same_day_unstick_count} time(s) today without a fix "
                     f"landing, so route around it")
    sb = s.scoreboard
    if sb is not None and sb.runs_7d:
        notes.append(f"scoreboard.7d={sb.zero_ship_7d}:{sb.runs_7d}")
        if sb.zero_ship_7d * 2 > sb.runs_7d:
            extra.append(f"the 7-day scoreboard shows {sb.zero_ship_7d} of {sb.runs_7d} runs shipped nothing "
                         f"(fleet noise, not a lane signal)")
    else:
        notes.append("scoreboard=none")
    focus = "not-started"
    cl = s.closed_loop
    if cl is not None and cl.available and cl.count > 0:
        notes.append(f"closed_loop={cl.count}:{cl.top_item}")
        focus = "closed-loop-first"
        extra.append(f"{cl.count} closed-loop item(s) are pickable (top: {one_line(cl.top_item, 40) or '?'}); "
                     f"prefer them")
    reason = "dispatch the next pick" + (": " + "; ".join(extra) if extra else
                                         ": the health gate is clean and no replan is due")
    return ScoutDecision("dispatch", 9, reason, s.scope, focus=focus, gate="hard", needs_lane=True,
                         notes=tuple(notes), evidence=s)


_STATE_KEYS = frozenset({"scope", "health", "resource_blocked", "resource_block_reason", "same_day_unstick_count",
                         "fixes_landing_since_unstick", "last_unstick_at", "replan_due", "replan_reason",
                         "open_soaks", "scoreboard", "closed_loop"})


def state_of(obj: Mapping[str, Any]) -> tuple[ScoutState, list[str]]:
    """A ScoutState from a JSON object, and the keys it ignored. ValueError for a wrong type."""
    def typed(key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        value = obj.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) and kind is int or not isinstance(value, kind):
            raise ValueError(f"state key {key!r} must be {getattr(kind, '__name__', 'a ' + str(kind))}, "
                             f"not {type(value).__name__}")
        return value

    health = typed("health", dict, {"action": "proceed"})
    soaks = typed("open_soaks", list, [])
    if not all(isinstance(x, str) for x in soaks):
        raise ValueError("state key 'open_soaks' must be a list of strings")
    sb_raw = typed("scoreboard", dict, None)
    cl_raw = typed("closed_loop", dict, None)
    try:
        sb = Scoreboard(**{k: int(v) for k, v in sb_raw.items() if k in Scoreboard.__slots__}) if sb_raw else None
        cl = ClosedLoop(bool(cl_raw.get("available")), int(cl_raw.get("count") or 0),
                        str(cl_raw.get("top_item") or "")) if cl_raw else None
    except (TypeError, ValueError):
        raise ValueError("state keys 'scoreboard' and 'closed_loop' must hold numbers where counts go") from None
    fixes = obj.get("fixes_landing_since_unstick")
    if fixes is not None and not isinstance(fixes, bool):
        raise ValueError("state key 'fixes_landing_since_unstick' must be true, false or null")
    state = ScoutState(scope=typed("scope", str, None), health=dict(health),
                       resource_blocked=typed("resource_blocked", bool, False),
                       resource_block_reason=typed("resource_block_reason", str, ""),
                       same_day_unstick_count=typed("same_day_unstick_count", int, 0),
                       fixes_landing_since_unstick=fixes, last_unstick_at=typed("last_unstick_at", str, ""),
                       replan_due=typed("replan_due", bool, False), replan_reason=typed("replan_reason", str, ""),
                       open_soaks=tuple(soaks), scoreboard=sb, closed_loop=cl)
    return state, sorted(set(obj) - _STATE_KEYS)
