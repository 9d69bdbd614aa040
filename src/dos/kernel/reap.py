"""Which of the supervisor's REAP plans become SCAVENGE events. Pure.

A plan is carried out only for a lease the one expiry rule already calls expired (its TTL
ran out, or its holder's process is confirmed gone): a lease that is still live stays,
whatever its liveness reads, and is reported as held. A reaped lease whose run is suspended
frees its lane only; the run's intent ledger is never reaped, so it stays resumable.
"""

from __future__ import annotations

from dos.kernel.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping

    from dos.kernel.lease import Lease
    from dos.kernel.supervise import LanePlan

REASON = "supervisor: STALLED"


class ReapItem(Record):
    __slots__ = ("lane", "lease_id", "holder", "run_id", "action", "why")

    def to_dict(self) -> dict[str, Any]:
        return self.fields()


class ReapVerdict(Record):
    """PLANNED (a dry run: nothing written) or APPLIED; ``items``: what happened to each REAP plan."""

    __slots__ = ("verdict", "reason", "items", "journal")
    _defaults = {"items": (), "journal": {}}

    @property
    def token(self) -> str:
        return self.verdict

    @property
    def evidence(self) -> list[dict[str, Any]]:
        return [i.to_dict() for i in self.items]

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reason": self.reason, "apply": self.verdict == "APPLIED",
                "items": self.evidence, "reaped": [i.lease_id for i in self.items if i.action == "reaped"],
                "would_reap": [i.lease_id for i in self.items if i.action == "would_reap"],
                "held": [i.lease_id for i in self.items if i.action == "held"], "journal": dict(self.journal)}


def plan_reap(plans: Iterable[LanePlan], leases: Mapping[str, tuple[Lease, bool]], suspended: Iterable[str],
              *, apply: bool) -> list[ReapItem]:
    """Each REAP plan judged: 'reaped'/'would_reap' for an expired lease, 'held' for a live or vanished one.

    LEASES: lease id -> (lease, live under the expiry rule). SUSPENDED: run ids parked resumably.
    """
    parked = set(suspended)
    out = []
    for p in plans:
        found = leases.get(p.lease_id)
        if found is None:
            out.append(ReapItem(p.lane, p.lease_id, p.holder, "", "held", "the lease is gone already"))
            continue
        lease, live = found
        if live:
            out.append(ReapItem(p.lane, p.lease_id, lease.holder, lease.run_id, "held",
                                "stalled, but its TTL has not run out and its holder is not known dead: it stays "
                                "until it expires"))
            continue
        note = " (its run is suspended: the ledger stays, resume it with `dos resume`)" if lease.run_id in parked else ""
        out.append(ReapItem(p.lane, p.lease_id, lease.holder, lease.run_id, "reaped" if apply else "would_reap",
                            f"{p.reason}{note}"))
    return out


def reap_verdict(items: list[ReapItem], *, apply: bool, journal: Mapping[str, Any] | None = None) -> ReapVerdict:
    gone = sum(1 for i in items if i.action in ("reaped", "would_reap"))
    held = sum(1 for i in items if i.action == "held")
    if apply:
        why = f"scavenged {gone} stalled lease(s); {held} held"
        return ReapVerdict("APPLIED", why, tuple(items), dict(journal or {}))
    why = f"dry run: {gone} stalled lease(s) would be scavenged, {held} held; pass --apply to scavenge them"
    return ReapVerdict("PLANNED", why, tuple(items), dict(journal or {}))
