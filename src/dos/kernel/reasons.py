"""The reason registry: refusal tokens, their categories, and how an unknown token is classified.

Built-in reasons are ``BUILTIN_REASONS``; custom ``[reasons.<TOKEN>]`` entries are added
(never replacing a built-in). Classification: exact registry hit, then legacy aliases,
then the ordered morphology rules (substring -> category), else UNCLASSIFIED.
"""

from __future__ import annotations

from dataclasses import dataclass
MappingProxyType = type(type.__dict__)  # types.MappingProxyType, without importing types (0.2 ms)
from typing import Any, Iterable, Mapping

CATEGORIES = ("TRUE_DRAIN", "OPERATOR_GATE", "STALE_CLAIM", "MISROUTE", "UNCLASSIFIED")
DEFAULT_SEE_ALSO = ("dos man wedge", "dos verify", "dos arbitrate")


@dataclass(frozen=True)
class ReasonSpec:
    token: str
    category: str
    refusal: bool = True
    fix: str = ""
    see_also: tuple[str, ...] = ()
    summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"token": self.token, "category": self.category, "refusal": self.refusal, "fix": self.fix,
                "see_also": list(self.see_also or DEFAULT_SEE_ALSO), "summary": self.summary}


def _b(token: str, category: str, summary: str, fix: str, *see: str) -> tuple[str, ReasonSpec]:
    return token, ReasonSpec(token, category, True, fix, see, summary)


BUILTIN_REASONS: Mapping[str, ReasonSpec] = MappingProxyType(dict([
    _b("LANE_DRAINED", "TRUE_DRAIN", "the lane has no offerable work left",
       "plan more phases for this lane, or retire it", "dos plan", "dos gate", "dos man wedge"),
    _b("LANE_BLOCKED_ON_SOAK_GATED_PHASES", "OPERATOR_GATE", "every remaining phase waits on an open soak",
       "close or extend the soak window", "dos pickable", "dos man wedge"),
    _b("LANE_LEASE_HELD_BY_LIVE_DISPATCH_LOOP", "OPERATOR_GATE", "another live loop holds the lane",
       "wait for its lease to end, or halt that worker", "dos lease-lane live", "dos halt", "dos man wedge"),
    _b("LANE_ALL_BLOCKED_OR_STALE_STAMP", "OPERATOR_GATE", "remaining phases are blocked or mis-stamped",
       "fix the plan doc stamps, then unblock", "dos plan", "dos gate", "dos man wedge"),
    _b("LANE_BLOCKED_ON_OPERATOR_DECISION", "OPERATOR_GATE", "the next phase needs a human decision",
       "make the decision and record it in the plan", "dos pickable", "dos man wedge"),
    _b("LANE_ALL_INFLIGHT_OR_DEFERRED", "STALE_CLAIM", "every phase is claimed in flight or deferred",
       "reap stale claims ('dos liveness'), then retry", "dos liveness", "dos lease-lane live",
       "dos man wedge"),
    _b("LANE_ALL_SHIPPED_INFLIGHT_OR_STALE_STAMP", "STALE_CLAIM",
       "phases are shipped, in flight, or stamped without a ship", "run 'dos plan' and fix over-claims",
       "dos plan", "dos verify", "dos man wedge"),
    _b("SELF_MODIFY", "MISROUTE", "the write targets DOS's own policy files", "route the change to an operator",
       "dos man lane", "dos arbitrate", "dos man wedge"),
    _b("SCHEMA_UNREADABLE", "MISROUTE", "a record's schema version is newer than this reader",
       "upgrade dos", "dos doctor", "dos man wedge"),
    _b("UNKNOWN_LANE", "MISROUTE", "the lane is not declared in dos.toml", "declare it under [lanes], or pick a "
       "lane 'dos man lane' lists", "dos man lane", "dos arbitrate", "dos man wedge"),
]))

MORPHOLOGY: tuple[tuple[str, str], ...] = (
    ("FALSE_SHIPPED", "STALE_CLAIM"), ("FALSE_SHIP", "STALE_CLAIM"), ("STALE_STAMP", "STALE_CLAIM"),
    ("STAMP_DRIFT", "STALE_CLAIM"), ("STAMPING_DRIFT", "STALE_CLAIM"),
    ("OPERATOR", "OPERATOR_GATE"), ("SOAK", "OPERATOR_GATE"),
    ("INFLIGHT", "STALE_CLAIM"), ("IN_FLIGHT", "STALE_CLAIM"),
    ("LEASE_HELD", "OPERATOR_GATE"), ("GATE", "OPERATOR_GATE"),
    ("DRAINED", "TRUE_DRAIN"), ("DRAIN", "TRUE_DRAIN"), ("NO_DISPATCHABLE", "TRUE_DRAIN"),
    ("MISROUTE", "MISROUTE"), ("MIS_ROUT", "MISROUTE"),
)

ALIASES: Mapping[str, str] = MappingProxyType({
    "MIS_ROUTED_FINDING": "MISROUTE", "MISROUTED": "MISROUTE", "STALE_CLAIM_COLLISION": "STALE_CLAIM",
    "FOREIGN_COLLISION": "STALE_CLAIM", "OPERATOR_GATED": "OPERATOR_GATE", "SOAK_OPEN": "OPERATOR_GATE",
    "DRAIN": "TRUE_DRAIN", "REGEX_FP": "RENDERER_BUG", "RENDERER_SKIP": "RENDERER_BUG",
})


def build_registry(custom: Mapping[str, Any] | None = None) -> Mapping[str, ReasonSpec]:
    """Built-ins plus CUSTOM (token -> object with category/refusal/summary/fix/see_also).

    ValueError when a custom entry re-declares a built-in token.
    """
    out = dict(BUILTIN_REASONS)
    for raw_token, spec in (custom or {}).items():
        token = raw_token.strip().upper()
        if token in BUILTIN_REASONS:
            raise ValueError(f"reason {token} is built in; pick another token for [reasons.{raw_token}]")
        see = getattr(spec, "see_also", ())
        out[token] = ReasonSpec(token, getattr(spec, "category"), bool(getattr(spec, "refusal", True)),
                                getattr(spec, "fix", ""), (see,) if isinstance(see, str) else tuple(see),
                                getattr(spec, "summary", ""))
    return MappingProxyType(out)


@dataclass(frozen=True)
class ReasonClass:
    token: str
    category: str
    how: str  # "exact" | "alias" | "morphological" | "none"
    refusal: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"token": self.token, "category": self.category, "how": self.how, "refusal": self.refusal}


def classify_reason(token: str, registry: Mapping[str, ReasonSpec] = BUILTIN_REASONS,
                    morphology: Iterable[tuple[str, str]] | None = None) -> ReasonClass:
    """The category of TOKEN; unknown tokens are UNCLASSIFIED and count as refusals."""
    tok = token.strip().upper()
    if tok in registry:
        spec = registry[tok]
        return ReasonClass(tok, spec.category, "exact", spec.refusal)
    if tok in ALIASES:
        return ReasonClass(tok, ALIASES[tok], "alias")
    rules = MORPHOLOGY if morphology is None else tuple(morphology)
    for sub, cat in rules:
        if sub.upper() in tok:
            return ReasonClass(tok, cat, "morphological")
    return ReasonClass(tok, "UNCLASSIFIED", "none")
