"""A worker process for the store's race, crash and property tests.

    worker.py race ROOT LANE OWNER GO      wait for file GO, acquire LANE, print the result JSON
    worker.py first ROOT LANE OWNER GO     the same, but open the store only after GO
    worker.py hold ROOT LANE OWNER TTL_MS READY   acquire with this pid, touch READY, sleep until killed
    worker.py stall ROOT LANE OWNER READY  start an acquire, touch READY inside its transaction, stall
    worker.py serve                         read JSON commands on stdin, answer one JSON line each
    worker.py allocate ROOT SCOPE N GO     wait for GO, allocate N ids, print them

The stall is a test-only admission predicate that blocks: production code has no pause point.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from dos.config import Workspace, load_config
from dos.kernel.lanes import LaneRequest
from dos.kernel.tree import LockMode
from dos.service.context import open_store
from dos.store.leases import Store


def store_at(root: str) -> Store:
    path = Path(root).resolve()
    return open_store(Workspace(path, "--workspace"), load_config(path))


def wait(go: str) -> None:
    while not os.path.exists(go):
        time.sleep(0.001)


def race(root: str, lane: str, owner: str, go: str) -> None:
    store = store_at(root)
    wait(go)
    # The worker exits next; like the CLI, it records its parent (the test) as the holder process.
    got = store.acquire(LaneRequest(lane=lane), holder=owner, pid=os.getppid())
    print(json.dumps({"granted": got.granted, "lease_id": got.lease.lease_id if got.lease else None,
                      "reason": got.decision.reason}))


def first(root: str, lane: str, owner: str, go: str) -> None:
    """Open the store only after GO, so every worker's first use lands at the same instant."""
    wait(go)
    got = store_at(root).acquire(LaneRequest(lane=lane), holder=owner, pid=os.getppid())
    print(json.dumps({"granted": got.granted, "lease_id": got.lease.lease_id if got.lease else None,
                      "reason": got.decision.reason}))


def hold(root: str, lane: str, owner: str, ttl_ms: str, ready: str) -> None:
    store = store_at(root)
    got = store.acquire(LaneRequest(lane=lane), holder=owner, pid=os.getpid(), ttl_ms=int(ttl_ms))
    print(json.dumps({"granted": got.granted, "lease_id": got.lease.lease_id if got.lease else None}), flush=True)
    Path(ready).touch()
    time.sleep(3600)


def stall(root: str, lane: str, owner: str, ready: str) -> None:
    store = store_at(root)

    def block(request, tree, live):  # runs inside the acquire's write transaction
        Path(ready).touch()
        time.sleep(3600)

    block.name = "test-stall"
    stalled = Store(store.engine, store.taxonomy, predicates=(block,))
    stalled.acquire(LaneRequest(lane=lane), holder=owner, pid=os.getpid())


def serve() -> None:
    """Commands: {"op": acquire|release|heartbeat|adopt|compact|record, "root": ..., ...}."""
    stores: dict[str, Store] = {}
    for line in sys.stdin:
        cmd = json.loads(line)
        store = stores.get(cmd["root"]) or stores.setdefault(cmd["root"], store_at(cmd["root"]))
        try:
            out = run(store, cmd)
        except Exception as exc:  # reported, so the test sees any error
            out = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(out), flush=True)


def run(store: Store, cmd: dict) -> dict:
    op, owner = cmd["op"], cmd.get("owner", "")
    if op == "acquire":
        got = store.acquire(LaneRequest(lane=cmd["lane"], tree=tuple(cmd.get("tree", ())),
                                        mode=LockMode(cmd.get("mode", "exclusive"))),
                            holder=owner, ttl_ms=cmd.get("ttl_ms"), pid=os.getpid())
        return {"granted": got.granted, "lease_id": got.lease.lease_id if got.lease else None}
    mine = [x.lease_id for x, _ in store.leases() if x.holder == owner]
    if op == "release":
        lease = store.release(lease_id=mine[-1] if mine else None, lane=None if mine else cmd["lane"], holder=owner)
        return {"released": lease is not None}
    if op == "heartbeat":
        beat = store.heartbeat(lease_id=mine[0] if mine else None, lane=None if mine else cmd["lane"],
                               holder=owner)
        return {"beat": beat is not None}
    if op == "adopt":
        return {"adopted": store.adopt(lane=cmd["lane"], new_holder=owner, pid=os.getpid()) is not None}
    if op == "compact":
        return store.compact()
    if op == "record":
        return {"seq": store.spawn(cmd["lane"], holder=owner).seq}
    raise ValueError(f"unknown op {op}")


def allocate(root: str, scope: str, n: str, go: str) -> None:
    from dos.store.locks import allocate as alloc

    store = store_at(root)
    wait(go)
    print(json.dumps([alloc(store, scope) for _ in range(int(n))]))


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    {"race": race, "first": first, "hold": hold, "stall": stall, "serve": serve, "allocate": allocate}[mode](*rest)
