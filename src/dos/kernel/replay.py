"""The one pure fold from the event log to the leases it leaves standing, and compaction.

``replay(events)`` folds mutating events in ``seq`` order; forensic events never create
or delete a lease, and a HEARTBEAT or ADOPT never creates one. ``compact(events)``
replaces every mutating event by one CHECKPOINT and keeps forensic events, so that
``replay(compact(E)) == replay(E)``. A CHECKPOINT resets the fold, so mutating events
before it count for nothing (online compaction deletes them after it is written);
``fold_rows`` is the same fold over stored rows, decoding only what survives.
"""

from __future__ import annotations

from collections.abc import Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

from dos.kernel.lease import MUTATING_OPS, Event, Lease, Op


def _int_or(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def apply(state: dict[str, Lease], event: Event) -> None:
    """Fold one EVENT into STATE (lease_id -> Lease) in place."""
    op, data = event.op, event.data
    if op in (Op.ACQUIRE, Op.RECONCILE):
        raw = data.get("lease")
        if isinstance(raw, Mapping) and raw.get("lease_id"):
            state[raw["lease_id"]] = Lease.from_dict(raw)
    elif op in (Op.RELEASE, Op.SCAVENGE):
        state.pop(event.lease_id, None)
    elif op == Op.HEARTBEAT:
        lease = state.get(event.lease_id)
        if lease is not None:
            state[event.lease_id] = lease.replace(
                heartbeat_ms=_int_or(data.get("heartbeat_ms"), event.ts_ms))
    elif op == Op.ADOPT:
        lease = state.get(event.lease_id)
        if lease is not None:
            state[event.lease_id] = adopted(lease, data, event.ts_ms)
    elif op == Op.CHECKPOINT:
        state.clear()
        for raw in data.get("leases") or ():
            if isinstance(raw, Mapping) and raw.get("lease_id"):
                state[raw["lease_id"]] = Lease.from_dict(raw)


def adopted(lease: Lease, data: Mapping[str, Any], ts_ms: int) -> Lease:
    """LEASE after an ADOPT carrying DATA: the new holder's identity, a fresh beat and fence."""
    return lease.replace(
        holder=str(data.get("holder") or lease.holder),
        session=str(data.get("session", lease.session) or ""),
        host_id=str(data.get("host_id", lease.host_id) or ""),
        pid=data.get("pid") if isinstance(data.get("pid"), int) else None,
        pid_start=data.get("pid_start") if isinstance(data.get("pid_start"), int) else None,
        fence=_int_or(data.get("fence"), lease.fence),
        heartbeat_ms=_int_or(data.get("heartbeat_ms"), ts_ms),
    )


def replay(events: Iterable[Event]) -> dict[str, Lease]:
    """The leases standing after EVENTS, in first-grant order, keyed by lease_id."""
    state: dict[str, Lease] = {}
    for event in sorted(events, key=lambda e: e.seq):
        apply(state, event)
    return state


def checkpoint(leases: Iterable[Lease], *, seq: int, ts_ms: int) -> Event:
    """One CHECKPOINT event standing for LEASES."""
    items = [lease.to_dict() for lease in leases]
    return Event(seq=seq, ts_ms=ts_ms, op=Op.CHECKPOINT, reason="compact",
                 data={"leases": items, "seq_watermark": seq})


def compact(events: Iterable[Event]) -> list[Event]:
    """EVENTS with every mutating event folded into one CHECKPOINT (at the last mutating seq).

    Forensic events (REFUSE, HALT, SPAWN, ENFORCE, ATTEMPT, CLAIM) are kept as they were.
    """
    ordered = sorted(events, key=lambda e: e.seq)
    mutating = [e for e in ordered if e.op in MUTATING_OPS]
    if not mutating:
        return ordered
    last = mutating[-1]
    cp = checkpoint(replay(mutating).values(), seq=last.seq, ts_ms=last.ts_ms)
    kept = [e for e in ordered if e.op not in MUTATING_OPS]
    return sorted([*kept, cp], key=lambda e: e.seq)


def fold_rows(rows: Iterable[tuple[int, int, str, str, str]]) -> dict[str, Lease]:
    """``replay`` over stored rows ``(seq, ts_ms, op, lease_id, data_json)`` in seq order, decoding lazily.

    Equal to ``replay`` of the same events (a property test holds them equal), but a lease
    released or scavenged costs one JSON decode and no ``Lease``; a run of beats keeps only
    its last. So a long log folds at the speed of reading it (compaction, ``journal replay``).
    """
    import json

    acquire, reconcile, checkpoint_op = str(Op.ACQUIRE), str(Op.RECONCILE), str(Op.CHECKPOINT)
    gone, beat, adopt = (str(Op.RELEASE), str(Op.SCAVENGE)), str(Op.HEARTBEAT), str(Op.ADOPT)
    # lease_id -> [its granting record (a dict), then the (op, ts_ms, data_json) folded on top of it]
    state: dict[str, list[Any]] = {}
    for _seq, ts_ms, op, lease_id, text in rows:
        if op == acquire or op == reconcile:
            raw = json.loads(text).get("lease") if text else None
            if isinstance(raw, Mapping) and raw.get("lease_id"):
                state[raw["lease_id"]] = [raw]
        elif op in gone:
            state.pop(lease_id, None)
        elif op == beat or op == adopt:
            held = state.get(lease_id)
            if held is not None:
                if op == beat and len(held) > 1 and held[-1][0] == beat:
                    held[-1] = (op, ts_ms, text)  # a beat only moves heartbeat_ms: the last one stands
                else:
                    held.append((op, ts_ms, text))
        elif op == checkpoint_op:
            state.clear()
            for raw in (json.loads(text).get("leases") if text else None) or ():
                if isinstance(raw, Mapping) and raw.get("lease_id"):
                    state[raw["lease_id"]] = [raw]
    out: dict[str, Lease] = {}
    for lease_id, (raw, *later) in state.items():
        lease = Lease.from_dict(raw)
        for op, ts_ms, text in later:
            data = json.loads(text) if text else {}
            if op == beat:
                lease = lease.replace(heartbeat_ms=_int_or(data.get("heartbeat_ms"), ts_ms))
            else:
                lease = adopted(lease, data, ts_ms)
        out[lease_id] = lease
    return out
