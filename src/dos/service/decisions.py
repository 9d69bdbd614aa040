"""The operator's queue (``dos decisions``, the dashboard's decisions page) and its two operations.

``queue(ctx)`` gathers the facts in one read (leases with the liveness ``dos top`` shows,
HALT and REFUSE records, stops let through at the cap, the plan board's over-claims) and
hands them to the pure ``dos.kernel.decisions``. Reading writes nothing. The operations
(``halt_lease``, ``release_expired``) are what ``dos serve --allow-ops`` exposes: a HALT
record (no signal is sent) and the release of a lease that is already expired.
"""

from __future__ import annotations

import re
from typing import Any

from dos.errors import UsageError
from dos.kernel import decisions as kd
from dos.kernel.lease import Event, Lease, Op
from dos.service.context import Context
from dos.service.fleet import _events, judge, read_log, recent_events, seq_since

STOP_CAP_WINDOW_MS = 86_400_000  # stops let through at the cap stay in the queue this long (if still open)
_VERIFY = re.compile(r"`dos verify (\S+) (\S+)`")


def _event_dict(e: Event) -> dict[str, Any]:
    return e.to_dict()


def _newest(pairs: list[tuple[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for holder, seq in pairs:
        out[holder] = max(out.get(holder, 0), seq)
    return out


def _claimed(reason: str) -> tuple[str, str] | None:
    m = _VERIFY.search(reason)
    return (m.group(1), m.group(2)) if m else None


def facts(ctx: Context, *, now: int | None = None, plans: bool = True) -> kd.Facts:
    """Everything the queue is built from, read through the store's one clock."""
    from dos import procs

    log = read_log(ctx, now=now, scan=0)
    clock = log["now"]
    here = procs.host_id()
    lease_facts = []
    for lease in log["leases"]:
        j = judge(lease, clock, log["beats"], here=here)
        lease_facts.append(kd.LeaseFact(
            lease.lease_id, lease.lane, lease.holder, lease.session, lease.run_id, lease.loop_ts, lease.pid,
            lease.fence, j["live"], j["holder_dead"], j["liveness"], j["liveness_reason"], j["heartbeat_age_ms"],
            max(0, clock - lease.expires_ms), lease.acquired_ms))
    oldest = min((x.acquired_ms for x in log["leases"]), default=clock)
    engine = ctx.store.engine.name
    top = log["seq"]
    with ctx.store.engine.read() as tx:
        halts = _events(tx, "op = ? AND ts_ms >= ? ORDER BY seq", (str(Op.HALT), oldest))  # rare: the index
        since = clock - kd.REFUSE_WINDOW_MS
        window = seq_since(tx, since, top)
        refusals = [e for e in recent_events(tx, engine, str(Op.REFUSE), window) if e.ts_ms > since]
        col = "+op" if engine == "sqlite" else "op"
        acquires = [(str(h), int(s)) for h, s in tx.execute(
            f"SELECT holder, max(seq) FROM events WHERE seq >= ? AND {col} = ? GROUP BY holder",
            (window, str(Op.ACQUIRE)))]
        caps = _events(tx, "op = ? AND ts_ms > ? AND data LIKE ? ORDER BY seq",  # ENFORCE by the index
                       (str(Op.ENFORCE), clock - STOP_CAP_WINDOW_MS, "%CAP_REACHED%"))
    return kd.Facts(clock, tuple(lease_facts), [_event_dict(e) for e in halts], [_event_dict(e) for e in refusals],
                    _newest(acquires), _stop_caps(ctx, caps),
                    _over_claims(ctx) if plans else [], ctx.store.engine.location)


def _stop_caps(ctx: Context, events: list[Event]) -> list[dict[str, Any]]:
    """Each session's newest stop let through at the cap, open while its claim stands unverified."""
    from dos.service.truth import verify

    newest: dict[str, Event] = {}
    for e in events:
        if isinstance(e.data, dict) and e.data.get("token") == "CAP_REACHED" and e.data.get("moment", "stop") == "stop":
            newest[str(e.data.get("session") or e.holder)] = e
    out = []
    for session, e in newest.items():
        said = _claimed(e.reason)
        if said is None:
            continue
        current = ctx.store.claim_for(session) if session else None
        changed = current is not None and current != said  # the session claims something else now
        shipped = False if changed else verify(ctx, said[0], said[1], journal=False).shipped
        out.append({"seq": e.seq, "ts_ms": e.ts_ms, "session": session, "plan": said[0], "phase": said[1],
                    "reason": e.reason, "open": not changed and not shipped})
    return out


def _over_claims(ctx: Context) -> list[dict[str, Any]]:
    return [r for r in plan_board(ctx)["phases"] if r.get("over_claimed")]


def plan_board(ctx: Context) -> dict[str, Any]:
    """``dos.service.plans.board`` as a screen reads it: the same rows, with verify's verdicts not journaled.

    (A screen that journals what it shows would move the log it follows, and redraw forever.)
    """
    from datetime import datetime, timezone

    from dos.kernel.plans import markdown_rows
    from dos.service.artifacts import plan_docs
    from dos.service.plans import activity, divergence
    from dos.service.truth import verify

    phases = []
    for path, text in plan_docs(ctx.root, ctx.config):
        for row in markdown_rows(text, path):
            v = verify(ctx, row.plan, row.phase, journal=False)
            chip = divergence(row.claimed_status, v.shipped)
            phases.append({**row.to_dict(), "oracle_shipped": v.shipped, "oracle_source": v.source,
                           "oracle_sha": v.sha, "divergence": chip, "is_divergent": chip == "⚠over-claim",
                           "lane_chip": "", "decision_ref": None, "verified": v.shipped, "source": v.source,
                           "sha": v.sha, "over_claimed": chip == "⚠over-claim"})
    summary = {"phases": len(phases), "shipped": sum(p["oracle_shipped"] for p in phases),
               "divergent": sum(p["is_divergent"] for p in phases),
               "over_claims": sum(p["over_claimed"] for p in phases),
               "in_flight": 0, "gated": sum(p["claimed_status"] == "blocked" for p in phases)}
    now = datetime.fromtimestamp(ctx.now_ms() / 1000, timezone.utc).isoformat()
    return {"workspace": str(ctx.root), "now": now, "plan_source": "markdown",
            "initialized": ctx.config.source is not None, "phases": phases, "activity": activity(ctx),
            "summary": summary, "plans_glob": ctx.config.paths.plans_glob}


def queue(ctx: Context, *, include_all: bool = False, now: int | None = None, plans: bool = True) -> list[kd.Item]:
    """The ranked queue: HUMAN items only unless INCLUDE_ALL."""
    return kd.rank(kd.build(facts(ctx, now=now, plans=plans)), include_all=include_all)


def queue_json(ctx: Context, *, include_all: bool = False, now: int | None = None,
               plans: bool = True) -> list[dict[str, Any]]:
    """What ``dos decisions --json`` prints and ``/api/decisions`` serves (1-based ``index`` added)."""
    return [{**x.to_dict(), "index": i} for i, x in enumerate(queue(ctx, include_all=include_all, now=now,
                                                                      plans=plans), 1)]


def pick(items: list[Any], target: str) -> Any:
    """Item number TARGET (1-based) of ITEMS; UsageError naming the range otherwise."""
    try:
        n = int(target)
    except ValueError:
        raise UsageError(f"expected a decision number, got {target!r} (e.g. `dos decisions show 1`)") from None
    if not 1 <= n <= len(items):
        raise UsageError(f"decision #{n} out of range (1..{len(items)}); `dos decisions` lists them")
    return items[n - 1]


# --------------------------------------------------------------------------- operations (dos serve --allow-ops)


def _lease(ctx: Context, lease_id: str) -> Lease:
    for lease, _live in ctx.store.leases():
        if lease.lease_id == lease_id:
            return lease
    raise UsageError(f"no lease {lease_id!r} in the view (released or scavenged already); reload the page")


def halt_lease(ctx: Context, lease_id: str, *, reason: str = "", operator: str = "operator") -> Event:
    """Record a HALT for the run holding LEASE_ID (a record for whoever stops it; no signal is sent)."""
    lease = _lease(ctx, lease_id)
    handle = str(lease.pid) if lease.pid else lease.lease_id
    return ctx.store.halt(handle, lane=lease.lane, holder=operator, reason=reason or f"halt by {operator}",
                          run_id=lease.run_id, loop_ts=lease.loop_ts, extra={"lease_id": lease.lease_id})


def release_expired(ctx: Context, lease_id: str, *, operator: str = "operator") -> Lease:
    """Remove LEASE_ID from the view if it is expired (a live lease is never released this way)."""
    _lease(ctx, lease_id)
    gone = ctx.store.scavenge(lease_id=lease_id, reason=f"released by {operator}: expired")
    if gone is None:
        raise UsageError(f"lease {lease_id!r} is live: only an expired lease can be released here")
    return gone
