"""One run seen whole: the status digest and the trace. Pure assembly of verdicts already reached.

The status digest folds liveness, progress that stands on git (never a self-report: it has
no ``claimed`` field), the region the run's lease holds, and, once the run has stopped,
its resume verdict. The trace joins the run's lineage, its ledger steps (VERIFIED only
when the step stands on git now), the lease events that name it, and its commits.
"""

from __future__ import annotations

from dos.kernel.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping, Sequence

    from dos.kernel.intent import IntentState
    from dos.kernel.resume import ResumeVerdict, StepCheck


class StatusDigest(Record):
    """``liveness``: a liveness verdict. ``verified``: the steps that stand on git. ``resume``: None while live.

    ``stopped_by``: why the run counts as stopped ('' while live): suspended, stalled, writer gone, asked.
    """

    __slots__ = ("run_id", "liveness", "declared", "verified", "region", "resume", "stopped_by")
    _defaults = {"declared": (), "verified": (), "region": (), "resume": None, "stopped_by": ""}

    @property
    def token(self) -> str:
        return self.liveness.token

    @property
    def reason(self) -> str:
        return self.liveness.reason

    @property
    def evidence(self) -> dict[str, Any]:
        return {"liveness": self.liveness.to_dict()["evidence"], "stopped_by": self.stopped_by}

    def progress(self) -> dict[str, Any]:
        return {"declared_count": len(self.declared), "verified_count": len(self.verified),
                "verified_steps": list(self.verified)}

    def to_dict(self) -> dict[str, Any]:
        resume = None
        if self.resume is not None:
            resume = {k: v for k, v in self.resume.to_dict().items()
                      if k not in ("proposed_command", "proposed_now", "steps")}
        return {"schema": 1, "run_id": self.run_id, "liveness": self.liveness.to_dict(), "progress": self.progress(),
                "region": list(self.region), "resume": resume, "stopped_by": self.stopped_by}


class RunEvidence(Record):
    """What ``status`` judges, gathered by the service: the ledger fold, git's facts, the run's lease.

    ``commits``: git's facts by recorded sha; ``commits_since``: commits since the start (0 with none);
    ``region``: the tree of the run's live lease (empty: none); ``events_since``/``beat_age_ms``: that
    lease's progress events and newest beat; ``process_alive``: False only when a probe saw it gone;
    ``writer_gone``: the run's writer process (declared with a pid) is confirmed gone on this host.
    """

    __slots__ = ("run_id", "started_ms", "now_ms", "state", "commits", "commits_since", "region", "events_since",
                 "beat_age_ms", "process_alive", "writer_gone")
    _defaults = {"commits": {}, "commits_since": 0, "region": (), "events_since": 0, "beat_age_ms": None,
                 "process_alive": None, "writer_gone": False}


def status_digest(ev: RunEvidence, *, stopped: bool = False, live: bool = False) -> StatusDigest:
    """The digest of one run: liveness (a dead writer counts as a gone process), the steps that stand on
    git, and once the run is stopped (STOPPED asked, suspended, stalled, or its writer gone) its resume."""
    from dos.kernel.liveness import Liveness, ProgressEvidence, classify
    from dos.kernel.resume import decide_resume, readjudicate, step_done

    state = ev.state
    alive = False if ev.writer_gone and ev.process_alive is None else ev.process_alive
    verdict = classify(ProgressEvidence(ev.started_ms, ev.now_ms, ev.commits_since, ev.events_since,
                                        ev.beat_age_ms, None, alive))
    suspended = state is not None and state.suspended
    why = ("asked" if stopped else "" if live else "suspended" if suspended
           else "stalled" if verdict.verdict == Liveness.STALLED else "writer gone" if ev.writer_gone else "")
    checks = readjudicate(state, ev.commits) if state is not None else {}
    declared = tuple(state.declared) if state is not None else ()
    done = tuple(s for s in declared if step_done(state, s, checks.get(s)))
    resume = decide_resume(ev.run_id, state, ev.commits) if why else None
    return StatusDigest(ev.run_id, verdict, declared, done, tuple(ev.region), resume, why)


def standing_steps(declared: Sequence[str], checks: Mapping[str, StepCheck], done: Sequence[str]) -> tuple[str, ...]:
    """The declared steps (in order) that are done and stand on git now."""
    keep = set(done)
    return tuple(s for s in declared if s in keep and checks.get(s) is not None and checks[s].stands)


def step_rows(state: IntentState, checks: Mapping[str, StepCheck], done: Sequence[str]) -> list[dict[str, Any]]:
    """Each declared step for the trace: VERIFIED (it stands on git now), CLAIMED, or PENDING."""
    rows, done_set = [], set(done)
    for step in state.declared:
        verified = state.verified.get(step) or {}
        check = checks.get(step)
        if step in done_set:
            label = "VERIFIED"
        elif step in state.claims or verified:
            label = "CLAIMED"
        else:
            label = "PENDING"
        rows.append({"step_id": step, "state": label, "claimed_sha": state.claims.get(step, ""),
                     "verified_sha": verified.get("sha", ""), "verified_via": verified.get("via", ""),
                     "stands": bool(check and check.stands), "why": check.why if check else ""})
    return rows


class Trace(Record):
    """One run across every surface; FOUND when any surface knows the run."""

    __slots__ = ("run_id", "spine", "intent", "wal", "git")

    @property
    def found(self) -> bool:
        return bool(self.intent.get("has_intent") or self.intent.get("records") or self.wal.get("lease_events")
                    or self.spine.get("descendants"))

    @property
    def token(self) -> str:
        return "FOUND" if self.found else "NOT_FOUND"

    @property
    def reason(self) -> str:
        if not self.found:
            return f"no surface knows run {self.run_id} (no intent ledger, no lease event that names it)"
        steps = self.intent.get("steps") or []
        ok = sum(1 for s in steps if s["state"] == "VERIFIED")
        return (f"run {self.run_id}: {ok}/{len(steps)} step(s) stand on git, "
                f"{len(self.wal.get('lease_events') or [])} lease event(s), {len(self.git.get('commits') or [])} "
                f"commit(s) since its start")

    @property
    def evidence(self) -> dict[str, Any]:
        return {"steps": len(self.intent.get("steps") or []), "lease_events": len(self.wal.get("lease_events") or [])}

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "found": self.found, "verdict": self.token, "reason": self.reason,
                "spine": dict(self.spine), "intent": dict(self.intent), "wal": dict(self.wal), "git": dict(self.git)}


def intent_section(state: IntentState | None, rows: list[dict[str, Any]], resume: ResumeVerdict | None) -> dict[str, Any]:
    if state is None:
        return {"has_intent": False, "goal": "", "plan": "", "phase": "", "start_sha": "", "steps": [],
                "residual": [], "corrupt_ledger_lines": 0, "unreadable_newer": False, "records": 0}
    return {"has_intent": state.has_intent, "goal": state.goal, "plan": state.plan, "phase": state.phase,
            "start_sha": state.start_sha, "steps": rows,
            "residual": list(resume.residual) if resume is not None else [],
            "suspended": state.suspended, "corrupt_ledger_lines": state.corrupt,
            "unreadable_newer": state.unreadable_newer, "records": state.records + state.unknown + state.malformed}
