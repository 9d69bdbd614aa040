"""Small pure verdicts for the picker: may a unit be offered, is it cooling down, was a 'done' true?

Each takes plain evidence (and ``now_ms`` where time matters) and returns a frozen verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

# --------------------------------------------------------------------------- pickable

# (token, state key, re-dispatch-invariant, evidence text); checked in this order.
_HOLDS = (
    ("SHIPPED", "shipped", False, "the oracle says it already shipped"),
    ("UNPARSEABLE", "unparseable", False, "its plan entry could not be parsed"),
    ("IN_FLIGHT", "in_flight", False, "a live run is working on it now"),
    ("SOFT_CLAIMED_ELSEWHERE", "soft_claimed_elsewhere", False, "another session has soft-claimed it"),
    ("STALE_CLAIM", "stale_claim", False, "a claim on it has gone stale; reap it first"),
    ("DRAFT_CLASS", "plan_class", True, "its plan is a DRAFT"),
    ("OPERATOR_GATED", "operator_gated", True, "it waits on an operator decision"),
    ("SOAK_OPEN", "soak_open", True, "its soak window is still open"),
    ("DEPENDENCY_UNMET", "dependency_unmet", True, "a phase it depends on has not shipped"),
)
COARSE = {"DRAFT_CLASS": "OPERATOR_GATE", "OPERATOR_GATED": "OPERATOR_GATE", "SOAK_OPEN": "OPERATOR_GATE",
          "IN_FLIGHT": "STALE_CLAIM", "SOFT_CLAIMED_ELSEWHERE": "STALE_CLAIM", "STALE_CLAIM": "STALE_CLAIM",
          "SHIPPED": "TRUE_DRAIN", "DEPENDENCY_UNMET": "TRUE_DRAIN", "COOLDOWN": "TRUE_DRAIN",
          "UNPARSEABLE": "UNCLASSIFIED"}


@dataclass(frozen=True)
class Pickability:
    """May UNIT be offered? ``hold`` is the hold token (None when offerable); ``why`` says it in words."""

    unit: str
    hold: str | None
    why: str
    redispatch_invariant: bool = False

    @property
    def held(self) -> bool:
        return self.hold is not None

    @property
    def token(self) -> str:
        return self.hold or "OFFERABLE"

    @property
    def reason(self) -> str:
        return self.why

    @property
    def evidence(self) -> dict[str, Any]:
        return {"unit": self.unit, "redispatch_invariant": self.redispatch_invariant}

    def to_dict(self) -> dict[str, Any]:
        # The reference's JSON: ``reason`` holds the token and ``evidence`` the words.
        return {"held": self.held, "reason": self.hold, "evidence": self.why,
                "redispatch_invariant": self.redispatch_invariant, "unit": self.unit or None}

    def line(self) -> str:
        if not self.held:
            return f"OFFERABLE  {self.unit or 'the unit'} may be picked up"
        inv = " (re-dispatch-invariant)" if self.redispatch_invariant else ""
        return f"HELD({self.hold}){inv}  {self.why}"


def pickable(unit: str, state: Mapping[str, Any], now_ms: int) -> Pickability:
    """The first hold that applies to UNIT in STATE, by fixed precedence; else OFFERABLE."""
    for token, key, invariant, why in _HOLDS:
        value = state.get(key)
        hit = str(value or "").strip().upper() == "DRAFT" if key == "plan_class" else bool(value)
        if hit:
            return Pickability(unit, token, why, invariant)
    until = state.get("cooldown_until_ms") or 0
    if isinstance(until, (int, float)) and not isinstance(until, bool) and until > 0 and now_ms < until:
        return Pickability(unit, "COOLDOWN", f"recently attempted; cools down until {int(until)} ms")
    return Pickability(unit, None, "no hold applies")


# --------------------------------------------------------------------------- cooldown


@dataclass(frozen=True)
class Cooldown:
    state: str  # CLEAR | RECENTLY_ATTEMPTED
    unit_id: str
    reason: str
    count: int = 0
    last_ts: str | None = None
    until_ms: int | None = None

    @property
    def token(self) -> str:
        return self.state

    @property
    def evidence(self) -> dict[str, Any]:
        return {"count": self.count, "last_ts": self.last_ts, "until_ms": self.until_ms}

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "unit_id": self.unit_id, "last_ts": self.last_ts or "", "count": self.count,
                "until_ms": self.until_ms or 0, "reason": self.reason}

    def line(self) -> str:
        return f"{self.state}  {self.reason}"


OUTCOMES = ("shipped", "drained", "blocked", "error")


def cooldown(unit: str, attempts: Iterable[Mapping[str, Any]], now_ms: int, *, window_ms: int,
             error_window_ms: int) -> Cooldown:
    """Is UNIT inside the cool-down window of its latest attempt? A shipped attempt clears it."""
    rows = [a for a in attempts
            if a.get("unit_id") == unit and a.get("op", "ATTEMPT") in ("", "ATTEMPT")
            and isinstance(a.get("attempted_at_ms"), int) and not isinstance(a.get("attempted_at_ms"), bool)]
    if not rows:
        return Cooldown("CLEAR", unit, "never attempted")

    def window(a: Mapping[str, Any]) -> int:
        return error_window_ms if _outcome(a) == "error" else window_ms

    last = max(rows, key=lambda a: (a["attempted_at_ms"], window(a), str(a.get("ts", ""))))
    ts = last.get("ts") if isinstance(last.get("ts"), str) else None
    if _outcome(last) == "shipped":
        return Cooldown("CLEAR", unit, "the latest attempt shipped; cool-down is moot", len(rows), ts)
    wall = last["attempted_at_ms"] + window(last)
    if now_ms < wall:
        return Cooldown("RECENTLY_ATTEMPTED", unit,
                        f"last attempt ({_outcome(last)}) was {(now_ms - last['attempted_at_ms']) // 1000}s ago; "
                        f"hold until {wall} ms", len(rows), ts, wall)
    return Cooldown("CLEAR", unit, f"the last attempt ({_outcome(last)}) is outside its window", len(rows), ts)


def _outcome(a: Mapping[str, Any]) -> str:
    o = str(a.get("outcome", "")).lower()
    return o if o in OUTCOMES else "unknown"


# --------------------------------------------------------------------------- reconcile


@dataclass(frozen=True)
class Reconciliation:
    state: str  # VERIFIED | QUIET_INCOMPLETE | HONEST_OPEN
    unit: str
    claimed: bool
    oracle_shipped: bool
    reason: str

    @property
    def token(self) -> str:
        return self.state

    @property
    def evidence(self) -> dict[str, Any]:
        return {"claimed": self.claimed, "oracle_shipped": self.oracle_shipped}

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "unit": self.unit, "claimed": self.claimed,
                "oracle_shipped": self.oracle_shipped, "keeps_in_residual": self.state != "VERIFIED",
                "flag": "QUIET_INCOMPLETE" if self.state == "QUIET_INCOMPLETE" else "", "reason": self.reason}

    def line(self) -> str:
        return f"{self.state}  {self.reason}"


def reconcile(unit: str, claimed: bool, oracle_shipped: bool) -> Reconciliation:
    """Compare a claimed 'done' with the oracle: the oracle wins, a false claim is flagged."""
    if oracle_shipped:
        return Reconciliation("VERIFIED", unit, claimed, True, f"{unit}: the oracle confirms it shipped")
    if claimed:
        return Reconciliation("QUIET_INCOMPLETE", unit, True, False,
                              f"{unit}: claimed done but the oracle finds no ship - keep it open")
    return Reconciliation("HONEST_OPEN", unit, False, False, f"{unit}: not claimed and not shipped - open")
