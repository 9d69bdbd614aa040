"""Is a fence still the live grant for its region? The check behind the ``DOS-Lease`` trailer.

A commit may carry ``DOS-Lease: <lease_id> fence=<n>`` (one per lease it was written
under). The fence of a grant is unique and strictly increasing across the store, so a
fence is stale as soon as a later grant conflicts with its region: a newer holder of
the same lane, an adoption (the same lease, a new fence), or any lease whose region
cannot coexist with it. The states, from the event log and the live set:

    LIVE        the lease is live and holds this fence                   passes
    RELEASED    its holder released it and nothing took the region since  passes only if allowed
    SUPERSEDED  a later grant conflicts with its region                   refused
    EXPIRED     it lapsed or was scavenged (its holder lost the region)   refused
    UNKNOWN     the log has no grant of this lease with this fence        refused
    MALFORMED   the trailer cannot be read                                refused
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Iterable, Mapping, Sequence

from dos.kernel.admission import conflicting, holder_mode
from dos.kernel.lanes import Taxonomy
from dos.kernel.lease import Event, Lease, Op

TRAILER_KEY = "DOS-Lease"
_VALUE = re.compile(r"([A-Za-z0-9][A-Za-z0-9_.:-]{0,127})\s+fence=([0-9]{1,18})")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class FenceState(StrEnum):
    LIVE = "LIVE"
    RELEASED = "RELEASED"
    SUPERSEDED = "SUPERSEDED"
    EXPIRED = "EXPIRED"
    UNKNOWN = "UNKNOWN"
    MALFORMED = "MALFORMED"


@dataclass(frozen=True, slots=True)
class LeaseClaim:
    """One claim to write under a lease: from a commit's trailer (COMMIT set) or given directly."""

    lease_id: str
    fence: int | None  # None: malformed
    commit: str = ""
    raw: str = ""

    @property
    def trailer(self) -> str:
        return f"{TRAILER_KEY}: {trailer_value(self.lease_id, self.fence or 0)}"


def trailer_value(lease_id: str, fence: int) -> str:
    return f"{lease_id} fence={fence}"


def parse_claim(value: str, commit: str = "") -> LeaseClaim:
    """A trailer VALUE (``<lease_id> fence=<n>``) as a claim; a claim with fence None if malformed."""
    m = _VALUE.fullmatch(value.strip())
    if not m:
        return LeaseClaim("", None, commit, value)
    return LeaseClaim(m.group(1), int(m.group(2)), commit, value)


def clean(text: str, limit: int = 80) -> str:
    """Agent-written TEXT made safe for a one-line reason: no control characters, bounded length."""
    s = _UNPRINTABLE.sub("?", str(text))
    return s if len(s) <= limit else s[: limit - 1] + "…"


# --------------------------------------------------------------------------- the log's grants


@dataclass(frozen=True, slots=True)
class History:
    """Every grant the log shows (one Lease per fence issued, in seq order) and how leases ended."""

    grants: tuple[Lease, ...] = ()
    ended: Mapping[str, str] = field(default_factory=dict)  # lease_id -> RELEASE | SCAVENGE

    def grant(self, lease_id: str, fence: int) -> Lease | None:
        return next((g for g in self.grants if g.lease_id == lease_id and g.fence == fence), None)

    def newest_fence(self, lease_id: str) -> int | None:
        fences = [g.fence for g in self.grants if g.lease_id == lease_id]
        return max(fences) if fences else None


def history(events: Iterable[Event]) -> History:
    """Fold grant-bearing events (ACQUIRE, RECONCILE, ADOPT, CHECKPOINT, RELEASE, SCAVENGE) in seq order."""
    grants: list[Lease] = []
    seen: set[tuple[str, int]] = set()
    latest: dict[str, Lease] = {}
    ended: dict[str, str] = {}

    def add(lease: Lease) -> None:
        key = (lease.lease_id, lease.fence)
        latest[lease.lease_id] = lease
        if key not in seen:
            seen.add(key)
            grants.append(lease)

    for ev in sorted(events, key=lambda e: e.seq):
        data = ev.data if isinstance(ev.data, Mapping) else {}
        if ev.op in (Op.ACQUIRE, Op.RECONCILE):
            raw = data.get("lease")
            if isinstance(raw, Mapping) and raw.get("lease_id") and isinstance(raw.get("fence"), int):
                lease = _lease(raw)
                if lease is not None:
                    add(lease)
                    ended.pop(lease.lease_id, None)
        elif ev.op == Op.ADOPT:
            prev = latest.get(ev.lease_id)
            fence = data.get("fence")
            if prev is not None and isinstance(fence, int) and not isinstance(fence, bool):
                add(prev.replace(fence=fence, holder=str(data.get("holder") or prev.holder)))
        elif ev.op == Op.CHECKPOINT:
            for raw in data.get("leases") or ():
                if isinstance(raw, Mapping) and raw.get("lease_id") and isinstance(raw.get("fence"), int):
                    lease = _lease(raw)
                    if lease is not None:
                        add(lease)
        elif ev.op in (Op.RELEASE, Op.SCAVENGE) and ev.lease_id:
            ended[ev.lease_id] = str(ev.op)
    return History(tuple(grants), ended)


def _lease(raw: Mapping[str, Any]) -> Lease | None:
    try:
        return Lease.from_dict(raw)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- the check


@dataclass(frozen=True, slots=True)
class FenceCheck:
    claim: LeaseClaim
    state: FenceState
    reason: str
    passes: bool
    lease: Lease | None = None  # the grant the claim names, when the log has it
    superseded_by: Lease | None = None

    @property
    def token(self) -> str:
        return str(self.state)

    @property
    def evidence(self) -> dict[str, Any]:
        return {"lease_id": self.claim.lease_id, "fence": self.claim.fence, "commit": self.claim.commit}

    @property
    def tree(self) -> tuple[str, ...]:
        return tuple(self.lease.tree) if self.lease is not None else ()

    def to_dict(self) -> dict[str, Any]:
        by = self.superseded_by
        return {"commit": self.claim.commit, "lease_id": self.claim.lease_id, "fence": self.claim.fence,
                "state": str(self.state), "passes": self.passes, "reason": self.reason,
                "lane": self.lease.lane if self.lease else "", "tree": list(self.tree),
                "superseded_by": None if by is None else {"lease_id": by.lease_id, "fence": by.fence,
                                                          "lane": by.lane, "holder": by.holder}}


def check(claim: LeaseClaim, hist: History, live: Sequence[Lease], taxonomy: Taxonomy | None = None, *,
          allow_released: bool = False) -> FenceCheck:
    """Judge one claim against the log's grants and the live set (both gathered by the shell)."""
    where = f" (commit {claim.commit[:12]})" if claim.commit else ""
    if claim.fence is None or not claim.lease_id:
        return FenceCheck(claim, FenceState.MALFORMED, f"unreadable {TRAILER_KEY} trailer {clean(claim.raw)!r}"
                          f"{where}: expected '<lease_id> fence=<n>'", False)
    name = f"lease {clean(claim.lease_id, 40)} fence={claim.fence}{where}"
    mine = hist.grant(claim.lease_id, claim.fence)
    if mine is None:
        known = hist.newest_fence(claim.lease_id)
        why = (f"that lease never held this fence (its newest is {known})" if known is not None
               else "the store's log has no such lease")
        return FenceCheck(claim, FenceState.UNKNOWN, f"{name}: {why}", False)
    mode = holder_mode(mine, taxonomy)
    later = [g for g in hist.grants if g.fence > claim.fence]
    rivals = [g for g in later if g.lease_id == mine.lease_id]
    others = [g for g in later if g.lease_id != mine.lease_id]
    rivals += list(conflicting(mine.tree, mode, others, taxonomy))
    if rivals:
        newest = max(rivals, key=lambda g: g.fence)
        how = "adopted by" if newest.lease_id == mine.lease_id else "superseded by lease " + clean(newest.lease_id, 40)
        return FenceCheck(claim, FenceState.SUPERSEDED, f"{name} on lane {clean(mine.lane)} is stale: {how} "
                          f"fence={newest.fence} (lane {clean(newest.lane)}, holder {clean(newest.holder)})",
                          False, mine, newest)
    if any(x.lease_id == mine.lease_id and x.fence == mine.fence for x in live):
        return FenceCheck(claim, FenceState.LIVE, f"{name} is the live grant for lane {clean(mine.lane)}",
                          True, mine)
    if hist.ended.get(mine.lease_id) == "RELEASE":
        note = "allowed" if allow_released else "refused (pass --allow-released to accept it)"
        return FenceCheck(claim, FenceState.RELEASED, f"{name} on lane {clean(mine.lane)} was released and "
                          f"nothing has taken the region since: {note}", allow_released, mine)
    return FenceCheck(claim, FenceState.EXPIRED, f"{name} on lane {clean(mine.lane)} is no longer live "
                      f"(its TTL passed, its holder is gone, or it was scavenged)", False, mine)
