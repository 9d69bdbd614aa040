"""Online compaction on both engines: writers in other processes keep going while it runs,
the log folds to the view at every moment, nothing appended meanwhile is lost, a compaction
killed half-way leaves a log that still replays and the next one finishes the job; and the
lazy fold of stored rows equals the kernel's replay."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from hypothesis import given, settings

from dos.kernel.lanes import LaneRequest
from dos.kernel.lease import MUTATING_OPS, Op
from dos.kernel.replay import compact, fold_rows, replay
from dos.store.leases import event_from_row
from dos.store.live import EVENT_SELECT, encode_data, lease_from_row
from tests.store.storehelp import write_lanes
from tests.store.test_replay_props import logs

WORKER = Path(__file__).with_name("compact_worker.py")
WRITERS = ("w0", "w1", "w2")
LANES = {**{w: [f"{w}/**"] for w in WRITERS}, "hist": ["hist/**"], "held": ["held/**"]}
MUTATING = {str(o) for o in MUTATING_OPS}


def _history(store, pairs: int) -> None:
    """PAIRS closed ACQUIRE/RELEASE pairs on lane 'hist' (a SPAWN every tenth), bulk-written as the store writes them."""
    now = store.now_ms()
    rows = []
    for i in range(pairs):
        lease = {"lease_id": f"h{i:07d}", "fence": 10_000_000 + i, "lane": "hist", "lane_kind": "cluster",
                 "tree": ["hist/**"], "holder": "old", "acquired_ms": now, "heartbeat_ms": now, "ttl_ms": 900_000,
                 "mode": "exclusive", "session": "", "host_id": "t", "pid": None, "pid_start": None,
                 "run_id": "", "loop_ts": ""}
        rows.append((now, "ACQUIRE", "hist", lease["lease_id"], "old", "t", "", encode_data({"lease": lease})))
        if i % 10 == 0:
            rows.append((now, "SPAWN", "hist", "", "old", "t", "", encode_data({"i": i})))
        rows.append((now, "RELEASE", "hist", lease["lease_id"], "old", "t", "explicit", encode_data({"fence": i})))
    with store.engine.write() as tx:
        tx.executemany("INSERT INTO events (ts_ms, op, lane, lease_id, holder, host_id, reason, data) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _folds_to_view(store) -> bool:
    """In one read snapshot: the kernel's replay of every event present equals the leases view."""
    with store.engine.read() as tx:
        events = [event_from_row(r) for r in tx.execute(EVENT_SELECT + " ORDER BY seq")]
        view = {x.lease_id: x for x in (lease_from_row(r) for r in tx.execute("SELECT * FROM leases"))}
    return replay(events) == view


class _Sampler(threading.Thread):
    """Checks ``_folds_to_view`` over and over on its own store until stopped."""

    def __init__(self, store) -> None:
        super().__init__(daemon=True)
        self.store, self.samples, self.bad, self.stop = store, 0, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.bad += not _folds_to_view(self.store)
            self.samples += 1


def _wait_seq(store, target: int, procs: list) -> None:
    while store.seq() < target:
        for p in procs:
            assert p.poll() is None, p.stderr.read()
        time.sleep(0.01)


def _prepare(store_factory, root: Path, pairs: int):
    store = store_factory.make(root)
    held = store.acquire(LaneRequest(lane="held"), holder="keeper").lease
    _history(store, pairs)
    held = store.heartbeat(lease_id=held.lease_id, holder="keeper")
    assert store.replay() == store.view()
    return store, held


def test_writers_keep_going_and_lose_nothing_while_compaction_runs(store_factory, tmp_path: Path) -> None:
    root = write_lanes(tmp_path / "ws", LANES)
    store, held = _prepare(store_factory, root, 4000)
    stop = tmp_path / "stop"
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(root), w, str(stop)], env=store_factory.worker_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in WRITERS]
    sampler = _Sampler(store_factory.make(root))
    try:
        _wait_seq(store, store.seq() + 40, procs)  # every writer is under way
        sampler.start()
        start_seq = store.seq()
        report = store_factory.make(root).compact(batch=100, detail=True)
        end_seq = store.seq()
        _wait_seq(store, end_seq + 40, procs)  # and goes on after
    finally:
        stop.touch()
        outs = [p.communicate(timeout=120) for p in procs]
        sampler.stop.set()
        sampler.join(60)
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err
    written = [json.loads(out) for out, _ in outs]
    cut = report["checkpoint_seq"]
    assert start_seq <= cut < end_seq
    assert report["batches"] > 10 and report["deleted"] > 8000
    assert sampler.samples > 0 and sampler.bad == 0

    events = store.events()
    by_seq = {e.seq: e for e in events}
    assert by_seq[cut].op == Op.CHECKPOINT
    assert not [e for e in events if e.seq < cut and str(e.op) in MUTATING]  # all folded in, all deleted
    during = 0
    for w in written:
        for seq, op, lease_id in w["events"]:
            during += start_seq < seq < end_seq
            if op not in MUTATING or seq > cut:  # forensic ones are kept; later mutating ones are the log
                assert seq in by_seq and str(by_seq[seq].op) == op and by_seq[seq].lease_id == lease_id
    assert during > 20  # the writers did write while compaction ran
    assert sum(1 for e in events if str(e.op) == "SPAWN") == 400 + sum(
        1 for w in written for _, op, _ in w["events"] if op == "SPAWN")
    view = store.view()
    assert store.replay() == view == replay(events)
    assert set(view) == {held.lease_id, *(w["kept"] for w in written)}
    assert view[held.lease_id] == held  # the beat before compaction is in the checkpoint


def test_a_compaction_killed_half_way_leaves_a_log_that_replays(store_factory, tmp_path: Path) -> None:
    """SIGKILL after the checkpoint is in and before the deletes are done: replay is unchanged, the next compaction finishes."""
    root = write_lanes(tmp_path / "ws", LANES)
    store, held = _prepare(store_factory, root, 4000)
    before = store.replay()
    count = store.count_events()
    script = ("import sys; from pathlib import Path\nfrom dos.config import Workspace, load_config\n"
              "from dos.service.context import open_store\nroot = Path(sys.argv[1])\n"
              "open_store(Workspace(root, '--workspace'), load_config(root)).compact(batch=20)\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(root)], env=store_factory.worker_env(),
                            stderr=subprocess.PIPE, text=True)
    try:
        while store.count_events() > count - 200:  # checkpoint in, a few batches deleted
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.005)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    left = store.events()
    assert any(e.op == Op.CHECKPOINT for e in left)
    assert [e for e in left if e.op == Op.ACQUIRE]  # killed half-way: folded events are still there
    assert store.replay() == replay(left) == before == store.view()
    second = store.compact(detail=True)
    assert second["leases"] == 1 and second["deleted"] > 0
    done = store.events()
    assert [str(e.op) for e in done if str(e.op) in MUTATING] == ["CHECKPOINT"]
    assert store.replay() == replay(done) == before
    again = store.compact(detail=True)  # nothing new: nothing to write, nothing to delete
    assert again["deleted"] == 0 and again["entries_after"] == again["entries_before"] == len(done)
    assert store.events() == done and held.lease_id in store.view()


def test_two_compactions_at_once_keep_replay(store_factory, tmp_path: Path) -> None:
    root = write_lanes(tmp_path / "ws", LANES)
    store, _ = _prepare(store_factory, root, 3000)
    before = store.replay()
    reports = [None, None]

    def run(i: int) -> None:
        reports[i] = store_factory.make(root).compact(batch=50, detail=True)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(reports)
    events = store.events()
    assert [str(e.op) for e in events if str(e.op) in MUTATING] == ["CHECKPOINT"]
    assert store.replay() == replay(events) == before == store.view()


@settings(max_examples=200, deadline=None)
@given(logs())
def test_the_lazy_fold_of_rows_equals_replay(events) -> None:
    rows = [(e.seq, e.ts_ms, str(e.op), e.lease_id, encode_data(e.data)) for e in events]
    assert fold_rows(rows) == replay(events)
    assert list(fold_rows(rows)) == list(replay(events))  # and in the same (first-grant) order
    folded = compact(events)
    assert fold_rows((e.seq, e.ts_ms, str(e.op), e.lease_id, encode_data(e.data)) for e in folded) == replay(events)
