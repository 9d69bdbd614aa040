"""Map a plain shell hook's exit code to an intervention: PASS, or OBSERVE / WARN / BLOCK / DEFER.

The convention agent hosts use: 0 passes, 2 blocks, any other non-zero code warns (inform,
never silently pass, never block by surprise). A declared mapping overrides the defaults,
including one for 0 (an operator may want every pass observed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
MappingProxyType = type(type.__dict__)  # types.MappingProxyType, without importing types (0.2 ms)
from typing import Any, Mapping

INTERVENTIONS = ("OBSERVE", "WARN", "BLOCK", "DEFER")
DEFAULT_MAP: Mapping[int, str] = MappingProxyType({2: "BLOCK"})
PASS_CODE = 0
FALLBACK = "WARN"


@dataclass(frozen=True, slots=True)
class HookExitPolicy:
    """Declared code -> intervention mappings, merged over DEFAULT_MAP."""

    mapping: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for code, verb in self.mapping.items():
            if verb not in INTERVENTIONS:
                raise ValueError(f"exit {code} maps to {verb!r}; an intervention is one of {', '.join(INTERVENTIONS)}")

    def merged(self) -> dict[int, str]:
        return {**DEFAULT_MAP, **self.mapping}


@dataclass(frozen=True, slots=True)
class HookExitVerdict:
    code: int
    intervention: str | None  # None on PASS
    matched: bool
    reason: str
    evidence: Mapping[str, Any]

    @property
    def token(self) -> str:
        return self.intervention or "PASS"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "intervention": self.intervention, "reason": self.reason,
                "matched": self.matched}


def classify_hook_exit(code: int, policy: HookExitPolicy = HookExitPolicy()) -> HookExitVerdict:
    """A declared mapping wins (even for 0); else 0 passes; else the fallback WARN."""
    declared = policy.mapping
    table = policy.merged()
    evidence = {"map": {str(k): v for k, v in sorted(table.items())}}
    if code in declared:
        return HookExitVerdict(code, declared[code], True, f"exit {code} -> {declared[code]} (declared mapping)",
                               evidence)
    if code == PASS_CODE:
        return HookExitVerdict(code, None, True, "exit 0: the hook passed; proceed", evidence)
    if code in table:
        return HookExitVerdict(code, table[code], True, f"exit {code} -> {table[code]} (the hosts' convention: "
                                                        f"2 is a blocking error)", evidence)
    return HookExitVerdict(code, FALLBACK, False, f"exit {code} -> {FALLBACK}: no mapping for this code, so "
                                                  f"inform rather than pass or block", evidence)


def parse_map(text: str) -> dict[int, str]:
    """``"3=DEFER,4=observe"`` -> {3: "DEFER", 4: "OBSERVE"}. ValueError names the bad entry."""
    out: dict[int, str] = {}
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        code, sep, verb = entry.partition("=")
        if not sep:
            raise ValueError(f"--map entry {entry!r} is not CODE=VERB (e.g. 3=DEFER)")
        code, verb = code.strip(), verb.strip().upper()
        try:
            n = int(code)
        except ValueError:
            raise ValueError(f"--map entry {entry!r}: {code!r} is not an integer exit code") from None
        if verb not in INTERVENTIONS:
            raise ValueError(f"--map entry {entry!r}: the verb must be one of {', '.join(INTERVENTIONS)}")
        if n in out and out[n] != verb:
            raise ValueError(f"--map maps exit {n} twice ({out[n]} and {verb})")
        out[n] = verb
    return out
