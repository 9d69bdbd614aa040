"""The packet gate: classify a dispatch packet's picks into one typed verdict before a loop stops.

An empty packet is not proof that the backlog is drained. In order: any live pick -> LIVE; a
pick dropped as shipped straight to git whose plan doc was never stamped -> STALE-STAMP (a
false drain); a pick held by a sibling's soft claim or a quota -> BLOCKED; otherwise DRAIN.
A packet whose writer lost the candidates lock is RACE whatever it says (retry once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from dos.kernel.text import one_line

DROP_REASONS = ("", "shipped", "soft_claimed", "quota_blocked")
DISPOSITIONS_SCHEMA = "oc3-dispositions-v1"
RACE_SCHEMA = "next-up-race-v1"
_TRAILING_ID = re.compile(r"[\d.]+$")

INTERPRETATIONS = {
    "LIVE": "LIVE: the packet has work to dispatch; CONTINUE. This is the success case, not a stop.",
    "DRAIN": "DRAIN: nothing is left to pick; STOP (or replan to refill). Only a DRAIN counts toward a "
             "drained-twice stop.",
    "STALE-STAMP": "STALE-STAMP: work shipped in git but its plan rows were never stamped, so the backlog only "
                   "looks empty; SELF-HEAL the stamps and dispatch again. Never counts toward drained-twice.",
    "BLOCKED": "BLOCKED: there is work, but a sibling's claim or a quota holds it; surface it to the operator "
               "instead of looping unattended. Never counts toward drained-twice.",
    "RACE": "RACE: the packet's writer lost the candidates lock, so this packet is the wrong scope; RETRY once "
            "after a short wait. Never counts toward drained-twice.",
}
LOOP_ACTIONS = {"LIVE": "CONTINUE", "DRAIN": "STOP", "STALE-STAMP": "SELF-HEAL", "BLOCKED": "SURFACE",
                "RACE": "RETRY"}


@dataclass(frozen=True, slots=True)
class Disposition:
    """What the packet writer decided about one candidate pick."""

    phase: str
    series: str = ""
    live: bool = False
    drop_reason: str = ""
    ship_via: str = ""
    ship_sha: str = ""
    plan_doc_stamped: bool = True
    claim_tag: str = ""

    def to_evidence(self) -> dict[str, Any]:
        return {"series": self.series, "phase": self.phase, "live": self.live, "drop_reason": self.drop_reason}


@dataclass(frozen=True, slots=True)
class Race:
    """A sibling ``.race-<tag>.json`` sidecar: the writer lost the candidates lock."""

    tag: str
    blocked_by_pid: Any = None
    attempted_at: str = ""
    lock_path: str = ""


def disposition_of(raw: Any, index: int = 0) -> Disposition:
    """A Disposition from one JSON object; ValueError names what is wrong with item INDEX."""
    where = f"disposition {index}"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be a JSON object, not {type(raw).__name__}")
    phase = raw.get("phase", raw.get("phase_id"))
    if not isinstance(phase, str) or not phase.strip():
        raise ValueError(f"{where} needs a non-empty 'phase' (or 'phase_id') string")
    phase = phase.strip()
    series = raw.get("series")
    if series is None:
        series = _TRAILING_ID.sub("", phase) or phase
    drop = raw.get("drop_reason") or ""
    if drop not in DROP_REASONS:
        raise ValueError(f"{where} ({phase}) has drop_reason {drop!r}; known: shipped, soft_claimed, quota_blocked")
    for key in ("live", "plan_doc_stamped"):
        if key in raw and not isinstance(raw[key], bool):
            raise ValueError(f"{where} ({phase}): {key!r} must be true or false")
    for key in ("series", "ship_via", "ship_sha", "claim_tag"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise ValueError(f"{where} ({phase}): {key!r} must be a string")
    return Disposition(phase, str(series), bool(raw.get("live", False)), drop, raw.get("ship_via") or "",
                       raw.get("ship_sha") or "", bool(raw.get("plan_doc_stamped", True)), raw.get("claim_tag") or "")


@dataclass(frozen=True, slots=True)
class GateVerdict:
    verdict: str  # LIVE | DRAIN | STALE-STAMP | BLOCKED | RACE
    reason: str
    picks: tuple[Disposition, ...]  # the picks that decided it
    evidence: dict[str, Any]

    @property
    def token(self) -> str:
        return self.verdict

    @property
    def interpretation(self) -> str:
        return INTERPRETATIONS[self.verdict]

    @property
    def loop_action(self) -> str:
        return LOOP_ACTIONS[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reason": self.reason, "evidence": [p.to_evidence() for p in self.picks]}


def _names(picks: Sequence[Disposition]) -> str:
    shown = ", ".join(one_line(f"{p.series} {p.phase}", 40) for p in picks[:5])
    return shown + (f" and {len(picks) - 5} more" if len(picks) > 5 else "")


def classify_packet(picks: Sequence[Disposition], race: Race | None = None) -> GateVerdict:
    """One verdict for a packet's PICKS (RACE first when its writer lost the lock)."""
    ev: dict[str, Any] = {"picks": len(picks), "race": race is not None}
    if race is not None:
        pid = one_line(race.blocked_by_pid, 20) if race.blocked_by_pid is not None else "unknown"
        return GateVerdict("RACE", f"the packet writer for tag {one_line(race.tag, 40)!r} lost the candidates lock "
                                   f"(held by pid {pid}, at {one_line(race.attempted_at, 40) or 'an unknown time'}); "
                                   f"this packet is the wrong scope",
                           (), ev)
    live = tuple(p for p in picks if p.live)
    if live:
        return GateVerdict("LIVE", f"{len(live)} live pick(s): the packet has work to dispatch", live, ev)
    stale = tuple(p for p in picks if p.drop_reason == "shipped" and p.ship_via == "direct"
                  and not p.plan_doc_stamped)
    if stale:
        return GateVerdict("STALE-STAMP", f"{len(stale)} pick(s) shipped in git with the plan doc unstamped "
                                          f"({_names(stale)}): a false drain, not an empty backlog", stale, ev)
    blocked = tuple(p for p in picks if p.drop_reason in ("soft_claimed", "quota_blocked"))
    if blocked:
        return GateVerdict("BLOCKED", f"{len(blocked)} pick(s) held by a sibling's soft claim or a quota "
                                      f"({_names(blocked)}): work exists but cannot be dispatched now", blocked, ev)
    return GateVerdict("DRAIN", f"no live pick and nothing recoverable among {len(picks)} pick(s): the backlog is "
                                f"drained", (), ev)
