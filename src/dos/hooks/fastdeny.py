"""The fast path's deny: the kernel decides over the few leases near the paths, then one ENFORCE row.

Called only when a lease of another session may reach the written paths. It builds those
leases, drops the ones whose holder process is confirmed dead, asks ``pretool_verdict``, and
on a deny appends the ENFORCE event with the same shape ``Store.record`` writes.
"""

from __future__ import annotations

import json
import time
from typing import Any

from dos import procs
from dos.hooks import dialect
from dos.hooks.event import PRE, HookEvent, Rendered
from dos.hooks.fast import ALLOW, LEASE_COLUMNS
from dos.kernel.enforce import EnforcePolicy, Identity, pretool_verdict
from dos.kernel.lease import Lease, Op, is_live
from dos.kernel.tree import LockMode


def lease_of(row: tuple) -> Lease:
    d = dict(zip(LEASE_COLUMNS, row))
    d["tree"] = tuple(json.loads(d["tree"]))
    d["mode"] = LockMode(d["mode"])
    return Lease(**d)


def deny_near(event: dict[str, Any], paths: list[str] | None, rows: list[tuple], holder: str,
              settings: Any) -> Rendered | None:
    """Render the verdict for PATHS (None: an unknown footprint) given the near ROWS."""
    here = procs.host_id()
    now = time.time_ns() // 1_000_000
    live = [x for x in map(lease_of, rows)
            if is_live(x, now, holder_dead=procs.holder_dead(x.pid, x.pid_start, x.host_id, here))]
    verdict = pretool_verdict(paths, [], who=Identity(session=event["session"], holder=holder), live=live, now_ms=now,
                              policy=EnforcePolicy(unknown_footprint=settings.unknown_footprint))
    if verdict.action == "allow":
        return ALLOW
    ev = HookEvent(moment=PRE, host=event["host"], event_name=event["event_name"], tool=event["tool"],
                   tool_input=event["tool_input"], session=event["session"], cwd=event["cwd"])
    _record(settings, ev, verdict, here)
    return dialect(ev.host).render(verdict, ev)


def _record(settings: Any, event: HookEvent, verdict: Any, host_id: str) -> None:
    """Append the ENFORCE event in its own transaction, as ``Store.record`` would."""
    import _sqlite3

    data = {"host": event.host, "moment": event.moment, "tool": event.tool, "session": event.session,
            "intervention": verdict.action.upper(), "token": verdict.token, "paths": list(verdict.paths),
            "blocking_holder": verdict.holder, "expires_ms": verdict.expires_ms}
    path = settings.store_path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    busy = int(settings.busy_timeout_ms)
    conn = _sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=busy / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {busy}")
        conn.execute("PRAGMA synchronous = NORMAL")  # as the store's own writer: WAL, no fsync per commit
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT INTO events (ts_ms, op, lane, lease_id, holder, host_id, reason, data) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (time.time_ns() // 1_000_000, str(Op.ENFORCE), verdict.lane,
                          (verdict.blocking or ("",))[0], event.session, host_id, verdict.reason,
                          json.dumps(data, sort_keys=True, separators=(",", ":"))))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()


__all__ = ["deny_near", "lease_of"]
