"""The pure fold: compaction keeps replay, forensic events change nothing, beats never create."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dos.kernel.lease import MUTATING_OPS, Event, Lease, Op
from dos.kernel.replay import compact, replay

IDS = ["a", "b", "c", "d"]


def _lease(lease_id: str, fence: int, t: int) -> dict:
    return Lease(lease_id=lease_id, fence=fence, lane=f"lane-{lease_id}", lane_kind="cluster",
                 tree=(f"{lease_id}/**",), holder="h", acquired_ms=t, heartbeat_ms=t, ttl_ms=1000).to_dict()


@st.composite
def logs(draw) -> list[Event]:
    ops = draw(st.lists(st.tuples(st.sampled_from(list(Op.values())), st.sampled_from(IDS)), max_size=40))
    out = []
    for seq, (op, lid) in enumerate(ops, 1):
        if op in (Op.ACQUIRE, Op.RECONCILE):
            data = {"lease": _lease(lid, seq, seq)}
        elif op == Op.HEARTBEAT:
            data = {"heartbeat_ms": seq * 10}
        elif op == Op.ADOPT:
            data = {"holder": f"new{seq}", "fence": seq, "heartbeat_ms": seq, "pid": seq}
        elif op == Op.CHECKPOINT:
            data = {"leases": [_lease(x, seq, seq) for x in draw(st.lists(st.sampled_from(IDS), unique=True))]}
        else:
            data = {"anything": seq}
        out.append(Event(seq, seq, op, lane="L", lease_id=lid, data=data))
    return out


@settings(max_examples=100, deadline=None)
@given(logs())
def test_compaction_keeps_replay_and_is_idempotent(events: list[Event]) -> None:
    once = compact(events)
    assert replay(once) == replay(events)
    assert compact(once) == once
    assert sum(e.op == Op.CHECKPOINT for e in once) <= 1
    assert [e for e in once if e.op not in MUTATING_OPS] == [e for e in events if e.op not in MUTATING_OPS]


@settings(max_examples=100, deadline=None)
@given(logs())
def test_forensic_events_never_change_the_fold(events: list[Event]) -> None:
    assert replay(events) == replay([e for e in events if e.op in MUTATING_OPS])


@settings(max_examples=100, deadline=None)
@given(logs())
def test_only_acquire_reconcile_and_checkpoint_create_leases(events: list[Event]) -> None:
    created = set()
    for e in events:
        if e.op in (Op.ACQUIRE, Op.RECONCILE):
            created.add(e.lease_id)
        elif e.op == Op.CHECKPOINT:
            created.update(x["lease_id"] for x in e.data["leases"])
    assert set(replay(events)) <= created


def test_heartbeat_and_adopt_apply_only_to_standing_leases() -> None:
    acq = Event(1, 1, Op.ACQUIRE, lease_id="a", data={"lease": _lease("a", 1, 1)})
    beat = Event(2, 2, Op.HEARTBEAT, lease_id="a", data={"heartbeat_ms": 50})
    adopt = Event(3, 3, Op.ADOPT, lease_id="a", data={"holder": "z", "fence": 9, "heartbeat_ms": 60})
    rel = Event(4, 4, Op.RELEASE, lease_id="a")
    ghost = Event(5, 5, Op.HEARTBEAT, lease_id="a", data={"heartbeat_ms": 70})
    state = replay([acq, beat, adopt])
    assert (state["a"].heartbeat_ms, state["a"].holder, state["a"].fence) == (60, "z", 9)
    assert replay([acq, beat, adopt, rel, ghost]) == {}
    assert replay([rel, acq]) == {}  # replay orders by seq, not by list position
