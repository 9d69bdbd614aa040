"""Step re-adjudication, the resume and completion verdicts, and convergence. Pure.

A step stands only on git: its commit is HEAD or an ancestor of it, the commit changed
at least one file, and (when the step declared a region) one of those files lies in the
region, judged by the lane tree algebra. An agent's STEP_CLAIMED is never evidence, and a
STEP_VERIFIED record counts only if its sha stands again when the verdict is read.
"""

from __future__ import annotations

from dos.kernel.intent import TRUSTED_VIA, IntentState, residual_label
from dos.kernel.record import Choice, Record
from dos.kernel.tree import PathEscapesWorkspace, tree_contains

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping, Sequence

MIN_PREFIX = 7  # an abbreviated sha matches only with at least this many hex digits


class Commit(Record):
    """What git says about one recorded sha: its full name ('' if it names no commit), ancestry, footprint."""

    __slots__ = ("sha", "full", "ancestor", "footprint")
    _defaults = {"full": "", "ancestor": False, "footprint": ()}


class StepCheck(Record):
    """One step re-adjudicated: does SHA stand for it, and why (or why not)."""

    __slots__ = ("step_id", "sha", "stands", "why", "footprint", "region")
    _defaults = {"footprint": (), "region": ()}

    def to_dict(self) -> dict[str, Any]:
        return {"step_id": self.step_id, "sha": self.sha, "stands": self.stands, "why": self.why,
                "footprint": list(self.footprint), "region": list(self.region)}


def is_hex_sha(text: str) -> bool:
    """Only hex digits, at least MIN_PREFIX of them: the only sha shape a recorded step may name."""
    return isinstance(text, str) and MIN_PREFIX <= len(text) <= 64 and all(c in "0123456789abcdefABCDEF" for c in text)


def check_step(step_id: str, sha: str, region: Sequence[str], commit: Commit | None) -> StepCheck:
    """Does SHA (from COMMIT, git's facts about it) stand for STEP_ID in REGION (empty: no region declared)?"""
    region = tuple(g for g in region if g and g.strip())
    if not sha:
        return StepCheck(step_id, sha, False, "no commit named", region=region)
    if commit is None or not commit.full:
        return StepCheck(step_id, sha, False, f"{sha[:12]} names no commit in this repository", region=region)
    if not commit.ancestor:
        return StepCheck(step_id, commit.full, False, f"{commit.full[:12]} is not an ancestor of HEAD",
                         region=region)
    if not commit.footprint:
        return StepCheck(step_id, commit.full, False, f"{commit.full[:12]} changed no file (an empty commit)",
                         region=region)
    try:
        inside = not region or any(tree_contains(region, path) for path in commit.footprint)
    except PathEscapesWorkspace:
        return StepCheck(step_id, commit.full, False, f"the step's region ({', '.join(region)}) leaves the "
                         f"workspace; it cannot be judged", commit.footprint, region)
    if not inside:
        return StepCheck(step_id, commit.full, False, f"{commit.full[:12]} changed nothing in the step's region "
                         f"({', '.join(region)})", commit.footprint, region)
    return StepCheck(step_id, commit.full, True, f"{commit.full[:12]} is in HEAD's history and changed "
                     f"{len(commit.footprint)} file(s)" + (" in the step's region" if region else ""),
                     commit.footprint, region)


def candidate_shas(state: IntentState) -> list[str]:
    """Every sha the ledger names (start, claims, verifications) that git should be asked about."""
    out = [state.start_sha, *state.claims.values(), *(v.get("sha", "") for v in state.verified.values()),
           state.suspend.get("resume_sha", "")]
    return [s for s in dict.fromkeys(out) if is_hex_sha(s)]


def readjudicate(state: IntentState, commits: Mapping[str, Commit]) -> dict[str, StepCheck]:
    """Each declared step checked against git with its STEP_VERIFIED sha (else its claimed sha)."""
    out = {}
    for step in state.declared:
        verified = state.verified.get(step)
        sha = verified.get("sha", "") if verified else state.claims.get(step, "")
        out[step] = check_step(step, sha, state.region_of(step), commits.get(sha))
    return out


def step_done(state: IntentState, step: str, check: StepCheck | None) -> bool:
    """Done: a STEP_VERIFIED on a trusted rung whose sha stands again now."""
    verified = state.verified.get(step)
    return bool(verified and verified.get("via") in TRUSTED_VIA and check is not None and check.stands)


# --------------------------------------------------------------------------- resume


class Resume(Choice, values=("RESUMABLE", "COMPLETE", "DIVERGED", "UNRESUMABLE")):
    """The resume verdict's tokens."""


class ResumeVerdict(Record):
    """Where a stopped run re-enters (``resume_sha``) and what is left to do (``residual``)."""

    __slots__ = ("verdict", "reason", "run_id", "resume_sha", "residual", "verified", "predecessor_run_id",
                 "already_proposed", "proposed_now", "checks", "claimed_unverified")
    _defaults = {"resume_sha": "", "residual": (), "verified": (), "predecessor_run_id": "",
                 "already_proposed": False, "proposed_now": False, "checks": (), "claimed_unverified": 0}

    @property
    def token(self) -> str:
        return str(self.verdict)

    @property
    def evidence(self) -> dict[str, Any]:
        return {"steps": [c.to_dict() for c in self.checks]}

    @property
    def proposed_command(self) -> str:
        at = self.resume_sha[:12] if self.resume_sha else "(start)"
        return f"dos loop dispatch --resume {self.run_id}  # re-enter at {at}, do: {', '.join(self.residual)}"

    def to_dict(self) -> dict[str, Any]:
        d = {"verdict": str(self.verdict), "reason": self.reason, "run_id": self.run_id,
             "resume_sha": self.resume_sha, "residual": list(self.residual), "verified": list(self.verified),
             "predecessor_run_id": self.predecessor_run_id, "already_proposed": self.already_proposed,
             "proposed_now": self.proposed_now, "steps": [c.to_dict() for c in self.checks]}
        if self.verdict in (Resume.RESUMABLE, Resume.DIVERGED) and self.residual:
            d["proposed_command"] = self.proposed_command
        return d


def decide_resume(run_id: str, state: IntentState | None, commits: Mapping[str, Commit], *,
                  diverged: bool = False) -> ResumeVerdict:
    """Re-adjudicate a run's ledger against git and say where it re-enters.

    COMMITS: git's facts for every sha ``candidate_shas`` named. DIVERGED is the operator's
    assertion that the lane moved past the resume point.
    """
    if state is None:
        return ResumeVerdict(Resume.UNRESUMABLE, f"no intent ledger for run {run_id!r} in this store — nothing "
                             f"to resume", run_id)
    if state.unreadable_newer:
        return ResumeVerdict(Resume.UNRESUMABLE, "the ledger holds a record of a newer schema than this dos "
                             "reads; refusing to guess a residual from it (upgrade dos)", run_id)
    if not state.has_intent:
        return ResumeVerdict(Resume.UNRESUMABLE, "the ledger has no INTENT: the run declared no goal, so there "
                             "is no residual to ground — nothing to resume", run_id)
    start = commits.get(state.start_sha)
    safe_start = start.full if start is not None and start.full and start.ancestor else ""
    proposed = state.proposed
    if not state.declared:
        residual = (residual_label(state),)
        token = Resume.DIVERGED if diverged else Resume.RESUMABLE
        why = ("no declared steps: re-enter from the run's start with the whole goal as the residual"
               + ("" if safe_start else " (its start sha is not in HEAD's history)")
               + ("; the operator says the lane moved past it" if diverged else ""))
        return ResumeVerdict(token, why, run_id, safe_start, residual, (), run_id,
                             _proposed(proposed, safe_start, residual))
    checks = readjudicate(state, commits)
    prefix: list[str] = []
    for step in state.declared:
        if not step_done(state, step, checks[step]):
            break
        prefix.append(step)
    residual = tuple(s for s in state.declared if s not in prefix)
    resume_sha = checks[prefix[-1]].sha if prefix else safe_start
    said = sum(1 for s in residual if s in state.claims or s in state.verified)
    n, all_checks = len(state.declared), tuple(checks.values())
    if not residual:
        return ResumeVerdict(Resume.COMPLETE, f"all {n} declared step(s) stand on git — nothing to resume",
                             run_id, resume_sha, (), tuple(prefix), run_id, checks=all_checks)
    at = resume_sha[:12] if resume_sha else "the start (its start sha is not in HEAD's history)"
    why = (f"re-verified {len(prefix)}/{n} step(s) against git; resume from {at} with {len(residual)} residual "
           f"step(s)" + (f" ({said} claimed but not standing on git — redo them)" if said else ""))
    token = Resume.RESUMABLE
    if diverged:
        token, why = Resume.DIVERGED, why + "; the operator says the lane moved past the resume point"
    return ResumeVerdict(token, why, run_id, resume_sha, residual, tuple(prefix), run_id,
                         _proposed(proposed, resume_sha, residual), checks=all_checks, claimed_unverified=said)


def _proposed(proposed: Mapping[str, Any], sha: str, residual: Sequence[str]) -> bool:
    """Was this very continuation (same re-entry, same residual) proposed already?"""
    return bool(proposed) and proposed.get("resume_sha") == sha and list(proposed.get("residual") or ()) == list(residual)


def reachability(verdict: ResumeVerdict) -> str:
    """REACHABLE (a continuation may still use the run's ledger) or COLLECTIBLE."""
    return "REACHABLE" if verdict.verdict in (Resume.RESUMABLE, Resume.DIVERGED) else "COLLECTIBLE"


# --------------------------------------------------------------------------- completion


class Completion(Choice, values=("COMPLETE", "INCOMPLETE", "INDETERMINATE", "UNDERDECLARED")):
    """The completion verdict's tokens."""


class CompletionVerdict(Record):
    """Is the whole declared job verifiably done?"""

    __slots__ = ("state", "reason", "run_id", "residual", "verified", "declared")

    @property
    def token(self) -> str:
        return str(self.state)

    @property
    def evidence(self) -> dict[str, Any]:
        return {"declared": list(self.declared), "verified": list(self.verified)}

    @property
    def is_done(self) -> bool:
        return self.state == Completion.COMPLETE

    @property
    def fraction_done(self) -> float | None:
        return round(len(self.verified) / len(self.declared), 4) if self.declared else None

    def to_dict(self) -> dict[str, Any]:
        d = {"state": str(self.state), "reason": self.reason, "run_id": self.run_id, "residual": list(self.residual),
             "verified": list(self.verified), "declared": list(self.declared), "is_done": self.is_done}
        if self.declared:
            d["fraction_done"] = self.fraction_done
        return d


def decide_completion(resume: ResumeVerdict, state: IntentState | None, *, extent_honest: bool | None = None,
                      diverged: bool = False) -> CompletionVerdict:
    """The resume verdict asked forward: COMPLETE, INCOMPLETE, or INDETERMINATE when the ledger cannot say.

    EXTENT_HONEST False (a scope source says the run declared less than its job) turns COMPLETE
    into UNDERDECLARED.
    """
    rid = resume.run_id
    if resume.verdict == Resume.UNRESUMABLE or state is None:
        return CompletionVerdict(Completion.INDETERMINATE, f"cannot judge completion: {resume.reason}", rid,
                                 (), (), ())
    declared = tuple(state.declared) or (residual_label(state),)
    n, k = len(declared), len(resume.verified)
    if resume.verdict == Resume.COMPLETE:
        if extent_honest is False:
            return CompletionVerdict(Completion.UNDERDECLARED, f"all {n} declared unit(s) stand, but the declared "
                                     f"extent is smaller than the job", rid, (), resume.verified, declared)
        return CompletionVerdict(Completion.COMPLETE, f"all {n} declared unit(s) stand on git — the residual is "
                                 f"empty; the declared job is done", rid, (), resume.verified, declared)
    moved = "; the operator says the lane moved past the resume point" if diverged else ""
    return CompletionVerdict(Completion.INCOMPLETE, f"{k}/{n} declared unit(s) stand on git; {len(resume.residual)} "
                             f"remain: {', '.join(resume.residual)}{moved}", rid, resume.residual, resume.verified,
                             declared)


# --------------------------------------------------------------------------- convergence


class Convergence(Choice, values=("CONVERGING", "THRASHING", "STARVED", "INSUFFICIENT")):
    """Is the residual shrinking across rounds?"""


class ConvergenceVerdict(Record):
    __slots__ = ("verdict", "reason", "history")

    @property
    def token(self) -> str:
        return str(self.verdict)

    @property
    def evidence(self) -> list[int]:
        return list(self.history)

    @property
    def should_surface(self) -> bool:
        return self.verdict in (Convergence.THRASHING, Convergence.STARVED)

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": str(self.verdict), "reason": self.reason, "history": list(self.history),
                "should_surface": self.should_surface}


def convergence(history: Sequence[int], *, window: int = 4, max_nonconverging: int = 3) -> ConvergenceVerdict:
    """Residual sizes round by round (oldest first): converging, thrashing (it grew back) or starved (stuck)."""
    h = tuple(int(x) for x in history)
    if len(h) < 2:
        return ConvergenceVerdict(Convergence.INSUFFICIENT, f"{len(h)} round(s): too few to judge", h)
    if h[-1] == 0:
        return ConvergenceVerdict(Convergence.CONVERGING, "the residual is empty", h)
    recent = h[-window:]
    if len(set(recent)) == 1:
        return ConvergenceVerdict(Convergence.STARVED, f"the residual stayed at {recent[-1]} for {len(recent)} "
                                  f"round(s)", h)
    last = h[-(max_nonconverging + 1):]
    grew = any(b > a for a, b in zip(last, last[1:]))
    if grew and last[-1] >= min(last[:-1]):
        return ConvergenceVerdict(Convergence.THRASHING, f"the residual grew back within the last {len(last)} "
                                  f"round(s) ({', '.join(map(str, last))})", h)
    return ConvergenceVerdict(Convergence.CONVERGING, f"the residual is shrinking ({', '.join(map(str, last))})", h)


def open_steps_verdict(run_id: str, residual: Sequence[str], *, stop_hook_active: bool, blocks: int, cap: int):
    """May a session stop while run RUN_ID still has declared steps that do not stand? At most CAP refusals in a row."""
    from dos.kernel.enforce import ALLOW, Verdict

    if not residual:
        return ALLOW
    steps = ", ".join(residual)
    if cap <= 0 or (stop_hook_active and blocks >= cap):
        return Verdict("allow", "CAP_REACHED", reason=(
            f"DOS: letting the session stop after {blocks} refusal(s) in a row ([hooks] stop_block_cap = {cap}); "
            f"run {run_id} still has declared step(s) that do not stand on git: {steps}."))
    return Verdict("deny", "UNVERIFIED_STEPS", reason=(
        f"DOS: run {run_id} declared step(s) that do not stand on git yet: {steps}. Commit each step's work inside "
        f"its region and `dos intent claim --run-id {run_id} STEP`, or park the run with `dos intent suspend`, "
        "before stopping."))
