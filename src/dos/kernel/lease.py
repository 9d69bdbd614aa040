"""The lease and event vocabulary, and the one expiry rule every surface reads.

A lease is a fenced, time-bounded grant of a lane's region to one holder. Every grant
gets a unique ``lease_id`` and a ``fence`` that strictly increases across the store.
Times are integer milliseconds from the store's clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Mapping

from dos.kernel.tree import LockMode


class Op(StrEnum):
    """Event kinds in the log. The reference's names, plus CLAIM for a session's claimed phase."""

    ACQUIRE = "ACQUIRE"
    RELEASE = "RELEASE"
    HEARTBEAT = "HEARTBEAT"
    SCAVENGE = "SCAVENGE"
    ADOPT = "ADOPT"
    RECONCILE = "RECONCILE"
    REFUSE = "REFUSE"
    HALT = "HALT"
    SPAWN = "SPAWN"
    ENFORCE = "ENFORCE"
    ATTEMPT = "ATTEMPT"
    CLAIM = "CLAIM"
    CHECKPOINT = "CHECKPOINT"


MUTATING_OPS = frozenset({Op.ACQUIRE, Op.RELEASE, Op.HEARTBEAT, Op.SCAVENGE, Op.ADOPT,
                          Op.RECONCILE, Op.CHECKPOINT})


@dataclass(frozen=True, slots=True)
class Lease:
    """One grant. Live until ``heartbeat_ms + ttl_ms``, or until its holder is confirmed dead."""

    lease_id: str
    fence: int
    lane: str
    lane_kind: str
    tree: tuple[str, ...]
    holder: str
    acquired_ms: int
    heartbeat_ms: int
    ttl_ms: int
    mode: LockMode = LockMode.EXCLUSIVE
    session: str = ""
    host_id: str = ""
    pid: int | None = None
    pid_start: int | None = None  # the holder process's start time, to defeat PID reuse
    run_id: str = ""
    loop_ts: str = ""

    @property
    def expires_ms(self) -> int:
        return self.heartbeat_ms + self.ttl_ms

    def expired(self, now_ms: int) -> bool:
        return now_ms >= self.expires_ms

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["tree"] = list(self.tree)
        d["mode"] = str(self.mode)
        d["expires_ms"] = self.expires_ms
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Lease:
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        kw["tree"] = tuple(kw.get("tree") or ())
        kw["mode"] = LockMode(kw.get("mode") or LockMode.EXCLUSIVE)
        return cls(**kw)


def is_live(lease: Lease, now_ms: int, *, holder_dead: bool = False) -> bool:
    """The one expiry rule: live until the TTL passes since the last beat, or the holder is confirmed dead.

    ``holder_dead`` is evidence the shell gathers: True only when the holder's process
    ran on this host and is gone (checked with its start time, so a reused PID does
    not count as alive).
    """
    return not holder_dead and not lease.expired(now_ms)


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the append-only log. ``data`` holds the op's payload (an ACQUIRE's lease, ...)."""

    seq: int
    ts_ms: int
    op: Op
    lane: str = ""
    lease_id: str = ""
    holder: str = ""
    host_id: str = ""
    reason: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "ts_ms": self.ts_ms, "op": str(self.op), "lane": self.lane,
                "lease_id": self.lease_id, "holder": self.holder, "host_id": self.host_id,
                "reason": self.reason, "data": dict(self.data)}
