"""The soak's independent overlap checker (bench/overlap_check.py) on hand-built logs and a real store.

Each hand-built log either holds a double grant (the checker must catch it) or is the
same log made legal by one event (a release, an expiry, a shared mode): it must pass.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import psycopg
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from overlap_check import check, read_events, trees_overlap  # noqa: E402

TREES = {"api": ["api/**"], "api_v1": ["api/v1/**"], "web": ["web/**"], "web_ui": ["web/ui-*"],
         "docs": ["docs/**"], "global": ["**/*"], "tests": ["tests/**", "api/tests/**"]}


def lease(lease_id: str, lane: str, holder: str, t: int, *, ttl: int = 1000, fence: int = 1,
          mode: str = "exclusive", kind: str = "cluster") -> dict:
    return {"lease_id": lease_id, "lane": lane, "lane_kind": kind, "tree": TREES[lane], "holder": holder,
            "fence": fence, "acquired_ms": t, "heartbeat_ms": t, "ttl_ms": ttl, "mode": mode}


class Log:
    """A hand-built event log: rows as the events table holds them."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.fence = 0

    def add(self, t: int, op: str, lease_id: str = "", actor: str = "", lane: str = "", reason: str = "",
            **data) -> None:
        self.rows.append((len(self.rows) + 1, t, op, lane, lease_id, actor, "h", reason, json.dumps(data)))

    def grant(self, t: int, lease_id: str, lane: str, holder: str, **kw) -> None:
        self.fence += 1
        self.add(t, "ACQUIRE", lease_id, holder, lane, lease=lease(lease_id, lane, holder, t, fence=self.fence, **kw))

    def check(self) -> dict:
        return check(self.rows, exclusive_lanes=["global"])


@pytest.mark.parametrize("a, b, overlap", [
    (["api/**"], ["api/v1/**"], True), (["api/**"], ["web/**"], False), (["web/ui-*"], ["web/**"], True),
    (["web/ui-*"], ["web/app.js"], False), (["web/ui-*"], ["web/ui-kit/button.js"], True),
    (["web/ui-*"], ["web/u*"], True), (["web/ui-*"], ["web/x*"], False), (["**/*"], ["deep/er/x"], True),
    ([], ["api/**"], True), (["API/**"], ["api/x.py"], True), (["a/../b/**"], ["b/x"], True),
    (["tests/**", "api/tests/**"], ["api/**"], True), (["tests/**", "api/tests/**"], ["api/v1/**"], False),
    (["api"], ["api/v1/x.py"], True), (["api/v1"], ["api/v2"], False), (["api/v*"], ["api/v1/x"], True),
])
def test_trees_overlap_as_documented(a, b, overlap) -> None:
    assert trees_overlap(a, b) is overlap and trees_overlap(b, a) is overlap


def test_a_double_grant_is_caught_and_a_release_before_it_makes_it_legal() -> None:
    bad = Log()
    bad.grant(0, "L1", "api", "agent-a")
    bad.grant(10, "L2", "api_v1", "agent-b")
    got = bad.check()
    assert got["double_grants"] == 1
    example = got["double_grant_examples"][0]
    assert (example["new"]["lease_id"], example["live"]["lease_id"], example["seq"]) == ("L2", "L1", 2)

    good = Log()
    good.grant(0, "L1", "api", "agent-a")
    good.add(5, "RELEASE", "L1", "agent-a", "api")
    good.grant(10, "L2", "api_v1", "agent-b")
    assert good.check()["double_grants"] == 0 and good.check()["anomalies"] == 0


def test_expiry_is_by_ttl_on_the_servers_clock_and_a_beat_moves_it() -> None:
    for t, caught in ((999, 1), (1000, 0)):  # live until heartbeat_ms + ttl_ms, expired at it
        log = Log()
        log.grant(0, "L1", "api", "a")
        log.grant(t, "L2", "api", "b")
        assert log.check()["double_grants"] == caught, t
    beaten = Log()
    beaten.grant(0, "L1", "api", "a")
    beaten.add(900, "HEARTBEAT", "L1", "a", "api", heartbeat_ms=900)
    beaten.grant(1500, "L2", "api", "b")
    assert beaten.check()["double_grants"] == 1
    expired = Log()
    expired.grant(0, "L1", "api", "a")
    expired.grant(1500, "L2", "api", "b")
    assert expired.check()["double_grants"] == 0 and expired.check()["expiries"] == 1


def test_modes_shared_with_shared_only_and_exclusive_lanes_always_exclusive() -> None:
    shared = Log()
    shared.grant(0, "L1", "docs", "a", mode="shared")
    shared.grant(1, "L2", "docs", "b", mode="shared")
    assert shared.check()["double_grants"] == 0
    mixed = Log()
    mixed.grant(0, "L1", "docs", "a", mode="shared")
    mixed.grant(1, "L2", "docs", "b")
    assert mixed.check()["double_grants"] == 1
    wide = Log()  # 'global' is declared exclusive: even a lease recorded as shared holds it alone
    wide.grant(0, "L1", "docs", "a", mode="shared")
    wide.grant(1, "L2", "global", "b", mode="shared")
    assert wide.check()["double_grants"] == 1
    disjoint = Log()
    disjoint.grant(0, "L1", "api", "a")
    disjoint.grant(1, "L2", "web_ui", "b")
    disjoint.grant(2, "L3", "tests", "c")  # api/tests/** lies inside api/**
    assert disjoint.check()["double_grants"] == 1


def test_the_same_holder_twice_is_not_a_double_grant() -> None:
    log = Log()
    log.grant(0, "L1", "api", "a")
    log.grant(1, "L2", "api_v1", "a")
    assert log.check()["double_grants"] == 0


def test_an_adopted_lease_is_judged_under_its_new_holder() -> None:
    log = Log()
    log.grant(0, "L1", "api", "a")
    log.grant(1, "L2", "web", "b")
    log.add(2, "ADOPT", "L2", "c", "web", holder="c", heartbeat_ms=2, fence=3)
    log.add(3, "ADOPT", "L1", "c", "api", holder="c", heartbeat_ms=3, fence=4)
    assert log.check()["double_grants"] == 0
    log.grant(4, "L3", "api_v1", "b")  # b gave up L2, but L1 (now c's) is live
    assert log.check()["double_grants"] == 1


def test_scavenges_end_leases_and_a_scavenge_of_a_live_lease_needs_a_dead_holder() -> None:
    log = Log()
    log.grant(0, "L1", "api", "a")
    log.add(5, "SCAVENGE", "L1", "a", "api", reason="scavenged for api: holder process is gone")
    log.grant(6, "L2", "api", "b")
    log.add(2000, "SCAVENGE", "L2", "b", "api", reason="scavenged for api: ttl expired")
    got = log.check()
    assert (got["double_grants"], got["anomalies"]) == (0, 0)
    assert got["scavenges"] == {"holder process is gone": 1, "ttl expired": 1}
    early = Log()
    early.grant(0, "L1", "api", "a")
    early.add(5, "SCAVENGE", "L1", "a", "api", reason="scavenged for api: ttl expired")
    assert early.check()["anomaly_examples"][0]["kind"] == "scavenged_while_live"


def test_a_beat_after_expiry_and_a_fence_that_does_not_grow_are_anomalies() -> None:
    log = Log()
    log.grant(0, "L1", "api", "a")
    log.add(1000, "HEARTBEAT", "L1", "a", "api", heartbeat_ms=1000)
    log.rows.append((3, 1001, "ACQUIRE", "web", "L2", "b", "h", "", json.dumps({"lease": lease("L2", "web", "b", 1001)})))
    kinds = [a["kind"] for a in log.check()["anomaly_examples"]]
    assert kinds == ["beat_after_expiry", "fence_not_increasing"]


def test_checkpoints_replace_the_set_and_are_checked() -> None:
    start = Log()  # a compacted log: it begins with the checkpoint
    start.add(100, "CHECKPOINT", leases=[lease("L1", "api", "a", 50, fence=7)])
    start.grant(120, "L2", "api_v1", "b")
    got = start.check()
    assert got["double_grants"] == 1 and got["anomalies"] == 1  # fence 1 after 7 did not grow
    two = Log()  # a checkpoint that holds two conflicting live leases
    two.add(100, "CHECKPOINT", leases=[lease("L1", "api", "a", 50), lease("L2", "api_v1", "b", 60, fence=2)])
    assert two.check()["double_grants"] == 1
    differs = Log()  # with history before it, the checkpoint must hold what the history left
    differs.grant(0, "L1", "api", "a")
    differs.add(10, "CHECKPOINT", leases=[])
    assert differs.check()["anomaly_examples"][0]["kind"] == "checkpoint_differs"
    same = Log()
    same.grant(0, "L1", "api", "a")
    same.grant(1, "L2", "web", "b")
    same.add(2, "RELEASE", "L2", "b", "web")
    same.add(1, "CHECKPOINT", leases=[lease("L1", "api", "a", 0)])  # stamped with the last folded event's time
    same.grant(3, "L3", "web", "c")
    assert (same.check()["double_grants"], same.check()["anomalies"]) == (0, 0)


def test_an_online_checkpoint_is_checked_against_the_set_at_its_seq() -> None:
    """An online compaction writes the checkpoint for seq S after later events have committed."""
    for claimed, anomalies in ((["L1", "L2"], 0), (["L1"], 1), (["L1", "L2", "L3"], 1)):
        log = Log()
        log.grant(0, "L1", "api", "a")
        log.grant(1, "L2", "web", "b")
        log.grant(2, "L3", "docs", "c")  # seq 3: after the cut
        log.add(3, "RELEASE", "L1", "a", "api")  # seq 4: after the cut
        raw = {"L1": lease("L1", "api", "a", 0), "L2": lease("L2", "web", "b", 1, fence=2),
               "L3": lease("L3", "docs", "c", 2, fence=3)}
        log.rows.append((2, 1, "CHECKPOINT", "", "", "", "h", "compact",
                         json.dumps({"leases": [raw[k] for k in claimed]})))
        log.grant(4, "L4", "api_v1", "d")  # L1 was released at seq 4, whatever the checkpoint says
        got = log.check()
        assert (got["anomalies"], got["double_grants"]) == (anomalies, 0), claimed


def test_it_imports_nothing_from_dos() -> None:
    tree = ast.parse((BENCH / "overlap_check.py").read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert names and not [n for n in names if n == "dos" or n.startswith("dos.")]


@pytest.mark.postgres
def test_it_reads_a_real_store_and_catches_a_grant_written_behind_the_arbiters_back(pg_url: str) -> None:
    from dos.kernel.lanes import LaneRequest, Taxonomy
    from dos.store.leases import Store
    from dos.store.postgres import PostgresEngine

    taxonomy = Taxonomy(concurrent=("api", "api_v1", "web"), trees={k: tuple(v) for k, v in TREES.items()})
    with Store(PostgresEngine(pg_url, schema="ws_check"), taxonomy) as store:
        first = store.acquire(LaneRequest(lane="api"), holder="a", ttl_ms=600_000)
        assert first.granted
        assert not store.acquire(LaneRequest(lane="api_v1"), holder="b").granted
        assert store.acquire(LaneRequest(lane="web"), holder="b").granted
        store.heartbeat(lane="web", holder="b")
        store.compact()
        store.release(lane="web", holder="b")
        assert store.acquire(LaneRequest(lane="web"), holder="c").granted
    clean = check(read_events(pg_url, "ws_check"))
    assert (clean["double_grants"], clean["anomalies"], clean["checkpoints"]) == (0, 0, 1)
    with psycopg.connect(pg_url, autocommit=True) as conn:  # a grant the arbiter never saw
        seq, ts = conn.execute("SELECT max(seq) + 1, max(ts_ms) + 1 FROM ws_check.events").fetchone()
        forged = lease("forged", "api_v1", "b", ts, fence=10**6)
        conn.execute("INSERT INTO ws_check.events (seq, ts_ms, op, lane, lease_id, holder, host_id, reason, data) "
                     "VALUES (%s, %s, 'ACQUIRE', 'api_v1', 'forged', 'b', 'x', '', %s)", (seq, ts, json.dumps(
                         {"lease": forged})))
    caught = check(read_events(pg_url, "ws_check"))
    assert caught["double_grants"] == 1
    assert caught["double_grant_examples"][0]["live"]["lease_id"] == first.lease.lease_id
