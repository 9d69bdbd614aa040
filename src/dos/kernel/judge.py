"""Judges and the picker audit, pure: stances, fail-to-abstain coercion, the built-in judges, LLM
request and answer shapes, and the post-hoc audit of a dispatch run (``dos judge wedge``).

A judge is asked about one claim and answers AGREE (the claim holds), DISAGREE or ABSTAIN. An answer
of any other shape, a raise or a timeout is ABSTAIN: a judge can never crash a verb, and it never
outranks the evidence rungs (a decisive oracle check wins; the judge speaks only when it abstains).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

AGREE, DISAGREE, ABSTAIN = "AGREE", "DISAGREE", "ABSTAIN"
STANCES = (AGREE, DISAGREE, ABSTAIN)
BUILTIN_JUDGES = ("abstain", "llm", "operator-decision", "similarity")


@dataclass(frozen=True)
class JudgeVerdict:
    """One judge's stance on one claim; ``cost`` is what answering it cost in USD (0 for a cache hit)."""

    stance: str
    reason: str
    judge: str = ""
    cost: float = 0.0
    cached: bool = False
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def token(self) -> str:
        return self.stance

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.stance, "stance": self.stance, "reason": self.reason, "judge": self.judge,
                "cost": self.cost, "cached": self.cached}


def abstain(judge: str, reason: str, cost: float = 0.0) -> JudgeVerdict:
    return JudgeVerdict(ABSTAIN, reason, judge, cost)


def coerce(raw: Any, judge: str) -> JudgeVerdict:
    """A judge's answer as a verdict; anything that is not a recognisable stance is ABSTAIN."""
    if isinstance(raw, JudgeVerdict):
        return raw if raw.judge else JudgeVerdict(raw.stance, raw.reason, judge, raw.cost, raw.cached)
    reason, cost, stance = "", 0.0, raw
    if isinstance(raw, Mapping):
        stance, reason, cost = raw.get("stance", raw.get("verdict")), raw.get("reason", ""), raw.get("cost", 0.0)
    elif isinstance(raw, (tuple, list)) and len(raw) == 2:
        stance, reason = raw
    elif not isinstance(raw, str) and hasattr(raw, "stance"):
        stance, reason = getattr(raw, "stance"), getattr(raw, "reason", "")
    if not isinstance(stance, str) or stance.strip().upper() not in STANCES:
        return abstain(judge, f"judge '{judge}' gave an ill-typed answer ({type(raw).__name__}); abstaining")
    if not isinstance(reason, str):
        reason = str(reason)
    if isinstance(cost, bool) or not isinstance(cost, (int, float)) or not cost >= 0:
        cost = 0.0
    return JudgeVerdict(stance.strip().upper(), reason or f"judge '{judge}' answered", judge, float(cost))


def claim_digest(judge: str, claim: Mapping[str, Any], salt: Mapping[str, Any] | None = None) -> str:
    """The cache key of asking JUDGE about CLAIM (with the endpoint and model in SALT)."""
    blob = json.dumps({"judge": judge, "claim": claim, "salt": salt or {}}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


# --------------------------------------------------------------------------- built-in judges

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if len(w) > 2}


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return " ".join(_text(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value)
    return "" if value is None else str(value)


def judge_abstain(claim: Mapping[str, Any]) -> JudgeVerdict:
    return abstain("abstain", "the abstain judge never takes a side")


def judge_similarity(claim: Mapping[str, Any], *, agree_at: float = 0.5, disagree_below: float = 0.1) -> JudgeVerdict:
    """AGREE when the claim's words are mostly in its evidence, DISAGREE when almost none are."""
    said, seen = _words(_text(claim.get("claim_text", ""))), _words(_text(claim.get("evidence", "")))
    if not said or not seen:
        return abstain("similarity", "no claim words or no evidence to compare")
    share = len(said & seen) / len(said)
    ev = {"share": round(share, 3)}
    if share >= agree_at:
        return JudgeVerdict(AGREE, f"{share:.0%} of the claim's words are in the evidence", "similarity", evidence=ev)
    if share < disagree_below:
        return JudgeVerdict(DISAGREE, f"only {share:.0%} of the claim's words are in the evidence", "similarity",
                            evidence=ev)
    return JudgeVerdict(ABSTAIN, f"{share:.0%} of the claim's words are in the evidence: undecided",
                        "similarity", evidence=ev)


_APPROVE = {"approve", "approved", "agree", "accept", "accepted", "yes", "confirm", "confirmed"}
_REJECT = {"reject", "rejected", "disagree", "deny", "denied", "no", "refute", "refuted"}


def judge_operator(claim: Mapping[str, Any]) -> JudgeVerdict:
    """A person's recorded decision on the claim's subject: approve -> AGREE, reject -> DISAGREE."""
    decision = claim.get("operator_decision")
    word = decision.strip().casefold() if isinstance(decision, str) else ""
    if word in _APPROVE:
        return JudgeVerdict(AGREE, f"an operator recorded {decision!r}", "operator-decision")
    if word in _REJECT:
        return JudgeVerdict(DISAGREE, f"an operator recorded {decision!r}", "operator-decision")
    return abstain("operator-decision", "no operator decision is recorded for this subject")


# --------------------------------------------------------------------------- the llm judge's shapes

PROMPT = ("You check an AI agent's claim against evidence. Answer with exactly one word: AGREE if the "
          "evidence supports the claim, DISAGREE if it contradicts it, ABSTAIN if you cannot tell.\n\n"
          "CLAIM: {claim}\n\nEVIDENCE: {evidence}\n")


def llm_prompt(claim: Mapping[str, Any]) -> str:
    return PROMPT.format(claim=_text(claim.get("claim_text", "")), evidence=_text(claim.get("evidence", "")))


def llm_request(provider: str, model: str, prompt: str, max_tokens: int) -> dict[str, Any]:
    """The JSON body of one request to an OpenAI-compatible or Anthropic messages endpoint."""
    body: dict[str, Any] = {"model": model, "max_tokens": max_tokens,
                            "messages": [{"role": "user", "content": prompt}]}
    if provider == "openai":
        body["temperature"] = 0
    return body


def llm_answer(provider: str, payload: Any) -> tuple[str | None, int, int]:
    """(stance or None when malformed, input tokens, output tokens) from a response body."""
    text: Any = None
    usage: Any = {}
    if isinstance(payload, Mapping):
        usage = payload.get("usage") or {}
        try:
            if provider == "anthropic":
                text = "".join(b.get("text", "") for b in payload["content"] if b.get("type") == "text")
            else:
                text = payload["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError, AttributeError):
            text = None
    tin = usage.get("input_tokens", usage.get("prompt_tokens", 0)) if isinstance(usage, Mapping) else 0
    tout = usage.get("output_tokens", usage.get("completion_tokens", 0)) if isinstance(usage, Mapping) else 0
    tin = tin if isinstance(tin, int) and tin >= 0 else 0
    tout = tout if isinstance(tout, int) and tout >= 0 else 0
    if not isinstance(text, str):
        return None, tin, tout
    first = re.match(r"\s*[*`\"']*([A-Za-z]+)", text)
    word = first.group(1).upper() if first else ""
    return (word if word in STANCES else None), tin, tout


def llm_cost(tokens_in: int, tokens_out: int, usd_in_per_mtok: float, usd_out_per_mtok: float) -> float:
    return (tokens_in * usd_in_per_mtok + tokens_out * usd_out_per_mtok) / 1_000_000


def llm_estimate(prompt: str, max_tokens: int, usd_in_per_mtok: float, usd_out_per_mtok: float) -> float:
    """An upper-bound guess of one request's cost before it is sent (3 characters a token, rounded up)."""
    return llm_cost(len(prompt) // 3 + 1, max_tokens, usd_in_per_mtok, usd_out_per_mtok)


# --------------------------------------------------------------------------- picker audit (judge wedge)

OUTCOMES = ("LIVE", "LIVE_DIRTY", "NO_PICK", "UNKNOWN")
STALE_CLAIM_H = 48.0
_GATE_DATE = re.compile(r"\b(?:thru|until|through)\s+(\d{4}-\d{2}-\d{2})\b", re.I)


@dataclass(frozen=True)
class WedgeAudit:
    """A dispatch run classified after the fact, with the oracle's stance on its no-pick cause."""

    run_ts: str
    outcome: str
    cause: str
    cause_source: str
    oracle: str  # AGREE / DISAGREE / ABSTAIN: is the stated cause believable on the evidence?
    oracle_reason: str
    judge: JudgeVerdict | None = None

    @property
    def stance(self) -> str:
        if self.oracle != ABSTAIN or self.judge is None:
            return self.oracle
        return self.judge.stance

    @property
    def token(self) -> str:
        return self.stance

    @property
    def oracle_disagrees(self) -> bool:
        return self.stance == DISAGREE

    @property
    def reason(self) -> str:
        if self.oracle == ABSTAIN and self.judge is not None and self.judge.stance != ABSTAIN:
            return f"{self.outcome} {self.cause}: {self.oracle_reason}; judge '{self.judge.judge}': {self.judge.reason}"
        return f"{self.outcome} {self.cause}: {self.oracle_reason}"

    @property
    def evidence(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "cause": self.cause}

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.stance, "run_ts": self.run_ts, "outcome": self.outcome, "cause": self.cause,
                "cause_source": self.cause_source, "oracle": self.oracle, "oracle_reason": self.oracle_reason,
                "oracle_disagrees": self.oracle_disagrees, "reason": self.reason,
                "judge": self.judge.to_dict() if self.judge else None}


def run_outcome(record: Mapping[str, Any]) -> str:
    picked = record.get("picked")
    if not isinstance(picked, list):
        return "UNKNOWN"
    if not picked:
        return "NO_PICK"
    return "LIVE_DIRTY" if record.get("dirty") is True else "LIVE"


def check_cause(cause: str, record: Mapping[str, Any], *, now_ms: int, lanes: Sequence[str],
                today: str) -> tuple[str, str]:
    """(stance, why) of the oracle's check of CAUSE against the run record's evidence."""
    reason = record.get("reason") if isinstance(record.get("reason"), str) else ""
    if cause == "STALE_CLAIM":
        ages = [(now_ms - c["claimed_at_ms"]) / 3_600_000 for c in record.get("claims") or ()
                if isinstance(c, Mapping) and isinstance(c.get("claimed_at_ms"), int)]
        if not ages:
            return ABSTAIN, "no active claims are recorded"
        oldest = max(ages)
        if oldest >= STALE_CLAIM_H:
            return AGREE, f"an active claim is {oldest:.0f}h old (>= {STALE_CLAIM_H:.0f}h)"
        return DISAGREE, f"the oldest active claim is {oldest:.0f}h old (< {STALE_CLAIM_H:.0f}h)"
    if cause == "OPERATOR_GATE":
        dates = _GATE_DATE.findall(reason)
        if not dates:
            return ABSTAIN, "the reason cites no gate date"
        if min(dates) < today:
            return DISAGREE, f"the cited gate date {min(dates)} is already past ({today})"
        return AGREE, f"the gate holds until {max(dates)}"
    if cause == "TRUE_DRAIN":
        plans = record.get("plans")
        if not isinstance(plans, list):
            return ABSTAIN, "no in-scope plans are recorded"
        open_ = [p.get("plan", "?") for p in plans if isinstance(p, Mapping) and p.get("remaining")]
        if open_:
            return DISAGREE, f"in-scope plan(s) still have remaining work: {', '.join(map(str, open_))}"
        return AGREE, f"{len(plans)} in-scope plan(s), none with remaining work"
    if cause == "MISROUTE":
        named = [lane for lane in lanes if re.search(rf"(?<![\w-]){re.escape(lane)}(?![\w-])", reason)]
        if not named:
            return DISAGREE, "the reason names no target lane"
        return AGREE, f"the reason names lane(s) {', '.join(named)}"
    return ABSTAIN, f"no oracle check for cause {cause}"


def audit_run(run_ts: str, record: Mapping[str, Any], cause: str, cause_source: str, *, now_ms: int,
              lanes: Sequence[str], today: str) -> WedgeAudit:
    outcome = run_outcome(record)
    if outcome in ("LIVE", "LIVE_DIRTY"):
        return WedgeAudit(run_ts, outcome, "NONE", "none", AGREE, "the run picked work; nothing wedged")
    if outcome == "UNKNOWN":
        return WedgeAudit(run_ts, outcome, cause, cause_source, ABSTAIN, "the record says nothing of a pick")
    stance, why = check_cause(cause, record, now_ms=now_ms, lanes=lanes, today=today)
    return WedgeAudit(run_ts, outcome, cause, cause_source, stance, why)
