"""A worker process for the store's race, crash and property tests.

    worker.py race ROOT LANE OWNER GO      wait for file GO, acquire LANE, print the result JSON
    worker.py first ROOT LANE OWNER GO     the same, but open the store only after GO
    worker.py hold ROOT LANE OWNER TTL_MS READY   acquire with this pid, touch READY, sleep until killed
    worker.py stall ROOT LANE OWNER READY  start an acquire, touch READY inside its transaction, stall
    worker.py serve                         read JSON commands on stdin, answer one JSON line each
    worker.py allocate ROOT SCOPE N GO     wait for GO, allocate N ids, print them
    worker.py churn ROOT OWNER N SEED GO   wait for GO, then N random acquires (each grant released), print counts
    worker.py follow ROOT GO STOP          from GO until file STOP, read the log as a tail does; print every seq seen

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


CHURN_LANES = ("api", "web", "all", "docs", "kw", "global")


def churn(root: str, owner: str, n: str, seed: str, go: str) -> None:
    """Grants on overlapping lanes, quiet and not: declared lanes, a keyword lane with a tree of its
    own, the exclusive global lane, shared and exclusive; a beat now and then; each grant released by
    id (one server statement) or by lane (not)."""
    import random

    rng = random.Random(int(seed))
    store = store_at(root)
    wait(go)
    counts = {"granted": 0, "refused": 0}
    for _ in range(int(n)):
        lane = rng.choice(CHURN_LANES)
        tree = ("api/k/**",) if lane == "kw" else ()
        mode = LockMode.SHARED if rng.random() < 0.4 else LockMode.EXCLUSIVE
        got = store.acquire(LaneRequest(lane=lane, kind="keyword" if tree else "", tree=tree, mode=mode),
                            holder=owner, ttl_ms=600_000)
        counts["granted" if got.granted else "refused"] += 1
        if got.lease is not None:
            if rng.random() < 0.2:
                store.heartbeat(lease_id=got.lease.lease_id, holder=owner)
            if rng.random() < 0.7:
                store.release(lease_id=got.lease.lease_id, holder=owner)
            else:
                store.release(lane=got.lease.lane, holder=owner)
    print(json.dumps(counts))


def follow(root: str, go: str, stop: str) -> None:
    store = store_at(root)
    wait(go)
    seen: list[int] = []
    last = 0
    while True:
        done = os.path.exists(stop)  # read once more after STOP: every writer has exited by then
        for event in store.events(since_seq=last):
            seen.append(event.seq)
            last = max(last, event.seq)
        if done:
            break
    print(json.dumps(seen))


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    {"race": race, "first": first, "hold": hold, "stall": stall, "serve": serve, "allocate": allocate,
     "churn": churn, "follow": follow}[mode](*rest)
