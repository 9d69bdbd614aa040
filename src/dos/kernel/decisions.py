"""The operator's queue: what needs a person, ranked, each with the one command that resolves it.

Pure: the service gathers the facts (leases and their liveness, HALT, REFUSE and stop
records, the plan board) and the clock; this module decides which items are still open,
merges duplicates, and orders them. Every string an agent wrote (lane names, holders,
reasons) is quoted with ``shlex.quote`` before it goes into a proposed command.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Sequence

# Kind -> (rank: lower comes first, resolver kind, what it means). The order is the urgency:
# a stalled run holding a lane blocks everyone who needs that region; a proposed halt is a
# decision already half made; a session that stopped at the refusal cap left a claim behind.
KINDS: Mapping[str, tuple[int, str, str]] = {
    "STALLED": (0, "HUMAN", "a stalled run still holds a lane"),
    "LIVENESS": (1, "HUMAN", "a halt was proposed and the run still holds its lane"),
    "STOP_CAP": (2, "HUMAN", "a session stopped at the refusal cap with its claim unverified"),
    "EXPIRED": (3, "HUMAN", "an expired lease (its holder dead or silent) is still in the view"),
    "OVER_CLAIM": (4, "HUMAN", "a plan doc says SHIPPED and git has no commit for it"),
    "ARBITER_REFUSE": (5, "BACKPRESSURE", "an acquire was refused and its blocker is still live"),
    "SPINNING": (6, "JUDGE", "a live run beats but makes no progress"),
}
RESOLVERS = ("HUMAN", "ORACLE", "JUDGE", "BACKPRESSURE")
REFUSE_WINDOW_MS = 3_600_000  # a refusal older than this is history, not a decision


@dataclass(frozen=True, slots=True)
class Item:
    """One pending decision. ``key`` identifies it across refreshes (duplicates merge on it)."""

    kind: str
    lane: str
    reason_text: str
    proposed_command: str
    age_ms: int | None = None
    reason_token: str = ""
    run_id: str = ""
    run_ts: str = ""
    holder: str = ""
    session: str = ""
    lease_id: str = ""
    handle: str = ""
    seq: int | None = None
    source_path: str = ""
    evidence: tuple[str, ...] = ()
    dup_count: int = 1
    key: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown decision kind {self.kind!r} (one of: {', '.join(KINDS)})")

    @property
    def rank(self) -> int:
        return KINDS[self.kind][0]

    @property
    def resolver_kind(self) -> str:
        return KINDS[self.kind][1]

    @property
    def token(self) -> str:
        return self.kind

    @property
    def reason(self) -> str:
        return " ".join(self.reason_text.split())

    def to_dict(self) -> dict[str, Any]:
        """The reference's row keys, plus DOS's own (``holder``, ``session``, ``lease_id``, ``seq``, ``key``)."""
        return {"kind": self.kind, "resolver_kind": self.resolver_kind, "lane": self.lane,
                "reason_token": self.reason_token, "reason_text": self.reason_text, "run_id": self.run_id,
                "run_ts": self.run_ts,
                "age_seconds": None if self.age_ms is None else max(0, self.age_ms) // 1000,
                "source_path": self.source_path, "evidence": list(self.evidence),
                "proposed_command": self.proposed_command, "handle": self.handle, "dup_count": self.dup_count,
                "holder": self.holder, "session": self.session, "lease_id": self.lease_id, "seq": self.seq,
                "key": self.key or item_key(self), "meaning": KINDS[self.kind][2]}


def item_key(item: Item) -> str:
    """What makes two items the same decision: the kind and what it is about."""
    subject = item.lease_id or item.handle or item.session or item.run_id
    return "\x1f".join((item.kind, item.lane.casefold(), subject))


def q(text: Any) -> str:
    """TEXT quoted for a POSIX shell (agents' strings never become shell syntax)."""
    return shlex.quote(str(text))


# --------------------------------------------------------------------------- the commands


def release_command(lane: str, holder: str, lease_id: str) -> str:
    return f"dos lease-lane release --lane {q(lane)} --owner {q(holder)} --lease-id {q(lease_id)}"


def kill_command(pid: int | None, handle: str, lane: str, holder: str, lease_id: str, command: str = "") -> str:
    """Stop the run: its recorded stop command, else SIGTERM to its pid, else release its lease."""
    if command:
        return command
    if pid:
        return f"kill -TERM {int(pid)}"
    if handle.isdigit():
        return f"kill -TERM {int(handle)}"
    return release_command(lane, holder, lease_id)


# --------------------------------------------------------------------------- building items


@dataclass(frozen=True, slots=True)
class LeaseFact:
    """One lease in the view as the queue sees it: its liveness under the one rule and the kernel's ladder."""

    lease_id: str
    lane: str
    holder: str
    session: str = ""
    run_id: str = ""
    loop_ts: str = ""
    pid: int | None = None
    fence: int = 0
    live: bool = True
    holder_dead: bool = False
    liveness: str = ""  # ADVANCING | SPINNING | STALLED
    liveness_reason: str = ""
    beat_age_ms: int = 0
    expired_for_ms: int = 0
    acquired_ms: int = 0


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the queue is built from, already gathered; times are the store's milliseconds."""

    now_ms: int
    leases: Sequence[LeaseFact] = ()
    halts: Sequence[Mapping[str, Any]] = ()  # HALT events as dicts (seq, ts_ms, lane, lease_id, holder, reason, data)
    refusals: Sequence[Mapping[str, Any]] = ()  # REFUSE events as dicts
    acquired_after: Mapping[str, int] = field(default_factory=dict)  # holder -> newest ACQUIRE seq
    stop_caps: Sequence[Mapping[str, Any]] = ()  # {seq, ts_ms, session, plan, phase, reason, open}
    over_claims: Sequence[Mapping[str, Any]] = ()  # plan board rows that are over-claimed
    source_path: str = ""


def lease_items(facts: Facts) -> list[Item]:
    """STALLED (live or not, still holding), EXPIRED (dead holder, expired), SPINNING."""
    out = []
    for x in facts.leases:
        evidence = [f"lease {x.lease_id}", f"fence {x.fence}"] + ([f"pid {x.pid}"] if x.pid else [])
        if not x.live:
            gone = "its process is gone" if x.holder_dead else "it stopped beating and its TTL ran out"
            why = (f"the lease of {x.holder!r} on lane {x.lane!r} is expired ({gone}) and still in the view; "
                   f"releasing it frees the region now (the next grant would scavenge it anyway)")
            out.append(Item("EXPIRED", x.lane, why, release_command(x.lane, x.holder, x.lease_id),
                                x.expired_for_ms, "HOLDER_DEAD", x.run_id, x.loop_ts, x.holder, x.session,
                                x.lease_id, str(x.pid or ""), source_path=facts.source_path,
                                evidence=tuple(evidence)))
            continue
        if x.liveness == "STALLED":
            why = f"{x.holder!r} holds lane {x.lane!r} but its run is STALLED: {x.liveness_reason}"
            out.append(Item("STALLED", x.lane, why, kill_command(x.pid, "", x.lane, x.holder, x.lease_id),
                            x.beat_age_ms, "STALLED", x.run_id, x.loop_ts, x.holder, x.session, x.lease_id,
                            str(x.pid or ""), source_path=facts.source_path, evidence=tuple(evidence)))
        elif x.liveness == "SPINNING":
            why = f"{x.holder!r} holds lane {x.lane!r} and is SPINNING: {x.liveness_reason}"
            cmd = f"dos liveness --run-id {q(x.run_id)}" if x.run_id else kill_command(
                x.pid, "", x.lane, x.holder, x.lease_id)
            out.append(Item("SPINNING", x.lane, why, cmd, facts.now_ms - x.acquired_ms, "SPINNING", x.run_id,
                            x.loop_ts, x.holder, x.session, x.lease_id, str(x.pid or ""),
                            source_path=facts.source_path, evidence=tuple(evidence)))
    return out


def _held_by(facts: Facts, halt: Mapping[str, Any]) -> LeaseFact | None:
    """The live lease a HALT is about (by lease id, else run id, else lane), acquired before the halt."""
    data = halt.get("data") or {}
    for x in facts.leases:
        if not x.live or x.acquired_ms > int(halt.get("ts_ms", 0)):
            continue
        if halt.get("lease_id"):
            if x.lease_id == halt["lease_id"]:
                return x
        elif data.get("run_id"):
            if x.run_id == data["run_id"]:
                return x
        elif halt.get("lane") and x.lane.casefold() == str(halt["lane"]).casefold():
            return x
    return None


def halt_items(facts: Facts) -> list[Item]:
    """LIVENESS: a HALT (not a suspension) whose run still holds its lane."""
    out = []
    for h in facts.halts:
        data = h.get("data") or {}
        if data.get("suspended"):
            continue
        lease = _held_by(facts, h)
        if lease is None:
            continue
        handle = str(data.get("handle", ""))
        why = (f"halt proposed by {h.get('holder') or 'an operator'!s}: {h.get('reason') or 'halt'}; "
               f"{lease.holder!r} still holds lane {lease.lane!r}")
        cmd = kill_command(lease.pid, handle, lease.lane, lease.holder, lease.lease_id, str(data.get("command") or ""))
        out.append(Item("LIVENESS", lease.lane, why, cmd, facts.now_ms - int(h.get("ts_ms", facts.now_ms)),
                        "HALT", str(data.get("run_id") or lease.run_id), str(data.get("loop_ts") or lease.loop_ts),
                        lease.holder, lease.session, lease.lease_id, handle, int(h["seq"]) if "seq" in h else None,
                        facts.source_path, (f"journal seq #{h.get('seq')}", f"handle={handle}")))
    return out


def refusal_items(facts: Facts) -> list[Item]:
    """ARBITER_REFUSE: a recent refusal whose blocking lease is still live, its holder not granted since."""
    live = {x.lease_id: x for x in facts.leases if x.live}
    out = []
    for r in facts.refusals:
        age = facts.now_ms - int(r.get("ts_ms", facts.now_ms))
        if age > REFUSE_WINDOW_MS:
            continue
        holder = str(r.get("holder", ""))
        if facts.acquired_after.get(holder, -1) > int(r.get("seq", 0)):
            continue
        data = r.get("data") or {}
        blockers = [live[b] for b in data.get("blocking") or () if b in live]
        if not blockers:
            continue
        lane = str(r.get("lane", ""))
        b = blockers[0]
        cmd = f"dos arbitrate --lane {q(lane)}" if lane else "dos arbitrate"
        out.append(Item("ARBITER_REFUSE", lane, str(r.get("reason", "")), cmd, age, "REFUSE",
                        str(data.get("run_id", "")), str(data.get("loop_ts", "")), holder,
                        str(data.get("session", "")), "", "", int(r["seq"]) if "seq" in r else None,
                        facts.source_path, (f"journal seq #{r.get('seq')}", f"blocked by {b.holder} ({b.lease_id})"),
                        key="\x1f".join(("ARBITER_REFUSE", lane.casefold(), holder))))
    return out


def stop_items(facts: Facts) -> list[Item]:
    """STOP_CAP: a stop let through at the cap whose claim is still open (not verified, not changed)."""
    out = []
    for s in facts.stop_caps:
        if not s.get("open", True):
            continue
        plan, phase = str(s.get("plan", "")), str(s.get("phase", ""))
        why = (f"session {s.get('session', '')!r} stopped after the refusal cap with {plan} {phase} unverified; "
               f"land the commit that stamps it, or correct the claim")
        cmd = f"dos verify {q(plan)} {q(phase)}" if plan else "dos verify PLAN PHASE"
        out.append(Item("STOP_CAP", phase, why, cmd, facts.now_ms - int(s.get("ts_ms", facts.now_ms)),
                        "CAP_REACHED", session=str(s.get("session", "")), seq=s.get("seq"),
                        source_path=facts.source_path, evidence=(f"journal seq #{s.get('seq')}",)))
    return out


def over_claim_items(facts: Facts) -> list[Item]:
    """OVER_CLAIM: each plan phase whose doc says SHIPPED while verify says not."""
    out = []
    for row in facts.over_claims:
        plan, phase = str(row.get("plan", "")), str(row.get("phase", ""))
        doc = str(row.get("doc_path", ""))
        why = f"{doc or 'the plan doc'} claims {plan} {phase} SHIPPED; git has no commit backing it"
        out.append(Item("OVER_CLAIM", str(row.get("lane") or ""), why, f"dos verify {q(plan)} {q(phase)}",
                        None, "OVER_CLAIM", source_path=doc, evidence=(f"oracle: {row.get('oracle_source') or 'none'}",),
                        key="\x1f".join(("OVER_CLAIM", plan, phase))))
    return out


def build(facts: Facts) -> list[Item]:
    """Every open item, unranked."""
    return [*lease_items(facts), *halt_items(facts), *stop_items(facts), *refusal_items(facts),
            *over_claim_items(facts)]


def rank(items: Iterable[Item], *, include_all: bool = False) -> list[Item]:
    """Merge duplicates (the oldest stays, ``dup_count`` adds up) and order: kind, then oldest first.

    Without INCLUDE_ALL only HUMAN items are kept.
    """
    merged: dict[str, Item] = {}
    for item in items:
        if not include_all and item.resolver_kind != "HUMAN":
            continue
        key = item.key or item_key(item)
        seen = merged.get(key)
        if seen is None:
            merged[key] = replace(item, key=key)
            continue
        keep = item if _older(item, seen) else seen
        merged[key] = replace(keep, key=key, dup_count=seen.dup_count + item.dup_count)
    return sorted(merged.values(), key=_order)


def _older(a: Item, b: Item) -> bool:
    return (a.age_ms if a.age_ms is not None else -1) > (b.age_ms if b.age_ms is not None else -1)


def _order(item: Item) -> tuple[Any, ...]:
    age = item.age_ms if item.age_ms is not None else -1
    return (item.rank, -age, item.lane.casefold(), item.key)


def tally(items: Sequence[Item]) -> dict[str, int]:
    """Count per resolver kind, in RESOLVERS order (zeros left out)."""
    out: dict[str, int] = {}
    for r in RESOLVERS:
        n = sum(1 for x in items if x.resolver_kind == r)
        if n:
            out[r] = n
    return out


__all__ = ["KINDS", "RESOLVERS", "REFUSE_WINDOW_MS", "Facts", "Item", "LeaseFact", "build", "item_key",
           "kill_command", "q", "rank", "release_command", "tally"]
