"""The verdict tools: the same library calls as the CLI verbs, plus a one-line next move.

Each body runs in a worker thread under the call's deadline; it raises ``BadArgument``
or a ``dos.errors`` error for bad input and returns the verdict's dict otherwise.
"""

from __future__ import annotations

from typing import Any

from dos.mcp.args import Param
from dos.mcp.registry import MODE, tool

@tool("dos_verify",
      "Did PLAN PHASE really ship? Judged from git history (registry rows, commit stamps, the files the "
      "plan names), never from a claim. Same verdict as `dos verify PLAN PHASE --json --explain`.",
      Param("plan", "string", "the plan (series) id, e.g. \"AUTH\"", required=True),
      Param("phase", "string", "the phase id, e.g. \"AUTH1\"", required=True),
      Param("ref", "string", "judge the history of this ref instead of HEAD", default=""))
def verify(call) -> dict[str, Any]:
    from dos.truth import interpret, verify as judge

    a = call.args
    v = judge(call.workspace.root, call.config, a["plan"], a["phase"], ref=a["ref"] or None,
              timeout=call.git_timeout_s)
    out = v.to_dict()
    out["interpretation"] = interpret(v)
    return out


@tool("dos_doctor",
      "What DOS sees in the workspace: config, lanes, stamp grammar, git, store, wired hosts "
      "(the same report as `dos doctor --json`).")
def doctor(call) -> dict[str, Any]:
    from dos.doctor import gather

    report = gather(call.workspace, call.config)
    store = report.get("store") or {}
    lanes = report["lanes"]
    n = len(dict.fromkeys([*lanes["concurrent"], *lanes["exclusive"]]))
    health = "healthy" if store.get("ok", True) else f"store problem: {store.get('detail', '?')}"
    report["interpretation"] = (
        f"workspace {report['workspace']} ({report['config'] or 'built-in defaults'}): {n} lane(s), "
        f"store {store.get('engine', '?')} {health}; "
        + ("take a lane with dos_lease_acquire before writing." if store.get("ok", True)
           else "fix the store before taking leases."))
    return report


@tool("dos_arbitrate",
      "Would this lane be granted right now? Reads the live leases from the store (never writes). "
      "Empty lane auto-picks a free one.",
      Param("lane", "string", "lane to ask about; empty to auto-pick", default=""),
      Param("kind", "string", "lane kind when auto-picking", default=""),
      Param("tree", "array", "globs the work would touch (default: the lane's declared tree)", nullable=True),
      MODE,
      Param("holder", "string", "who would hold it (your own live leases never block you)", default=""),
      Param("force", "boolean", "skip policy predicates (a live overlap still refuses)", default=False))
def arbitrate(call) -> dict[str, Any]:
    from dos.kernel.arbiter import arbitrate as decide
    from dos.kernel.lanes import LaneRequest
    from dos.kernel.tree import LockMode

    a = call.args
    req = LaneRequest(lane=a["lane"], kind=a["kind"], tree=tuple(a["tree"] or ()), holder=a["holder"],
                      mode=LockMode(a["mode"]))
    with call.store() as st:
        live = st.live_leases()
        now = st.now_ms()
        decision = decide(req, live, st.taxonomy, predicates=st.predicates, force=a["force"])
    out = decision.to_dict()
    blocking = set(decision.blocking)
    out["held_by"] = [dict(x.to_dict(), expires_in_ms=x.expires_ms - now) for x in live
                      if x.lease_id in blocking]
    out["live_leases"] = len(live)
    if decision.granted:
        out["interpretation"] = (f"FREE: lane {decision.lane} would be granted now; take it with "
                                 f"dos_lease_acquire before writing (this call reserved nothing).")
    else:
        who = ", ".join(f"{h['holder']} (fence {h['fence']})" for h in out["held_by"])
        out["interpretation"] = (f"BUSY: {decision.reason}" + (f"; held by {who}" if who else "")
                                 + ". Pick another lane or wait.")
    return out
