"""The lease and event vocabulary, and the one expiry rule every surface reads.

A lease is a fenced, time-bounded grant of a lane's region to one holder. Every grant
gets a unique ``lease_id`` and a ``fence`` that strictly increases across the store.
Times are integer milliseconds from the store's clock.
"""

from __future__ import annotations

from dos.kernel.record import Choice, Record
from dos.kernel.tree import LockMode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping


class Op(Choice, values=("ACQUIRE", "RELEASE", "HEARTBEAT", "SCAVENGE", "ADOPT", "RECONCILE", "REFUSE",
                         "HALT", "SPAWN", "ENFORCE", "ATTEMPT", "CLAIM", "CHECKPOINT")):
    """Event kinds in the log. The reference's names, plus CLAIM for a session's claimed phase."""


MUTATING_OPS = frozenset({Op.ACQUIRE, Op.RELEASE, Op.HEARTBEAT, Op.SCAVENGE, Op.ADOPT,
                          Op.RECONCILE, Op.CHECKPOINT})
LEASE_FIELDS = ("lease_id", "fence", "lane", "lane_kind", "tree", "holder", "acquired_ms", "heartbeat_ms",
                "ttl_ms", "mode", "session", "host_id", "pid", "pid_start", "run_id", "loop_ts")


class Lease(Record):
    """One grant. Live until ``heartbeat_ms + ttl_ms``, or until its holder is confirmed dead.

    ``pid_start`` is the holder process's start time, so a reused PID does not keep it alive.
    """

    __slots__ = LEASE_FIELDS
    _defaults = {"mode": LockMode.EXCLUSIVE, "session": "", "host_id": "", "pid": None, "pid_start": None,
                 "run_id": "", "loop_ts": ""}

    @property
    def expires_ms(self) -> int:
        return self.heartbeat_ms + self.ttl_ms

    def expired(self, now_ms: int) -> bool:
        return now_ms >= self.expires_ms

    def to_dict(self) -> dict[str, Any]:
        d = self.fields()
        d["tree"] = list(self.tree)
        d["mode"] = str(self.mode)
        d["expires_ms"] = self.expires_ms
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Lease:
        kw = {k: v for k, v in d.items() if k in LEASE_FIELDS}
        kw["tree"] = tuple(kw.get("tree") or ())
        kw["mode"] = LockMode(kw.get("mode") or "exclusive")
        return cls(**kw)


def is_live(lease: Lease, now_ms: int, *, holder_dead: bool = False) -> bool:
    """The one expiry rule: live until the TTL passes since the last beat, or the holder is confirmed dead.

    ``holder_dead`` is evidence the shell gathers: True only when the holder's process
    ran on this host and is gone (checked with its start time, so a reused PID does
    not count as alive).
    """
    return not holder_dead and not lease.expired(now_ms)


class Event(Record):
    """One row of the append-only log. ``data`` holds the op's payload (an ACQUIRE's lease, ...)."""

    __slots__ = ("seq", "ts_ms", "op", "lane", "lease_id", "holder", "host_id", "reason", "data")
    _defaults = {"lane": "", "lease_id": "", "holder": "", "host_id": "", "reason": "", "data": {}}

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "ts_ms": self.ts_ms, "op": str(self.op), "lane": self.lane,
                "lease_id": self.lease_id, "holder": self.holder, "host_id": self.host_id,
                "reason": self.reason, "data": dict(self.data)}
