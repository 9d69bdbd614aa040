"""commit-audit's shell: reads subjects and numstat from git, asks the kernel per commit."""

from __future__ import annotations

from pathlib import Path

from dos import git
from dos.errors import GitError
from dos.kernel.commit_audit import AuditVerdict, Sweep, audit_commit, parse_numstat

__all__ = ["audit", "Sweep"]


def audit(root: Path, ref: str = "HEAD", *, docs_ok: bool = False,
          timeout: float | None = None) -> list[AuditVerdict]:
    """Audit REF (one commit) or every commit in a range ``A..B`` (newest first, no cap).

    GitError when the ref or either end of the range cannot be read.
    """
    if ".." in ref:
        for end in (e for e in ref.replace("...", "..").split("..") if e):
            git.resolve_ref(root, end)
        spec = ["--end-of-options", ref]
    else:
        spec = ["-1", "--end-of-options", git.resolve_ref(root, ref)]
    args = ["log", "--no-renames", "--numstat", "--format=%x1e%h%x00%s", *spec]
    out: list[AuditVerdict] = []
    for sha, subject, rest in git.iter_headed(root, args, timeout=timeout):
        out.append(audit_commit(sha, subject, parse_numstat(rest.splitlines()), docs_ok=docs_ok))
    return out


def describe_unreadable(root: Path, ref: str) -> str:
    kind = "range" if ".." in ref else "ref"
    return f"commit-audit: cannot read {kind} '{ref}' in {root} (not a git repo, or bad ref)"


def safe_audit(root: Path, ref: str, **kw) -> list[AuditVerdict]:
    """``audit`` with a one-line GitError naming the ref and the workspace."""
    try:
        return audit(root, ref, **kw)
    except GitError:
        raise GitError(describe_unreadable(root, ref)) from None
