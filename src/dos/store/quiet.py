"""The Store's one-statement path: a quiet grant, or releasing one's own lease, decided by the server.

An engine that offers it (PostgreSQL: ``grant`` and ``release_own``, see ``dos.store.pg_fast``)
runs the operation, and its journal row, in one server statement. Each function here returns
None or True when the general path in ``dos.store.leases`` must decide instead; it never
decides anything the arbiter would decide differently (``dos.kernel.quiet_grant``).
"""

from __future__ import annotations

from typing import Any

from dos.kernel.lanes import LaneRequest
from dos.kernel.lease import Lease
from dos.store import pg_fast
from dos.store.live import lease_from_row


def acquire(store: Any, request: LaneRequest, journal: Any, draft: Lease, result: Any) -> Any:
    """DRAFT granted to STORE in one server statement when the grant is quiet, with JOURNAL's row (its
    ``row(outcome)``) chained by the server: a RESULT (the Store's AcquireResult), or None for the
    general path."""
    grant = getattr(store.engine, "grant", None)
    if grant is None or not getattr(store.engine, "quiet", False):
        return None
    plan = _plan(store, request)
    if not plan:
        return None
    decision, keys, shapes = plan
    lease = draft.replace(lane=decision.lane, lane_kind=decision.lane_kind, tree=tuple(decision.tree),
                          mode=decision.mode)
    payload = pg_fast.grant_payload(lease)
    if payload is None:
        return None
    row = None
    if journal is not None:
        row = journal.row(result(decision, lease.replace(fence=pg_fast.MARK["fence"]), ()))
        if row is None:
            return None
    rows = pg_fast.journal_grant(row, lease, decision.reason, payload)
    if rows is False:
        return None
    got = grant(keys, shapes, pg_fast.grant_params(lease), decision.reason, payload, rows)
    if got is None:
        return None
    now, fence, _seq = got
    return result(decision, lease.replace(fence=fence, acquired_ms=now, heartbeat_ms=now), ())


def _plan(store: Any, request: LaneRequest) -> tuple[Any, ...]:
    """(decision, lane lock keys, shape set) of REQUEST's quiet grant, or () when it has none;
    memoised on STORE (its taxonomy does not change)."""
    key = (request.lane, request.kind, request.tree, request.mode)
    plan = store._quiet_plans.get(key)
    if plan is None:
        from dos.kernel.quiet_grant import quiet_grant

        found = quiet_grant(request, store.taxonomy)
        shapes = pg_fast.shape_set(tuple(found.shapes)) if found is not None else None
        plan = (found.decision, store.engine.lane_keys(sorted(found.locks)), shapes) if shapes is not None else ()
        if len(store._quiet_plans) > 256:
            store._quiet_plans.clear()
        store._quiet_plans[key] = plan
    return plan


def release(store: Any, journal: Any, lease_id: str, holder: str, reason: str) -> Lease | None | bool:
    """HOLDER's lease LEASE_ID released in one server statement (with JOURNAL's row): the lease, None when
    there is none, True for the general path."""
    release_own = getattr(store.engine, "release_own", None)
    if release_own is None:
        return True
    rows = _release_rows(store, journal, lease_id, holder, reason)
    if rows is False:
        return True
    got = release_own(lease_id, holder, store.host_id, reason, rows)
    if got is True:
        return True
    return lease_from_row(got) if got else None


def _release_rows(store: Any, journal: Any, lease_id: str, holder: str, reason: str) -> Any:
    """JOURNAL's two possible rows for releasing LEASE_ID, as ``pg_fast.journal_release`` sends them."""
    if journal is None:
        return pg_fast.journal_release(None, None, lease_id=lease_id, holder=holder, host_id=store.host_id,
                                       reason=reason)
    mark = pg_fast.MARK
    stub = Lease(lease_id=lease_id, fence=mark["fence"], lane=mark["lane"], lane_kind="", tree=(), holder=holder,
                 acquired_ms=0, heartbeat_ms=0, ttl_ms=1, run_id=mark["run_id"])
    found, missing = journal.row(stub), journal.row(None)
    if found is None or missing is None:
        return False
    return pg_fast.journal_release(found, missing, lease_id=lease_id, holder=holder, host_id=store.host_id,
                                   reason=reason)
