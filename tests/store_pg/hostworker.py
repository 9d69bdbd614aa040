"""One fleet member on some "host": acquire or release a lane through the configured store.

    python hostworker.py WORKSPACE acquire LANE HOLDER TTL_MS [GO_FILE [DONE_FILE]]
    python hostworker.py WORKSPACE release LANE HOLDER

DOS_STORE_URL and DISPATCH_HOST_ID come from the environment. With GO_FILE the worker
connects first, then waits for the file to exist, so racers meet inside the store; with
DONE_FILE it stays alive (a live holder process) until that file exists.
Prints one JSON line: granted, fence, host_id, pid, scavenged reasons.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from dos.config import find_workspace, load_config
from dos.kernel.lanes import LaneRequest
from dos.service.context import open_store


def main(argv: list[str]) -> int:
    root, op, lane, holder = argv[:4]
    workspace = find_workspace(root)
    store = open_store(workspace, load_config(workspace.root))
    store.engine.migrate()
    if len(argv) > 5:
        go = Path(argv[5])
        while not go.exists():
            time.sleep(0.005)
    if op == "release":
        gone = store.release(lane=lane, holder=holder)
        print(json.dumps({"released": gone is not None}))
        return 0
    result = store.acquire(LaneRequest(lane=lane), holder=holder, ttl_ms=int(argv[4]), pid=os.getpid())
    reasons = [e.reason for e in store.events() if e.op == "SCAVENGE" and e.lease_id in result.scavenged]
    print(json.dumps({"granted": result.granted, "fence": result.lease.fence if result.lease else None,
                      "host_id": store.host_id, "pid": os.getpid(), "scavenged": reasons}), flush=True)
    store.close()
    if len(argv) > 6:
        done = Path(argv[6])
        while not done.exists():
            time.sleep(0.01)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
