"""The small public Python API for lane leases.

    import dos.leases
    got = dos.leases.acquire("api", holder="agent-7", ttl_s=600)
    if got.granted:
        ...  # edit inside got.lease.tree
        dos.leases.release(lease_id=got.lease.lease_id, holder="agent-7")

Each call opens the workspace's store (``workspace`` as for ``--workspace``), runs one
transaction and closes it. The lease's pid is the calling process unless given.
"""

from __future__ import annotations

import os
from typing import Sequence

from dos.config import find_workspace, load_config
from dos.kernel.lanes import LaneRequest
from dos.kernel.lease import Lease
from dos.kernel.tree import LockMode
from dos.service.context import open_store
from dos.store.leases import AcquireResult, Store  # noqa: F401 - the public types of this API

__all__ = ["open", "acquire", "release", "heartbeat", "live", "AcquireResult", "Lease", "Store"]


def open(workspace: str | os.PathLike[str] | None = None) -> Store:  # noqa: A001 - the natural name
    """The store of WORKSPACE (default: found as the CLI finds it). Close it when done."""
    ws = find_workspace(workspace)
    return open_store(ws, load_config(ws.root))


def acquire(lane: str = "", *, holder: str, kind: str = "", tree: Sequence[str] = (),
            mode: str = "exclusive", session: str = "", ttl_s: float | None = None,
            pid: int | None = None, run_id: str = "", force: bool = False,
            workspace: str | os.PathLike[str] | None = None) -> AcquireResult:
    """Arbitrate and, if admitted, grant LANE to HOLDER. ``result.granted`` says which."""
    request = LaneRequest(lane=lane, kind=kind, tree=tuple(tree), holder=holder, mode=LockMode(mode))
    with open(workspace) as store:
        return store.acquire(request, holder=holder, session=session,
                             ttl_ms=None if ttl_s is None else int(ttl_s * 1000),
                             pid=os.getpid() if pid is None else pid, run_id=run_id, force=force)


def release(lane: str | None = None, *, holder: str, lease_id: str | None = None,
            workspace: str | os.PathLike[str] | None = None) -> Lease | None:
    """Release HOLDER's lease on LANE (or the lease LEASE_ID); None if HOLDER held none."""
    with open(workspace) as store:
        return store.release(lease_id=lease_id, lane=lane, holder=holder)


def heartbeat(lane: str | None = None, *, holder: str, lease_id: str | None = None,
              workspace: str | os.PathLike[str] | None = None) -> Lease | None:
    """Refresh HOLDER's live lease; None if HOLDER holds no live lease there."""
    with open(workspace) as store:
        return store.heartbeat(lease_id=lease_id, lane=lane, holder=holder)


def live(workspace: str | os.PathLike[str] | None = None) -> list[Lease]:
    """The live leases, by the one expiry rule every surface uses."""
    with open(workspace) as store:
        return store.live_leases()
