"""Evidence for liveness verdicts: commits since a run's start, its lease's events and beats,
and whether its process is still alive. Shared by the CLI time verbs and the MCP server.
"""

from __future__ import annotations

from typing import Any

from dos.errors import UsageError


def commits_since(root: Any, sha: str) -> int:
    """Commits reachable from HEAD but not from SHA; an unknown SHA is an error, never '0 commits'."""
    from dos.errors import GitError
    from dos.git import run_git

    if sha.startswith("-") or not run_git(root, ["rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}"],
                                          check=False).strip():
        raise GitError(f"--start-sha {sha!r} is not a commit in {root}; pass the SHA the run started from")
    return int(run_git(root, ["rev-list", "--count", f"{sha}..HEAD"]).strip() or 0)


def find_lease(store: Any, *, lease_id: str = "", lane: str = "", loop_ts: str = "", run_id: str = ""):
    """The lease a run holds: by id, by lane + loop_ts, or by run id; the view first, then the log."""
    from dos.kernel.lease import Lease, Op

    def match(x: Any) -> bool:
        if lease_id:
            return x.lease_id == lease_id
        if lane and loop_ts:
            return x.lane.casefold() == lane.casefold() and x.loop_ts == loop_ts
        return bool(run_id) and x.run_id == run_id

    if not (lease_id or (lane and loop_ts) or run_id):
        return None
    found = [x for x, _live in store.leases() if match(x)]
    if found:
        return max(found, key=lambda x: x.fence)
    for ev in reversed(store.events(ops=[Op.ACQUIRE])):
        lease = ev.data.get("lease") if isinstance(ev.data, dict) else None
        if isinstance(lease, dict):
            try:
                candidate = Lease.from_dict(lease)
            except (TypeError, ValueError):
                continue
            if match(candidate):
                return candidate
    return None


def lease_events(store: Any) -> list[Any]:
    """The log's progress and beat events (one read, shared by every lease being judged)."""
    from dos.kernel.liveness import BEAT_OPS, PROGRESS_OPS

    return store.events(ops=sorted(PROGRESS_OPS | BEAT_OPS, key=str))


def lease_evidence(events: list[Any], lease: Any, started: int, now: int) -> tuple[int, int | None]:
    """(events since start for this lease only, newest beat age) from the log and the view."""
    from dos.kernel.liveness import lease_activity

    act = lease_activity(events, lease.lease_id, started, now)
    ages = [a for a in (act.last_beat_age_ms, max(0, now - lease.heartbeat_ms)) if a is not None]
    return act.events_since, (min(ages) if ages else None)


def process_alive(pid: int | None, pid_start: int | None, host: str) -> bool | None:
    """False only when the process ran on this host and is confirmed gone; else unknown."""
    from dos import procs

    if not pid:
        return None
    here = procs.host_id()
    return False if procs.holder_dead(pid, pid_start, host or here, here) else None


def run_start(run_id: str) -> int:
    from dos.kernel.runid import ts_ms_of

    started = ts_ms_of(run_id)
    if started is None:
        raise UsageError(f"--run-id {run_id!r} is not a run id (RID- + 15 uppercase base-32 chars); "
                         f"mint one with `dos run-id mint PROCESS`")
    return started


def evidence_for(store: Any, root: Any, *, run_id: str, now: int, start_sha: str = "", lease: Any = None,
                 heartbeat_age: int | None = None, proc: bool = False, pid: int | None = None,
                 host: str = "", log: list[Any] | None = None):
    """ProgressEvidence for RUN_ID: commits since START_SHA, LEASE's events and beats, the probe."""
    from dos.kernel.liveness import ProgressEvidence

    started = run_start(run_id)
    commits = commits_since(root, start_sha) if start_sha else 0
    events, beat = 0, None
    if lease is not None:
        events, beat = lease_evidence(lease_events(store) if log is None else log, lease, started, now)
    if heartbeat_age is not None:
        if heartbeat_age < 0:
            raise UsageError("--last-heartbeat-age-ms must be >= 0")
        beat = heartbeat_age
    alive = None
    if proc:
        if pid is not None:
            alive = process_alive(pid, None, host)
        elif lease is not None:
            alive = process_alive(lease.pid, lease.pid_start, lease.host_id)
    return ProgressEvidence(started, now, commits, events, beat, None, alive)
