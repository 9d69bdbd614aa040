"""A reader racing a writer that splits and joins a crowded head file never misses a lease held throughout.

One process acquires and releases leases beside a sentinel so that the head file ``w`` splits
and joins again on almost every write (the thresholds lowered in that process); this one reads
the published set for paths under the sentinel and for the head itself, as the hook does, the
whole time. Every read that does not send the reader to the store must hold the sentinel.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dos.config import Workspace, load_config
from dos.kernel.lanes import LaneRequest
from dos.service.context import open_store
from dos.store import snapshot
from tests.store.storehelp import write_lanes

LANES = {f"w{i}": [f"w/{i}/**"] for i in range(6)}
ROUNDS = 150

WRITER = """
import sys
from pathlib import Path
from dos.config import Workspace, load_config
from dos.kernel.lanes import LaneRequest
from dos.service.context import open_store
from dos.store import snapshot

snapshot.SPLIT_AT, snapshot.UNSPLIT_AT = 2, 1
root = Path(sys.argv[1])
store = open_store(Workspace(root, "--workspace"), load_config(root))
d = Path(snapshot.dir_for(store.engine.location))
splits = 0
for _ in range(int(sys.argv[2])):
    for lane in ("w1", "w2", "w3", "w4"):
        assert store.acquire(LaneRequest(lane=lane), holder=lane, session=lane, ttl_ms=600_000).lease is not None
    splits += any("+" in n for n in (p.name for p in d.iterdir()))
    for lane in ("w1", "w2", "w3", "w4"):
        store.release(lane=lane, holder=lane)
store.close()
print(splits)
"""


def test_a_split_changing_under_a_reader_never_hides_a_held_lease(tmp_path: Path) -> None:
    root = write_lanes(tmp_path / "ws", LANES)
    store = open_store(Workspace(root, "--workspace"), load_config(root))
    try:
        sentinel = store.acquire(LaneRequest(lane="w0"), holder="keeper", session="keeper", ttl_ms=600_000).lease
        assert sentinel is not None
        marker = snapshot.path_for(store.engine.location)
    finally:
        store.close()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(root), str(ROUNDS)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    reads = answered = 0
    try:
        while writer.poll() is None:
            for path in ("w/0/a.py", "w", "w/0"):
                got = snapshot.read(marker, snapshot.keys([path]))
                reads += 1
                if got is None:
                    continue  # sent to the store: never wrong, only slower
                answered += 1
                assert sentinel.lease_id in {x.lease_id for x in got["leases"]}, (path, got)
        out, err = writer.communicate(timeout=60)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == 0, err[-2000:]
    assert int(out.strip()) == ROUNDS, "the writer's head file did not split on every round"
    assert answered > reads // 2, f"only {answered} of {reads} reads were answered from the published set"
