"""A writer that runs while a compaction does: ``compact_worker.py ROOT LANE STOP``.

Loops acquire, heartbeat, release and a forensic SPAWN on LANE until the file STOP exists,
then acquires LANE once more and keeps it. Prints, as JSON, every event it appended
(seq, op, lease id) as its own transactions reported them, and the lease it kept.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from dos.config import Workspace, load_config
from dos.kernel.lanes import LaneRequest
from dos.service.context import open_store


def main(root: str, lane: str, stop: str) -> int:
    path = Path(root)
    store = open_store(Workspace(path, "--workspace"), load_config(path))
    appended: list[list] = []

    def note(_tx, _outcome, event) -> None:
        if event is not None:
            appended.append([event.seq, str(event.op), event.lease_id])

    while not Path(stop).exists():
        got = store.acquire(LaneRequest(lane=lane), holder=lane, journal=note)
        assert got.granted, got.decision.reason
        store.heartbeat(lease_id=got.lease.lease_id, holder=lane, journal=note)
        store.spawn(lane, holder=lane, journal=note)
        store.release(lease_id=got.lease.lease_id, holder=lane, journal=note)
        time.sleep(0.005)  # an agent between operations (back to back, three writers starve any other)
    kept = store.acquire(LaneRequest(lane=lane), holder=lane, journal=note).lease
    store.close()
    print(json.dumps({"events": appended, "kept": kept.lease_id}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
