"""The per-head published live set equals the store's view, head by head, after every operation.

For any path, the leases a reader of that path's head (plus the wide ones) gets include every
live lease that could conflict with it; a reader of everything gets exactly the view. With the
split thresholds lowered, every crowded head file splits, joins and splits again on the way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from dos.config import Workspace, load_config
from dos.kernel.lanes import LaneRequest
from dos.kernel.overlap import conflicting
from dos.kernel.tree import LockMode
from dos.service.context import open_store
from dos.service.live import _heads
from dos.store import snapshot
from tests.store.storehelp import write_lanes

TREES = {"l0": ["a/x/**"], "l1": ["A/y/**"], "l2": ["b/**", "a/q/**"], "l3": ["**/*"], "l4": ["a*"],
         "l5": ["ß/**"], "l6": ["SS/k"], "l7": ["c/d/e.py"], "l8": ["[ab]/**"], "l9": ["./b/../c/**"],
         "m0": ["a/x/1/**"], "m1": ["a/x/2/*.py"], "m2": ["a/x/1/d/e.py"], "m3": ["a/x*"], "m4": ["a/x/3*"],
         "m5": ["a/x/2/**", "c/d/**"], "m6": ["a"], "m7": ["a/x"]}
PATHS = ["a/x/1.py", "A/Y/2.py", "b/z", "a/q/r", "ab/c", "ss/k", "SS/K", "ß/t", "c/d/e.py", "C/x", "zz/top",
         "a", "[ab]/f", "b[x]/g", "a/x", "a/x/1", "a/x/1/d/e.py", "a/x/2/f.py", "a/x/3z/g", "a/x/3*", "a/x/*",
         "a/x/1/d", "a/xy/z", "c/d"]
OPS = st.lists(st.tuples(st.sampled_from(["acquire", "release", "beat"]), st.sampled_from(sorted(TREES)),
                         st.sampled_from(["h1", "h2", "h3"])), min_size=1, max_size=24)


@pytest.mark.parametrize("split_at, unsplit_at", [(snapshot.SPLIT_AT, snapshot.UNSPLIT_AT), (1, 0), (2, 1), (3, 1)])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_every_head_reader_sees_every_lease_that_can_reach_its_paths(tmp_path_factory, monkeypatch, split_at,
                                                                     unsplit_at, ops) -> None:
    monkeypatch.setattr(snapshot, "SPLIT_AT", split_at)
    monkeypatch.setattr(snapshot, "UNSPLIT_AT", unsplit_at)
    root = tmp_path_factory.mktemp("heads").resolve()
    write_lanes(root, TREES)
    store = open_store(Workspace(root, "--workspace"), load_config(root))
    marker = snapshot.path_for(store.engine.location)
    try:
        for op, lane, holder in ops:
            if op == "acquire":
                store.acquire(LaneRequest(lane=lane, mode=LockMode.SHARED), holder=holder, session=holder)
            elif op == "release":
                store.release(lane=lane, holder=holder)
            else:
                store.heartbeat(lane=lane, holder=holder)
            if not Path(marker).exists():
                continue
            view = [x for x, _ in store.leases()]
            whole = snapshot.read(marker)
            assert whole is not None
            assert sorted((x.lease_id, x.heartbeat_ms) for x in whole["leases"]) == \
                sorted((x.lease_id, x.heartbeat_ms) for x in view)
            for path in PATHS:
                heads = _heads([path])
                got = snapshot.read(marker, heads)
                assert got is not None
                need = {x.lease_id for x in conflicting((path,), LockMode.EXCLUSIVE, view)}
                assert need <= {x.lease_id for x in got["leases"]}, (path, heads)
    finally:
        store.close()
