"""The verdict tools: the same library calls as the CLI verbs, plus a one-line next move.

Each body runs in a worker thread under the call's deadline; it raises ``BadArgument``
or a ``dos.errors`` error for bad input and returns the verdict's dict otherwise.
"""

from __future__ import annotations

from typing import Any

from dos.mcp.args import BadArgument, Param
from dos.mcp.spec import MODE, tool

@tool("dos_verify",
      "Did PLAN PHASE really ship? Judged from git history (registry rows, commit stamps, the files the "
      "plan names), never from a claim. Same verdict as `dos verify PLAN PHASE --json --explain`.",
      Param("plan", "string", "the plan (series) id, e.g. \"AUTH\"", required=True),
      Param("phase", "string", "the phase id, e.g. \"AUTH1\"", required=True),
      Param("ref", "string", "judge the history of this ref instead of HEAD", default=""))
def verify(call) -> dict[str, Any]:
    from dos.service.truth import interpret, verify as judge

    a = call.args
    with call.service() as ctx:
        v = judge(ctx, a["plan"], a["phase"], ref=a["ref"] or None, timeout=call.git_timeout_s)
    out = v.to_dict()
    out["interpretation"] = interpret(v)
    return out


@tool("dos_doctor",
      "What DOS sees in the workspace: config, lanes, stamp grammar, git, store, wired hosts "
      "(the same report as `dos doctor --json`).")
def doctor(call) -> dict[str, Any]:
    from dos.service.doctor import gather

    with call.service() as ctx:
        report = gather(ctx)
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
      Param("holder", "string", "who would hold it (a lane you already hold is reported as held by you)",
            default=""),
      Param("force", "boolean", "skip policy predicates (a live overlap still refuses)", default=False))
def arbitrate(call) -> dict[str, Any]:
    from dos.service import leases

    a = call.args
    req = leases.request(a["lane"], a["kind"], a["tree"] or (), holder=a["holder"], mode=a["mode"])
    with call.service() as ctx:
        got = leases.arbitrate(ctx, req, force=a["force"])
    decision, now = got.decision, got.now_ms
    out = decision.to_dict()
    out["held_by"] = [dict(x.to_dict(), expires_in_ms=x.expires_ms - now, yours=x in got.own) for x in got.blocking]
    out["live_leases"] = len(got.live)
    if decision.granted:
        out["interpretation"] = (f"FREE: lane {decision.lane} would be granted now; take it with "
                                 f"dos_lease_acquire before writing (this call reserved nothing).")
    else:
        who = ", ".join(f"{'you' if h['yours'] else h['holder']} (fence {h['fence']})" for h in out["held_by"])
        out["interpretation"] = (f"BUSY: {decision.reason}" + (f"; held by {who}" if who else "")
                                 + ". Pick another lane or wait.")
    return out


@tool("dos_commit_audit",
      "Does a commit's subject match its own diff? OK (witnessed), CLAIM_UNWITNESSED (the subject claims "
      "what the diff did not do) or ABSTAIN. A range A..B audits every commit in it, with totals.",
      Param("ref", "string", "a commit (default HEAD) or a range A..B", default="HEAD"),
      Param("docs_ok", "boolean", "accept a doc-only diff for a code claim", default=False))
def commit_audit(call) -> dict[str, Any]:
    from dos.service.audit import Sweep, safe_audit

    a = call.args
    ref = a["ref"].strip() or "HEAD"
    verdicts = safe_audit(call.workspace.root, ref, docs_ok=a["docs_ok"], timeout=call.git_timeout_s)
    if ".." not in ref:
        v = verdicts[0]
        out = v.to_dict()
        out["interpretation"] = _audit_hint(v.verdict, v.sha, v.reason)
        return out
    sweep = Sweep(tuple(verdicts)).to_dict()
    bad = sweep["unwitnessed_shas"]
    return {"ref": ref, "commits": [v.to_dict() for v in verdicts], "sweep": sweep,
            "interpretation": (f"{len(bad)} of {sweep['checkable']} checkable commit(s) claim what their "
                               f"diff does not show ({', '.join(bad[:5])}); do not count those as shipped."
                               if bad else f"all {sweep['checkable']} checkable commit(s) are witnessed by "
                               f"their diffs ({sweep['abstained']} made no checkable claim).")}


def _audit_hint(verdict: str, sha: str, reason: str) -> str:
    if verdict == "OK":
        return f"WITNESSED: commit {sha}'s diff backs its subject ({reason})."
    if verdict == "CLAIM_UNWITNESSED":
        return (f"UNWITNESSED: commit {sha}'s subject claims more than its diff shows ({reason}); "
                f"do not treat it as done until the change is really there.")
    return f"ABSTAIN: commit {sha}'s subject makes no checkable claim; judge it by dos_verify instead."


@tool("dos_liveness",
      "Is a run ADVANCING, SPINNING or STALLED? Judged from commits since its start SHA, its lease's "
      "events and heartbeats (same verdict as `dos liveness --json`).",
      Param("run_id", "string", "the run's id (RID-...); its time is the run's start", required=True),
      Param("start_sha", "string", "count commits since this SHA", default=""),
      Param("lease_id", "string", "the lease whose events count", default=""),
      Param("lane", "string", "with loop_ts: the lease whose events count", default=""),
      Param("loop_ts", "string", "with lane: the lease's loop timestamp", default=""),
      Param("last_heartbeat_age_ms", "integer", "override the heartbeat age", nullable=True, minimum=0),
      Param("grace_ms", "integer", "too-young window (default 30 min)", nullable=True, minimum=0),
      Param("spin_ms", "integer", "heartbeat freshness window (default 15 min)", nullable=True, minimum=0),
      Param("now_ms", "integer", "evaluate at this epoch ms (default: now)", nullable=True, minimum=0),
      Param("probe_process", "boolean", "probe the lease holder's process (only ever demotes)", default=True))
def liveness(call) -> dict[str, Any]:
    v, lease, _now = _judge(call)
    out = v.to_dict()
    out["lease_id"] = lease.lease_id if lease is not None else None
    out["interpretation"] = _LIVENESS_HINT[str(v.verdict)] + f" ({v.reason})"
    return out


_LIVENESS_HINT = {
    "ADVANCING": "ADVANCING: the run is making progress (or is too young to judge); leave it alone.",
    "SPINNING": "SPINNING: alive but no commits or lease events in its grace window; nudge or re-scope it.",
    "STALLED": "STALLED: no fresh heartbeat or its process is gone; its lane may be reclaimed.",
}


def _judge(call):
    """(LivenessVerdict, the run's lease or None, now_ms) for the call's liveness arguments."""
    from dos.errors import GitError
    from dos.kernel.liveness import LivenessPolicy
    from dos.kernel.runid import ts_ms_of
    from dos.service.progress import liveness as judge

    a = call.args
    if ts_ms_of(a["run_id"]) is None:
        raise BadArgument(call.tool, "run_id", "is not a run id (RID- + 15 uppercase base-32 chars); "
                                               "mint one with `dos run-id mint PROCESS`")
    base = LivenessPolicy()
    policy = LivenessPolicy(grace_ms=base.grace_ms if a.get("grace_ms") is None else a["grace_ms"],
                            spin_ms=base.spin_ms if a.get("spin_ms") is None else a["spin_ms"])
    with call.service() as ctx:
        try:
            return judge(ctx, run_id=a["run_id"], now=a.get("now_ms"), start_sha=a.get("start_sha", ""),
                         lease_id=a["lease_id"], lane=a["lane"], loop_ts=a["loop_ts"],
                         heartbeat_age=a.get("last_heartbeat_age_ms"), proc=a.get("probe_process", True),
                         policy=policy)
        except GitError as exc:
            if a.get("start_sha") and "start-sha" in str(exc):
                raise BadArgument(call.tool, "start_sha", f"is not a commit in {ctx.root}; "
                                                          f"pass the SHA the run started from") from None
            raise


@tool("dos_status",
      "One run's digest: its liveness verdict, progress evidence, the region (lease) it holds, and how to "
      "resume it.",
      Param("run_id", "string", "the run's id (RID-...)", required=True),
      Param("start_sha", "string", "count commits since this SHA", default=""),
      Param("lease_id", "string", "the run's lease (default: found by run_id, or lane + loop_ts)",
            default=""),
      Param("lane", "string", "with loop_ts: the run's lane", default=""),
      Param("loop_ts", "string", "with lane: the run's loop timestamp", default=""),
      Param("now_ms", "integer", "evaluate at this epoch ms (default: now)", nullable=True, minimum=0))
def status(call) -> dict[str, Any]:
    v, lease, now = _judge(call)
    ev = v.evidence
    region = None
    if lease is not None:
        region = {"lane": lease.lane, "tree": list(lease.tree), "holder": lease.holder, "fence": lease.fence,
                  "lease_id": lease.lease_id, "expires_ms": lease.expires_ms, "live": not lease.expired(now)}
    if v.verdict == "ADVANCING":
        resume = "nothing to resume: the run is advancing"
    elif region and region["live"]:
        resume = (f"the run still holds lane {region['lane']} (fence {region['fence']}); resume it there or "
                  f"release the lease before another run takes the lane")
    else:
        resume = "no live lease: take a lane with dos_lease_acquire before resuming"
    return {"schema": "dos.status/1", "run_id": call.args["run_id"],
            "liveness": {"verdict": str(v.verdict), "reason": v.reason},
            "progress": {"commits_since_start": ev.commits_since_start,
                         "lease_events_since": ev.journal_events_since,
                         "last_heartbeat_age_ms": ev.last_heartbeat_age_ms, "run_age_ms": ev.run_age_ms},
            "region": region, "resume": resume,
            "interpretation": _LIVENESS_HINT[str(v.verdict)].split(";")[0] + f"; {resume}."}
