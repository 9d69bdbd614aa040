"""The Store API other layers call: describe, record, claim_for, leases, adopt, scavenge."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.store.storehelp import write_lanes

from dos.config import Config, Workspace
from dos.errors import UsageError
from dos.kernel.lanes import LaneRequest
from dos.kernel.lease import Op
from dos.service.doctor import describe_store as describe


def test_describe_never_creates_and_reports_a_broken_store(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, "cwd")
    info = describe(ws, Config())
    assert info["engine"] == "sqlite" and info["ok"] is True and info["events"] == 0
    assert not (tmp_path / ".dos").exists()
    (tmp_path / ".dos").mkdir()
    (tmp_path / ".dos" / "store.sqlite3").write_bytes(b"garbage" * 100)
    info = describe(ws, Config())
    assert info["ok"] is False and "not a DOS database" in info["detail"] and info["events"] is None


def test_describe_counts_events_and_live_leases(store_factory, tmp_path: Path, monkeypatch) -> None:
    store = store_factory.make(tmp_path)
    store.acquire(LaneRequest(lane="main"), holder="a")
    for key, value in store_factory.env.items():
        monkeypatch.setenv(key, value)
    info = describe(Workspace(tmp_path.resolve(), "--workspace"), Config())
    assert (info["engine"], info["ok"], info["events"], info["live_leases"]) == (store_factory.engine, True, 1, 1)


def test_record_claims_and_refuses_mutating_ops(store_factory, tmp_path: Path) -> None:
    store = store_factory.make(tmp_path)
    assert store.claim_for("S1") is None
    store.record(Op.CLAIM, holder="S1", data={"session": "S1", "plan": "P", "phase": "A1"})
    store.record(Op.CLAIM, holder="S2", data={"session": "S2", "plan": "Q", "phase": "B2"})
    store.record(Op.CLAIM, holder="S1", data={"session": "S1", "plan": "P", "phase": "A2"})
    assert store.claim_for("S1") == ("P", "A2") and store.claim_for("S2") == ("Q", "B2")
    with pytest.raises(UsageError):
        store.record(Op.ACQUIRE, lane="x")
    assert [str(e.op) for e in store.events(ops=[Op.CLAIM], limit=2)] == ["CLAIM", "CLAIM"]


def test_expired_leases_stay_visible_until_scavenged(store_factory, tmp_path: Path) -> None:
    root = write_lanes(tmp_path / "ws", {"api": ["api/**"], "docs": ["docs/**"]})
    now = [1_000_000]
    store = store_factory.make(root, clock=lambda: now[0])
    got = store.acquire(LaneRequest(lane="api"), holder="a", ttl_ms=1_000)
    now[0] += 1_000
    assert store.live_leases() == [] and [(x.lease_id, live) for x, live in store.leases()] == [(got.lease.lease_id, False)]
    assert store.heartbeat(lane="api", holder="a") is None  # an expired lease cannot be revived
    other = store.acquire(LaneRequest(lane="docs"), holder="b")
    assert other.scavenged == ()  # docs does not need api's region
    assert store.scavenge(lease_id=other.lease.lease_id) is None  # a live lease is never scavenged
    assert store.scavenge(lease_id=got.lease.lease_id) is not None
    assert [x.lane for x, _ in store.leases()] == ["docs"]
    assert store.replay() == store.view()


def test_adopt_refreshes_and_refences(store_factory, tmp_path: Path) -> None:
    root = write_lanes(tmp_path / "ws", {"api": ["api/**"]})
    now = [1_000_000]
    store = store_factory.make(root, clock=lambda: now[0])
    got = store.acquire(LaneRequest(lane="api"), holder="a", ttl_ms=1_000)
    now[0] += 5_000
    new = store.adopt(lane="api", new_holder="b", pid=os.getpid(), session="S9")
    assert new is not None and new.fence > got.lease.fence and new.holder == "b" and new.session == "S9"
    assert [x.lease_id for x in store.live_leases()] == [got.lease.lease_id]
    assert store.release(lane="api", holder="a") is None
    assert store.release(lane="api", holder="b") is not None
    assert store.replay() == store.view() == {}


def test_acquire_needs_a_holder_and_a_positive_ttl(store_factory, tmp_path: Path) -> None:
    store = store_factory.make(tmp_path)
    with pytest.raises(UsageError):
        store.acquire(LaneRequest(lane="main"), holder=" ")
    with pytest.raises(UsageError):
        store.acquire(LaneRequest(lane="main"), holder="a", ttl_ms=0)
    assert store.events() == []


def test_a_long_lived_reader_sees_a_store_created_after_it_opened(store_factory, tmp_path: Path) -> None:
    """An MCP server or screen that read before the first write must see later grants."""
    root = write_lanes(tmp_path / "ws", {"api": ["api/**"]})
    reader = store_factory.make(root)
    assert reader.live_leases() == [] and reader.seq() == 0
    writer = store_factory.make(root)
    got = writer.acquire(LaneRequest(lane="api"), holder="a")
    assert [x.lease_id for x in reader.live_leases()] == [got.lease.lease_id]
    writer.release(lane="api", holder="a")
    assert reader.live_leases() == []
