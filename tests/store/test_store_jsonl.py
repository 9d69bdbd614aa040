"""JSONL: import a reference lane-journal.jsonl, export ours in its shape, refuse garbage whole."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.store.storehelp import write_lanes

from dos.errors import InputError
from dos.kernel.lanes import LaneRequest
from dos.store.jsonl import dumps, export_records, parse_journal, parse_ts

REF = Path(__file__).with_name("data") / "ref-lane-journal.jsonl"  # written by dos-kernel 0.22


def test_import_a_reference_journal_replays_to_the_reference_leases(store_factory, tmp_path: Path) -> None:
    store = store_factory.make(tmp_path / "ws")
    assert store.import_events(parse_journal(REF.read_bytes()))["imported"] == 8
    view = {x.lane: x for x in store.view().values()}
    assert {k: v.holder for k, v in view.items()} == {"api": "agentA", "src": "agentC", "docs": "agentD"}
    assert view["api"].heartbeat_ms == parse_ts("2026-11-25T13:34:40Z")
    assert view["api"].tree == ("api/**",) and view["api"].pid is None, "the reference CLI's pid is no evidence"
    assert len({x.fence for x in view.values()}) == 3
    assert [str(e.op) for e in store.events()][-2:] == ["HALT", "SPAWN"]
    assert store.replay() == store.view()


def test_export_then_import_round_trips(store_factory, tmp_path: Path) -> None:
    src = store_factory.make(write_lanes(tmp_path / "a", {"api": ["api/**"], "docs": ["docs/**"]}))
    a = src.acquire(LaneRequest(lane="api"), holder="x", loop_ts="L1")
    src.acquire(LaneRequest(lane="docs"), holder="y")
    src.heartbeat(lane="api", holder="x")
    src.release(lane="docs", holder="y")
    src.adopt(lane="api", new_holder="z")
    src.halt("42", lane="api", reason="stuck")
    text = "".join(dumps(r) + "\n" for r in export_records(src.events()))
    dst = store_factory.make(tmp_path / "b", schema="dos_other")
    dst.import_events(parse_journal(text.encode()))
    strip = lambda d: {k: v.replace(fence=0, pid=None, pid_start=None) for k, v in d.items()}  # noqa: E731
    assert strip(dst.view()) == strip(src.view())
    assert list(dst.view()) == [a.lease.lease_id]
    assert dst.replay() == dst.view()


def test_export_uses_the_reference_record_shape(store_factory, tmp_path: Path) -> None:
    store = store_factory.make(write_lanes(tmp_path / "ws", {"api": ["api/**"]}))
    store.acquire(LaneRequest(lane="api"), holder="x", loop_ts="2026-01-01T00:00:00Z")
    rec = next(export_records(store.events()))
    assert rec["op"] == "ACQUIRE" and rec["loop_ts"] == "2026-01-01T00:00:00Z"
    assert set(rec["lease"]) >= {"lane", "lane_kind", "tree", "loop_ts", "host_id", "pid", "holder", "acquired_at"}
    assert rec["ts"].endswith("Z") and isinstance(rec["seq"], int)


GOOD = REF.read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize("raw, line, words", [
    (b"".join(GOOD) + b'{"op": "ACQUIRE", "lane": "x"', 9, "torn"),
    (GOOD[0] + GOOD[1] + b'{"op": "SPAWN", "lane": "\xff\xfe"}\n' + GOOD[3], 3, "not UTF-8"),
    (GOOD[0] + b'{"op": "ACQUIRE", "lane": "api", "loop_ts": "t", "tree": "api/**"}\n', 2, "'tree'"),
    (GOOD[0] + b'{"op": "HEARTBEAT", "lane": 7, "loop_ts": "t"}\n', 2, "'lane' must be a string"),
    (GOOD[0] + b'{"op": "ACQUIRE", "lane": "api", "loop_ts": "t", "pid": "12"}\n', 2, "'pid' must be an integer"),
    (GOOD[0] + b'[1, 2]\n', 2, "JSON object"),
    (GOOD[0] + b'{"op": "TELEPORT"}\n', 2, "unknown op"),
    (GOOD[0] + b'{"op": "ACQUIRE", "lane": "api", "loop_ts": "t", "ts": "yesterday"}\n', 2, "timestamp"),
])
def test_garbage_names_the_line_and_imports_nothing(store_factory, tmp_path: Path, raw: bytes, line: int,
                                                    words: str) -> None:
    store = store_factory.make(tmp_path / "ws")
    store.record("SPAWN", lane="before")
    with pytest.raises(InputError) as err:
        store.import_events(parse_journal(raw))
    assert f"line {line}:" in str(err.value) and words in str(err.value)
    assert "\n" not in str(err.value)
    assert [str(e.op) for e in store.events()] == ["SPAWN"]


def test_cli_import_garbage_exits_2_with_one_line(run_dos, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(GOOD[0] + b'{"op": "ACQUIRE", "lane": "api", "tree": {"x": 1}, "loop_ts": "t"}\n')
    r = run_dos("--workspace", str(ws), "journal", "import", str(bad))
    assert r.returncode == 2 and r.stderr.startswith("error: line 2:") and "Traceback" not in r.stderr
    assert run_dos("--workspace", str(ws), "journal", "seq").stdout.strip() == "0"
    good = tmp_path / "good.jsonl"
    good.write_bytes(REF.read_bytes())
    r = run_dos("--workspace", str(ws), "journal", "import", str(good))
    assert r.returncode == 0 and json.loads(r.stdout)["imported"] == 8


def test_import_a_reference_checkpoint_then_later_records(store_factory, tmp_path: Path) -> None:
    """A journal the reference compacted (a CHECKPOINT without seq or ts) imports to the same leases."""
    raw = (REF.with_name("ref-lane-journal-compacted.jsonl").read_bytes()
           + b'{"op": "RELEASE", "lane": "src", "loop_ts": "2026-11-25T13:34:41Z", "seq": 9, '
             b'"ts": "2026-11-25T13:40:00Z", "host_id": "vm", "reason": "x"}\n')
    store = store_factory.make(tmp_path / "ws")
    assert store.import_events(parse_journal(raw))["imported"] == 2
    assert sorted(x.holder for x in store.view().values()) == ["agentA", "agentD"]
    assert store.replay() == store.view()


def test_import_arbitrates_each_live_lease_and_never_double_grants(store_factory, tmp_path: Path) -> None:
    """bob's exported api lease comes into a store where alice holds api: it arrives expired, reported."""
    lanes = {"api": ["api/**"], "web": ["web/**"]}
    src = store_factory.make(write_lanes(tmp_path / "a", lanes))
    src.acquire(LaneRequest(lane="api"), holder="bob", pid=os.getpid())
    src.acquire(LaneRequest(lane="web"), holder="bob")
    text = "".join(dumps(r) + "\n" for r in export_records(src.events()))
    dst = store_factory.make(write_lanes(tmp_path / "b", lanes), schema="dos_other")
    mine = dst.acquire(LaneRequest(lane="api"), holder="alice").lease
    report = dst.import_events(parse_journal(text.encode()))
    assert [c["lane"] for c in report["conflicted"]] == ["api"] and "alice" in report["conflicted"][0]["reason"]
    live = dst.live_leases()
    assert sorted((x.lane, x.holder) for x in live) == [("api", "alice"), ("web", "bob")]
    fences = [x.fence for x in dst.view().values()]
    assert len(set(fences)) == len(fences) and min(fences) > 0 and mine.fence < max(fences)
    assert all(x.pid is None for x in live if x.holder == "bob"), "another writer's pid is no evidence here"
    again = dst.import_events(parse_journal(text.encode()))
    assert {c["lane"] for c in again["conflicted"]} == {"api", "web"}, "importing twice grants nothing twice"
    assert sorted((x.lane, x.holder) for x in dst.live_leases()) == [("api", "alice"), ("web", "bob")]
    assert dst.replay() == dst.view()
