"""Recovering a run that stopped: status, resume, complete, rewind and trace, from the ledger and git.

Every verdict re-adjudicates the ledger's steps against git at read time (one ``rev-list``
and one ``log`` for the whole run, ``dos.service.ancestry``); nothing the agent wrote is
believed. ``resume`` is the only one that writes: on RESUMABLE it records the proposed
continuation once (RESUME_PROPOSED), unless asked not to.
"""

from __future__ import annotations

import os

from dos.kernel import intent as K
from dos.kernel.resume import (CompletionVerdict, Resume, ResumeVerdict, candidate_shas, decide_completion,
                               decide_resume, readjudicate, step_done)
from dos.service import ancestry
from dos.service.intents import ledger, read_turns
from dos.service.journal import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from dos.kernel.intent import IntentState
    from dos.kernel.rewind import RewindVerdict
    from dos.kernel.runview import StatusDigest, Trace
    from dos.service.context import Context
    from dos.store.intents import IntentRun


def facts_for(ctx: Context, state: IntentState | None, start: str = "") -> ancestry.Facts:
    """Git's facts for every sha STATE names, plus the commits since START (default: the run's start)."""
    if state is None:
        return ancestry.gather(ctx.root, [], start)
    return ancestry.gather(ctx.root, candidate_shas(state), start or state.start_sha)


def _resume(ctx: Context, run_id: str, state: IntentState | None, facts: ancestry.Facts, *, diverged: bool,
            record_proposal: bool) -> ResumeVerdict:
    verdict = decide_resume(run_id, state, facts.commits, diverged=diverged)
    if record_proposal and verdict.verdict == Resume.RESUMABLE and not verdict.already_proposed:
        got = ledger(ctx).mint(run_id, K.RESUME_PROPOSED, {"predecessor_run_id": run_id, "resume_sha": verdict.resume_sha,
                                                           "residual": list(verdict.residual)}, author="dos:resume")
        if got.recorded:
            verdict = verdict.replace(proposed_now=True)
    return verdict


def resume(ctx: Context, run_id: str, *, diverged: bool = False, record_proposal: bool = True) -> ResumeVerdict:
    """Where the stopped run RUN_ID re-enters and what is left, re-verified against git now."""
    state = ledger(ctx).state(run_id)
    verdict = _resume(ctx, run_id, state, facts_for(ctx, state), diverged=diverged, record_proposal=record_proposal)
    record(ctx, "resume", verdict, run_id=run_id)
    return verdict


def complete(ctx: Context, run_id: str, *, diverged: bool = False) -> CompletionVerdict:
    """Is RUN_ID's whole declared job verifiably done? Read-only."""
    state = ledger(ctx).state(run_id)
    res = _resume(ctx, run_id, state, facts_for(ctx, state), diverged=diverged, record_proposal=False)
    verdict = decide_completion(res, state, diverged=diverged)
    record(ctx, "complete", verdict, run_id=run_id)
    return verdict


def transcript_path(ctx: Context, run_id: str, state: IntentState | None, given: str = "") -> str:
    """The transcript a rewind reads: GIVEN, else the one the SUSPEND digested, else ``.dos/runs/RID/transcript.jsonl``."""
    if given:
        return os.path.abspath(given)
    kept = state.suspend.get("transcript_path", "") if state is not None else ""
    return kept or str(ctx.workspace.state_dir / "runs" / run_id / "transcript.jsonl")


def rewind(ctx: Context, run_id: str, *, fire: str = "", transcript: str = "") -> RewindVerdict:
    """May RUN_ID's conversation be cut back to the checkpoint DOS minted at SUSPEND? Proposes; never truncates."""
    from dos.kernel.rewind import SIGNALS, decide_rewind

    state = ledger(ctx).state(run_id)
    fire = (fire or "").upper()
    checkpoint = state.checkpoint if state is not None else None
    turns = read_turns(transcript_path(ctx, run_id, state, transcript)) if fire in SIGNALS and checkpoint else None
    tokens = [(fire, {})] if fire in SIGNALS else []
    verdict = decide_rewind(run_id, fire, checkpoint, turns, tokens)
    record(ctx, "rewind", verdict, run_id=run_id)
    return verdict


# --------------------------------------------------------------------------- status


def writer_gone(run: IntentRun | None) -> bool:
    """Is the run's writer process confirmed gone (it ran on this host; pid and start time no longer match)?"""
    from dos import procs

    if run is None or not run.pid:
        return False
    here = procs.host_id()
    return procs.holder_dead(run.pid, run.pid_start, run.host_id or here, here)


def status(ctx: Context, run_id: str, *, start_sha: str = "", now: int | None = None,
           heartbeat_age: int | None = None, lane: str = "", loop_ts: str = "", stopped: bool = False,
           live: bool = False, proc: bool = True) -> StatusDigest:
    """One digest of RUN_ID: liveness, steps that stand on git, the region its lease holds, and once it has
    stopped (suspended, stalled, its writer gone, or STOPPED asked) its resume verdict. Never a self-report."""
    from dos.kernel.runview import RunEvidence, status_digest
    from dos.service.progress import find_lease, lease_events, lease_evidence, process_alive, run_start
    from dos.service.runstatus import check_status_flags

    check_status_flags(run_id, stopped, live, heartbeat_age)
    started = run_start(run_id)
    got = ledger(ctx).get(run_id)
    run, state = got if got is not None else (None, None)
    now = ctx.now_ms() if now is None else now
    facts = facts_for(ctx, state, start_sha)
    lease = find_lease(ctx, lane=lane, loop_ts=loop_ts, run_id=run_id)
    events, beat = (lease_evidence(lease_events(ctx), lease, started, now) if lease is not None else (0, None))
    alive = process_alive(lease.pid, lease.pid_start, lease.host_id) if proc and lease is not None else None
    region = lease.tree if lease is not None and _live(ctx, lease, now) else ()
    ev = RunEvidence(run_id, started, now, state, facts.commits, facts.commits_since_start, tuple(region), events,
                     beat if heartbeat_age is None else heartbeat_age, alive, proc and writer_gone(run))
    digest = status_digest(ev, stopped=stopped, live=live)
    record(ctx, "status", digest, run_id=run_id)
    return digest


def _live(ctx: Context, lease: Any, now: int) -> bool:
    from dos import procs
    from dos.kernel.lease import is_live

    here = procs.host_id()
    return is_live(lease, now, holder_dead=procs.holder_dead(lease.pid, lease.pid_start, lease.host_id, here))


# --------------------------------------------------------------------------- trace

_ATTRIBUTED = ("ACQUIRE", "RELEASE", "SCAVENGE", "ADOPT", "REFUSE", "HALT", "SPAWN", "HEARTBEAT")
TRACE_COMMITS = 200


def _lineage(ctx: Context, run_id: str, state: IntentState | None) -> dict[str, Any]:
    store = ledger(ctx)
    spine = dict(state.spine) if state is not None else {}
    ancestors, seen, parent = [], {run_id}, spine.get("parent_id", "")
    while parent and parent not in seen and len(ancestors) < 64:
        ancestors.append(parent)
        seen.add(parent)
        up = store.state(parent)
        parent = up.spine.get("parent_id", "") if up is not None else ""
    descendants = [r.run_id for r, s in store.runs() if s.spine.get("parent_id") == run_id]
    return {"process_id": spine.get("process_id", ""), "parent_id": spine.get("parent_id", ""),
            "root_id": spine.get("root_id", "") or (ancestors[-1] if ancestors else run_id),
            "ancestors": ancestors, "descendants": descendants}


def _wal(ctx: Context, run_id: str) -> dict[str, Any]:
    from dos.kernel.lease import Op
    from dos.service.leases import iso

    mine: set[str] = set()
    rows, beats, unattributed = [], 0, 0
    for ev in ctx.store.events(ops=[Op(o) for o in _ATTRIBUTED]):
        data = ev.data if isinstance(ev.data, dict) else {}
        by = ""
        if ev.op == Op.ACQUIRE:
            lease = data.get("lease") if isinstance(data.get("lease"), dict) else {}
            if lease.get("run_id") == run_id:
                by = "lease.run_id"
                mine.add(ev.lease_id)
            elif not lease.get("run_id"):
                unattributed += 1
        elif data.get("run_id") == run_id:
            by = "entry.run_id"
        elif ev.lease_id and ev.lease_id in mine:
            by = "lease_id"
        if not by:
            continue
        if ev.op == Op.HEARTBEAT:
            beats += 1
            continue
        rows.append({"op": str(ev.op), "lane": ev.lane, "lease_id": ev.lease_id, "loop_ts": str(data.get("loop_ts", "")),
                     "ts": iso(ev.ts_ms), "seq": ev.seq, "reason": ev.reason, "attributed_by": by})
    return {"lease_events": rows, "heartbeats": beats, "unattributed_acquires": unattributed}


def _commits(ctx: Context, start: str, facts: ancestry.Facts) -> list[dict[str, str]]:
    from dos.git import run_git

    if not facts.since:
        return []
    out = run_git(ctx.root, ["log", "--no-walk=unsorted", "--format=%h%x00%s", "--end-of-options",
                             *facts.since[:TRACE_COMMITS]], check=False)
    rows = []
    for line in out.splitlines():
        sha, _, subject = line.partition("\x00")
        if sha:
            rows.append({"sha": sha, "subject": subject})
    return rows


def trace(ctx: Context, run_id: str) -> Trace:
    """RUN_ID across every surface: lineage, ledger steps (VERIFIED only when they stand on git now), the lease
    events that name it, and its commits since its start. Read-only."""
    from dos.kernel.runview import Trace, intent_section, step_rows

    got = ledger(ctx).get(run_id)
    state = got[1] if got is not None else None
    facts = facts_for(ctx, state)
    checks = readjudicate(state, facts.commits) if state is not None else {}
    res = decide_resume(run_id, state, facts.commits) if state is not None else None
    done = [s for s in (state.declared if state else ()) if step_done(state, s, checks.get(s))]
    spine = _lineage(ctx, run_id, state)
    if got is not None:
        spine["writer"] = got[0].to_dict()
    verdict = Trace(run_id, spine, intent_section(state, step_rows(state, checks, done) if state else [], res),
                    _wal(ctx, run_id), {"commits": _commits(ctx, state.start_sha if state else "", facts)})
    record(ctx, "trace", verdict, run_id=run_id)
    return verdict


# --------------------------------------------------------------------------- the stop gate


def open_steps(ctx: Context, session: str) -> list[tuple[str, tuple[str, ...]]]:
    """SESSION's runs that are not suspended and still have declared steps that do not stand, each with its
    residual. First each claimed step is checked at this boundary (STEP_VERIFIED is minted where it stands)."""
    from dos.service.intents import verify

    out = []
    for run, state in ledger(ctx).runs(session=session):
        if state.suspended or not state.declared:
            continue
        facts = facts_for(ctx, state)
        checks = readjudicate(state, facts.commits)
        if any(c.stands and not step_done(state, s, c) for s, c in checks.items()):
            verify(ctx, run.run_id, [s for s, c in checks.items() if c.stands and not step_done(state, s, c)])
            state = ledger(ctx).state(run.run_id) or state
        verdict = decide_resume(run.run_id, state, facts.commits)
        if verdict.residual and verdict.verdict != Resume.UNRESUMABLE:
            out.append((run.run_id, tuple(verdict.residual)))
    return out
