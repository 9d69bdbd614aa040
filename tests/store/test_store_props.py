"""Random operations from several processes: live exclusive leases never overlap, and the
pure replay of the log equals the leases view after every step (and after compaction)."""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.store.storehelp import write_lanes

from dos.kernel.replay import compact, replay
from dos.kernel.tree import region_conflict

LANES = {"src": ["src/**"], "src_a": ["src/a/**"], "docs": ["docs/**"], "api": ["api/**"], "all": ["**/*"]}
WORKERS = 3
_counter = itertools.count()

op = st.fixed_dictionaries({
    "op": st.sampled_from(["acquire", "acquire", "acquire", "release", "heartbeat", "heartbeat", "adopt",
                           "compact", "record"]),
    "lane": st.sampled_from(sorted(LANES)),
    "mode": st.sampled_from(["exclusive", "shared"]),
    "ttl_ms": st.sampled_from([1, 60_000, 60_000]),
})
step = st.lists(op, min_size=1, max_size=WORKERS)


def _ask(procs: list[subprocess.Popen[str]], cmds: list[dict]) -> list[dict]:
    """Send one command to each of the first len(CMDS) workers at once, then read every answer."""
    for p, c in zip(procs, cmds):
        p.stdin.write(json.dumps(c) + "\n")
        p.stdin.flush()
    return [json.loads(p.stdout.readline()) for p in procs[:len(cmds)]]


def test_random_multi_process_operations_keep_the_invariants(store_factory, tmp_path: Path) -> None:
    procs = [store_factory.spawn("serve") for _ in range(WORKERS)]
    try:
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(step, min_size=1, max_size=8))
        def run(steps: list[list[dict]]) -> None:
            root = write_lanes(tmp_path / f"ws{next(_counter)}", LANES)
            store = store_factory.make(root)
            store.record("SPAWN", lane="setup")  # creation races have their own test (test_store_races)
            for batch in steps:
                cmds = [{**c, "root": str(root), "owner": f"w{i}"} for i, c in enumerate(batch)]
                for answer in _ask(procs, cmds):
                    assert "error" not in answer, answer
                live = store.live_leases()
                for a, b in itertools.combinations(live, 2):
                    assert not region_conflict(a.tree, a.mode, b.tree, b.mode), (a, b)
                events = store.events()
                assert replay(events) == store.view()
                assert replay(compact(events)) == replay(events)
            store.close()

        run()
    finally:
        for p in procs:
            p.stdin.close()
            p.wait(timeout=30)
