"""Pick priority by freshness: never-attempted units sort before attempted ones, and among attempted
units the least recently tried sorts first.

The sort key is meant to be appended after a picker's own priority key, so freshness breaks
ties within a tier and never overrides priority. Timeless: it orders, it does not gate
(``cooldown`` is the gate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping


@dataclass(frozen=True, slots=True)
class Freshness:
    unit_id: str
    freshness: str  # NEVER_ATTEMPTED | ATTEMPTED
    last_attempt_ms: int
    attempts: int
    reason: str

    @property
    def token(self) -> str:
        return self.freshness

    @property
    def sort_key(self) -> tuple[int, int]:
        return (0, 0) if self.freshness == "NEVER_ATTEMPTED" else (1, self.last_attempt_ms)

    @property
    def evidence(self) -> dict[str, Any]:
        return {"attempts": self.attempts, "last_attempt_ms": self.last_attempt_ms}

    def to_dict(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, "freshness": self.freshness, "last_attempt_ms": self.last_attempt_ms,
                "sort_key": list(self.sort_key), "reason": self.reason}


def _attempt_ms(row: Mapping[str, Any]) -> int | None:
    value = row.get("attempted_at_ms")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def pick_priority(unit: str, attempts: Iterable[Mapping[str, Any]]) -> Freshness:
    """UNIT's freshness from ATTEMPTS (rows with ``unit_id`` and an integer ``attempted_at_ms``)."""
    times = [ms for row in attempts if row.get("unit_id") == unit and row.get("op", "ATTEMPT") in ("", "ATTEMPT")
             for ms in (_attempt_ms(row),) if ms is not None]
    if not times:
        return Freshness(unit, "NEVER_ATTEMPTED", 0, 0, f"{unit} has no recorded attempt: fresh work, pick it "
                                                        f"before anything already tried")
    last = max(times)
    return Freshness(unit, "ATTEMPTED", last, len(times),
                     f"{unit} was attempted {len(times)} time(s), last at {last} ms: it sorts after fresh work, "
                     f"and before units tried more recently")


def rank(units: Iterable[str], attempts: Iterable[Mapping[str, Any]]) -> list[Freshness]:
    """UNITS in freshness order (stable for equal keys)."""
    rows = list(attempts)
    return sorted((pick_priority(u, rows) for u in units), key=lambda f: f.sort_key)
