"""The truth shell: gathers git evidence and asks the kernel for the verdict.

``verify`` runs the ladder: registry rows proven by git ancestry, then the stamp grammar
over one streaming ``git log`` (stopping at the first decisive stamp; weak text mentions
checked against the plan body), then the files a plan doc names for the phase. An open
soak holds any ship. ``interpret`` turns a verdict into a next-action hint.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from dos import git
from dos.config import Config
from dos.kernel.stamp import Convention, StampMatcher
from dos.kernel.verify import Commit, GrepScan, ShipVerdict, interpret, not_shipped
from dos.service.context import Context

__all__ = ["verify", "interpret", "commit_audit", "ShipVerdict", "state_path"]

DEFAULT_STATE = "dos.state.yaml"


class Budget:
    """One deadline shared by every git call a verdict makes (None: no limit)."""

    def __init__(self, timeout: float | None) -> None:
        self.deadline = None if timeout is None else time.monotonic() + timeout

    def left(self) -> float | None:
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise git.GitError("verify timed out before git answered")
        return left


def state_path(root: Path, cfg: Config) -> Path:
    return root / (cfg.paths.execution_state or DEFAULT_STATE)


def verify(ctx: Context, plan: str, phase: str, *, ref: str | None = None,
           timeout: float | None = None, journal: bool = True) -> ShipVerdict:
    """Did PLAN PHASE ship in the workspace's history at REF (default HEAD)? Never raises for a non-repo.

    The verdict is journaled unless JOURNAL is false (a screen re-rendering the same rows).
    """
    verdict = _verify(ctx, plan, phase, ref=ref, timeout=timeout)
    if journal:
        from dos.service.journal import record

        record(ctx, "verify", verdict, subject=f"{verdict.plan}::{verdict.phase}", detail={"ref": ref or "HEAD"})
    return verdict


def _verify(ctx: Context, plan: str, phase: str, *, ref: str | None, timeout: float | None) -> ShipVerdict:
    root, cfg = ctx.root, ctx.config
    plan, phase = plan.strip(), phase.strip()
    if not plan or not phase:
        return not_shipped(plan, phase, summary="an empty PLAN or PHASE names nothing that could have shipped")
    target = git.resolve_ref(root, ref) if ref else "HEAD"
    budget = Budget(timeout)
    hit = _registry_rung(root, cfg, plan, phase, target, budget)
    if hit is not None:
        return _soak_demotion(root, cfg, hit)
    try:
        verdict = _grep_rung(root, cfg, plan, phase, target, budget)
    except git.GitError:
        if ref or git.head_sha(root) is not None:
            raise
        return not_shipped(plan, phase)  # not a repository, or no commits yet
    if verdict.shipped:
        from dos.service.artifacts import plan_body_check

        verdict = plan_body_check(root, cfg, verdict)
        if verdict.shipped:
            return _soak_demotion(root, cfg, verdict)
        return verdict
    if verdict.source == "reverted":
        return verdict
    from dos.service.artifacts import artifact_rung

    found = artifact_rung(root, cfg, plan, phase, target, timeout=budget.left())
    return _soak_demotion(root, cfg, found) if found is not None else verdict


def _registry_rung(root: Path, cfg: Config, plan: str, phase: str, target: str,
                   budget: "Budget") -> ShipVerdict | None:
    """A ``done`` registry row counts only if its commit exists and is an ancestor of TARGET."""
    from dos.kernel.registry import registry_candidates
    from dos.service.registry import completed_rows

    path = state_path(root, cfg)
    if not path.exists():
        return None
    expected = None
    for row in registry_candidates(completed_rows(path), plan, phase):
        if row.doc_path.strip():
            if expected is None:
                expected = _expected_doc(root, cfg, plan)
            if expected and not _same_doc(row.doc_path, expected):
                continue  # a row for a same-named phase of another plan doc
        if git.is_ancestor(root, row.commit_sha.strip(), target, timeout=budget.left()):
            return ShipVerdict(plan, phase, True, "registry", row.commit_sha.strip()[:12],
                               f"registry row {row.plan} {row.phase} done at {row.commit_sha.strip()[:12]}")
    return None


SOAK_INDEX = ".dos/soaks/index.yaml"


def _soak_demotion(root: Path, cfg: Config, v: ShipVerdict) -> ShipVerdict:
    """A ship whose soak is still in progress is not shipped yet (sha and rung kept)."""
    rel = cfg.paths.soaks_index or SOAK_INDEX
    path = root / rel
    if not path.exists():
        return v
    from dos.service.registry import open_soak

    soak = open_soak(path, v.plan, v.phase)
    if not soak:
        return v
    return not_shipped(v.plan, v.phase, sha=v.sha, rung=v.rung,
                       summary=f"{v.summary} [demoted: soak {soak} is still in_progress in {rel}]")


def _expected_doc(root: Path, cfg: Config, plan: str) -> str:
    """The plan doc whose ``id:`` is PLAN ('' if none), for the registry collision guard."""
    from dos.kernel.plans import id_map
    from dos.service.artifacts import plan_docs

    ids = id_map(plan_docs(root, cfg))
    return ids.get(plan) or ids.get(plan.upper()) or ""


def _same_doc(a: str, b: str) -> bool:
    na, nb = (p.strip().replace("\\", "/").lstrip("./") for p in (a, b))
    return na == nb or na.rsplit("/", 1)[-1] == nb.rsplit("/", 1)[-1]


def _grep_rung(root: Path, cfg: Config, plan: str, phase: str, target: str,
               budget: "Budget") -> ShipVerdict:
    matcher = StampMatcher(plan, phase, Convention.of(cfg.stamp))
    scan = GrepScan(plan, phase, matcher)
    log = git.iter_log(root, target, timeout=budget.left(), keep=matcher.prefilter())
    try:
        for sha, subject, body in log:
            cand = scan.feed(Commit(sha, subject, body))
            if cand is not None:
                scan.settle(cand, git.touched_files(root, sha, timeout=budget.left()))
                if scan.done:
                    break
    finally:
        log.close()
    return scan.verdict()


def commit_audit(ctx: Context, ref: str = "HEAD", *, docs_ok: bool = False,
                 timeout: float | None = None) -> Any:
    """Audit REF: one commit's AuditVerdict, or for a range ``A..B`` a Sweep (``.verdicts``, ``.to_dict()``).

    GitError (exit 2) when the ref or range cannot be read.
    """
    from dos.kernel.commit_audit import Sweep
    from dos.service.audit import safe_audit

    from dos.service.journal import record

    verdicts = safe_audit(ctx.root, ref, docs_ok=docs_ok, timeout=timeout)
    result = Sweep(tuple(verdicts)) if ".." in ref else verdicts[0]
    record(ctx, "commit-audit", result, subject=ref)
    return result
