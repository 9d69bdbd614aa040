"""The lease tools: take a lane, beat it, give it back, and see who holds what until when.

Every decision goes through the store's one transaction (read the live set, arbitrate,
append, update the view), so an MCP client and the CLI can never disagree.
"""

from __future__ import annotations

from typing import Any

from dos.mcp.args import BadArgument, Param
from dos.mcp.spec import MODE, tool

HOLDER = Param("holder", "string", "who holds the lease: your agent or session name, e.g. \"agent-a\"",
               required=True)
LEASE_ID = Param("lease_id", "string", "the lease to act on (from dos_lease_acquire); or give lane",
                 default="")
LANE_OF = Param("lane", "string", "the lane whose lease you hold (when lease_id is not given)", default="")


def _in(ms: int) -> str:
    s = max(0, ms) // 1000
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def _holder_row(lease, now_ms: int, live: bool = True) -> dict[str, Any]:
    d = lease.to_dict()
    d["live"] = live
    d["expires_in_ms"] = lease.expires_ms - now_ms
    return d


def _who(rows: list[dict[str, Any]]) -> str:
    return ", ".join(f"{r['holder']} (lane {r['lane']}, fence {r['fence']}, "
                     f"expires in {_in(r['expires_in_ms'])})" for r in rows)


def _one_of(call, *, lease_id: str, lane: str) -> None:
    if not lease_id and not lane:
        raise BadArgument(call.tool, "lease_id", "or 'lane' is required: name the lease to act on")


@tool("dos_lease_acquire",
      "Take a lane lease (named lane, or auto-pick when lane is empty). Grants a fenced lease or refuses "
      "naming the holder. Same transaction as `dos lease-lane acquire`.",
      HOLDER,
      Param("lane", "string", "lane to take; empty to auto-pick a free lane", default=""),
      Param("kind", "string", "lane kind when auto-picking (e.g. a concurrent lane family)", default=""),
      Param("tree", "array", "globs this lease covers (default: the lane's declared tree)", nullable=True),
      MODE,
      Param("session", "string", "the agent host's session id, recorded on the lease", default=""),
      Param("ttl_s", "number", "seconds the lease lives without a heartbeat (default: [store] lease_ttl_s)",
            nullable=True, minimum=1),
      Param("run_id", "string", "run id to record on the lease", default=""),
      Param("force", "boolean", "skip policy predicates (a live overlap still refuses)", default=False),
      read_only=False)
def lease_acquire(call) -> dict[str, Any]:
    from dos.service import leases

    a = call.args
    req = leases.request(a["lane"], a["kind"], a["tree"] or (), holder=a["holder"], mode=a["mode"])
    ttl_ms = int(a["ttl_s"] * 1000) if a["ttl_s"] is not None else None
    with call.service() as ctx:
        res = leases.acquire(ctx, req, holder=a["holder"], session=a["session"], ttl_ms=ttl_ms,
                             pid=call.holder_pid, run_id=a["run_id"], force=a["force"])
        now = ctx.now_ms()
        blocking = set(res.decision.blocking)
        held_by = ([_holder_row(x, now) for x, _ in leases.leases(ctx) if x.lease_id in blocking]
                   if blocking else [])  # a grant blocks on nothing: no second read
    out = res.to_dict()
    out["granted"] = res.lease is not None
    out["held_by"] = held_by
    if res.lease is not None:
        ls = res.lease
        out["interpretation"] = (
            f"GRANTED: you hold lane {ls.lane} (lease {ls.lease_id}, fence {ls.fence}) for {_in(ls.ttl_ms)}; "
            f"call dos_lease_heartbeat before it lapses and dos_lease_release when done.")
    elif held_by:
        out["interpretation"] = (f"REFUSED: held by {_who(held_by)}. Do not write there; pick another lane "
                                 f"or wait for a release.")
    else:
        out["interpretation"] = f"REFUSED: {res.decision.reason}. Do not write there; pick another lane."
    return out


@tool("dos_lease_release",
      "Give back a lease you hold (by lease_id, or by lane). Only the holder's own lease is released.",
      HOLDER, LEASE_ID, LANE_OF, read_only=False)
def lease_release(call) -> dict[str, Any]:
    a = call.args
    _one_of(call, lease_id=a["lease_id"], lane=a["lane"])
    from dos.service import leases

    with call.service() as ctx:
        lease = leases.release(ctx, holder=a["holder"], lane=a["lane"], lease_id=a["lease_id"])
    what = a["lease_id"] or f"lane {a['lane']}"
    if lease is None:
        return {"verdict": "not_held", "released": False, "lease": None,
                "interpretation": f"NOT HELD: {a['holder']} holds no live lease on {what}; nothing released. "
                                  f"Check dos_lease_status."}
    return {"verdict": "released", "released": True, "lease": lease.to_dict(),
            "interpretation": f"RELEASED: lane {lease.lane} (fence {lease.fence}) is free for others; "
                              f"stop writing there."}


@tool("dos_lease_heartbeat",
      "Extend a lease you hold: its TTL restarts now. Refused for a lease you do not hold or that lapsed.",
      HOLDER, LEASE_ID, LANE_OF, read_only=False)
def lease_heartbeat(call) -> dict[str, Any]:
    a = call.args
    _one_of(call, lease_id=a["lease_id"], lane=a["lane"])
    from dos.service import leases

    with call.service() as ctx:
        lease = leases.heartbeat(ctx, holder=a["holder"], lane=a["lane"], lease_id=a["lease_id"])
        now = ctx.now_ms()
    what = a["lease_id"] or f"lane {a['lane']}"
    if lease is None:
        return {"verdict": "not_held", "beaten": False, "lease": None,
                "interpretation": f"NOT HELD: {a['holder']} holds no live lease on {what}. Stop writing "
                                  f"there and take a lease again with dos_lease_acquire."}
    return {"verdict": "beaten", "beaten": True, "lease": _holder_row(lease, now),
            "interpretation": f"BEATEN: lane {lease.lane} (fence {lease.fence}) is yours for another "
                              f"{_in(lease.expires_ms - now)}."}


@tool("dos_lease_status",
      "Who holds what: every lease with its holder, fence and expiry (expired ones stay visible, "
      "marked live=false, until reclaimed).",
      Param("lane", "string", "only this lane", default=""),
      Param("holder", "string", "only this holder", default=""),
      Param("live_only", "boolean", "hide expired leases", default=False))
def lease_status(call) -> dict[str, Any]:
    a = call.args
    from dos.service import leases

    with call.service() as ctx:
        rows = leases.leases(ctx, include_expired=True)
        now = ctx.now_ms()
    want_lane = a["lane"].casefold()
    leases = [_holder_row(x, now, live) for x, live in rows
              if (not want_lane or x.lane.casefold() == want_lane)
              and (not a["holder"] or x.holder == a["holder"]) and (live or not a["live_only"])]
    leases.sort(key=lambda r: r["fence"])
    live = [r for r in leases if r["live"]]
    if live:
        text = f"{len(live)} live lease(s): {_who(live)}. Do not write inside another holder's lane."
    else:
        text = "no live leases" + (" matching the filter" if a["lane"] or a["holder"] else "") + \
            ": any lane may be taken with dos_lease_acquire."
    return {"now_ms": now, "count": len(leases), "live_count": len(live), "leases": leases,
            "interpretation": text}
