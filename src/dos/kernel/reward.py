"""May a training run use this trajectory? A claim enters the reward set only if a witness the agent
did not author confirms it.

The evidence floor: each read-back has an accountability tier, AGENT_AUTHORED (the agent re-read
its own surface, forgeable) < OS_RECORDED < THIRD_PARTY. Only non-forgeable read-backs move the
verdict; a forgeable one is kept as evidence and ignored. The agent's narration is never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

TIERS = ("AGENT_AUTHORED", "OS_RECORDED", "THIRD_PARTY")
STANCES = ("ATTESTED", "REFUTED", "NO_SIGNAL")


@dataclass(frozen=True, slots=True)
class ReadBack:
    """One read-back of the claimed effect: who read it (SOURCE), how accountable it is, what it saw."""

    source: str
    tier: str = "OS_RECORDED"
    stance: str = "NO_SIGNAL"

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"accountability tier must be one of {', '.join(TIERS)}, not {self.tier!r}")
        if self.stance not in STANCES:
            raise ValueError(f"stance must be one of {', '.join(STANCES)}, not {self.stance!r}")

    @property
    def forgeable(self) -> bool:
        return self.tier == "AGENT_AUTHORED"

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "tier": self.tier, "stance": self.stance}


@dataclass(frozen=True, slots=True)
class Witnessed:
    """The effect-witness join: CONFIRMED, REFUTED, UNWITNESSED or NO_CLAIM, and the deciding read-back."""

    state: str
    source: str = ""
    tier: str = ""
    conflict: bool = False


def witness_effect(claim_present: bool, readbacks: Sequence[ReadBack]) -> Witnessed:
    """Join READBACKS under the floor: a non-forgeable refutation wins a conflict (never believe both)."""
    if not claim_present:
        return Witnessed("NO_CLAIM")
    accountable = [r for r in readbacks if not r.forgeable]
    refuting = [r for r in accountable if r.stance == "REFUTED"]
    attesting = [r for r in accountable if r.stance == "ATTESTED"]
    if refuting:
        return Witnessed("REFUTED", refuting[0].source, refuting[0].tier, conflict=bool(attesting))
    if attesting:
        return Witnessed("CONFIRMED", attesting[0].source, attesting[0].tier)
    return Witnessed("UNWITNESSED")


_LABELS = {"CONFIRMED": "ACCEPT", "REFUTED": "REJECT_POISON", "UNWITNESSED": "ABSTAIN", "NO_CLAIM": "NO_CLAIM"}


@dataclass(frozen=True, slots=True)
class RewardEvidence:
    claim_present: bool
    readbacks: tuple[ReadBack, ...] = ()
    narrated: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"claim_present": self.claim_present, "readbacks": [r.to_dict() for r in self.readbacks],
                "narrated": self.narrated}


@dataclass(frozen=True, slots=True)
class RewardVerdict:
    verdict: str  # ACCEPT | REJECT_POISON | ABSTAIN | NO_CLAIM
    witness: str
    accountability: str
    reason: str
    evidence: RewardEvidence

    @property
    def token(self) -> str:
        return self.verdict

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "accept": self.verdict == "ACCEPT",
                "poison": self.verdict == "REJECT_POISON", "dispreferred": self.verdict == "REJECT_POISON",
                "claim_present": self.evidence.claim_present, "reason": self.reason, "witness": self.witness,
                "accountability": self.accountability}


def admit(evidence: RewardEvidence) -> RewardVerdict:
    """The reward label of one trajectory: a pure function of its accountable read-backs."""
    w = witness_effect(evidence.claim_present, evidence.readbacks)
    label = _LABELS[w.state]
    if w.state == "NO_CLAIM":
        why = "the trajectory claims no checkable effect, so it is not a candidate"
    elif w.state == "CONFIRMED":
        why = f"the claimed effect was confirmed by {w.source} ({w.tier}); accept it as a positive"
    elif w.state == "REFUTED":
        both = " although another read-back confirmed it" if w.conflict else ""
        why = (f"the claimed effect was refuted by {w.source} ({w.tier}){both}; purge it from the positives and "
               f"keep it as a dispreferred example")
    else:
        ignored = sum(r.forgeable for r in evidence.readbacks)
        extra = f" ({ignored} self-authored read-back(s) ignored)" if ignored else ""
        why = f"no accountable witness read the claimed effect{extra}; abstain rather than mint a positive"
    return RewardVerdict(label, w.source, w.tier, why, evidence)
