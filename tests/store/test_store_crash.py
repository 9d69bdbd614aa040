"""Killed processes: a SIGKILL mid-acquire leaves nothing behind; a killed holder keeps its lease
until its TTL passes or its dead PID is confirmed on this host, then SCAVENGE frees the region."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from tests.store.storehelp import wait_for, write_lanes

from dos.kernel.lanes import LaneRequest


def test_sigkill_mid_acquire_leaves_the_store_consistent(store_factory, tmp_path: Path) -> None:
    """A worker killed inside its acquire transaction commits nothing; the next writer gets in."""
    root = write_lanes(tmp_path / "ws", {"api": ["api/**"]}, extra="[store]\nbusy_timeout_ms = 1000\n")
    store = store_factory.make(root)
    store.record("SPAWN", lane="api", holder="setup")  # the store exists before the race
    before = store.seq()
    ready = tmp_path / "ready"
    proc = store_factory.spawn("stall", str(root), "api", "doomed", str(ready))
    wait_for(ready, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # Within the 1 s busy timeout configured above, or StoreBusy is raised.
    got = store.acquire(LaneRequest(lane="api"), holder="next", pid=os.getpid())
    assert got.granted
    assert [e.holder for e in store.events(since_seq=before)] == ["next"]
    assert [x.holder for x in store.live_leases()] == ["next"]
    assert store.replay() == store.view()


def _hold(store_factory, root: Path, tmp_path: Path, ttl_ms: int, env: dict[str, str] | None = None):
    ready = tmp_path / "held"
    proc = store_factory.spawn("hold", str(root), "api", "victim", str(ttl_ms), str(ready), extra_env=env)
    wait_for(ready, proc)
    lease_id = json.loads(proc.stdout.readline())["lease_id"]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return lease_id


def test_killed_holder_on_this_host_is_reclaimed_by_its_dead_pid(store_factory, tmp_path: Path) -> None:
    """The holder's process is gone (same host): the lane is granted again at once, with a SCAVENGE."""
    root = write_lanes(tmp_path / "ws", {"api": ["api/**"]})
    victim = _hold(store_factory, root, tmp_path, ttl_ms=3_600_000)
    store = store_factory.make(root)
    assert [x.lease_id for x, live in store.leases() if not live] == [victim]
    got = store.acquire(LaneRequest(lane="api"), holder="next", pid=os.getpid())
    assert got.granted and got.scavenged == (victim,)
    scav = [e for e in store.events() if e.op == "SCAVENGE"]
    assert [e.lease_id for e in scav] == [victim]
    assert "holder process is gone" in scav[0].reason
    assert store.replay() == store.view()


def test_killed_holder_from_another_host_keeps_its_lease_until_the_ttl(store_factory, tmp_path: Path) -> None:
    """A lease stamped by another host is never judged by PID: it blocks until its TTL passes."""
    root = write_lanes(tmp_path / "ws", {"api": ["api/**"]})
    victim = _hold(store_factory, root, tmp_path, ttl_ms=60_000, env={"DISPATCH_HOST_ID": "elsewhere"})
    store = store_factory.make(root)
    refused = store.acquire(LaneRequest(lane="api"), holder="next")
    assert not refused.granted and refused.decision.blocking == (victim,)
    later = store_factory.make(root, clock=lambda: time.time_ns() // 1_000_000 + 61_000)
    got = later.acquire(LaneRequest(lane="api"), holder="next")
    assert got.granted and got.scavenged == (victim,)
    assert "ttl expired" in [e for e in later.events() if e.op == "SCAVENGE"][0].reason
    assert later.replay() == later.view()


def test_a_reused_pid_does_not_keep_a_dead_holder_alive(store_factory, tmp_path: Path) -> None:
    """A lease whose pid now belongs to a process with another start time counts as dead."""
    root = write_lanes(tmp_path / "ws", {"api": ["api/**"]})
    store = store_factory.make(root)
    got = store.acquire(LaneRequest(lane="api"), holder="me", pid=os.getpid())
    assert got.lease is not None and got.lease.pid_start is not None
    assert [x.lease_id for x in store.live_leases()] == [got.lease.lease_id]
    # Rewrite the recorded start time as if the pid had been reused by a newer process.
    with store.engine.write() as tx:
        tx.execute("UPDATE leases SET pid_start = ? WHERE lease_id = ?", (got.lease.pid_start + 1, got.lease.lease_id))
    assert store.live_leases() == []
