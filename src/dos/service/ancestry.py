"""Git's facts about the shas a ledger names, in as few git processes as possible.

One ``git rev-list HEAD ^START`` answers both "how many commits since the run started"
and, for every sha after the start, "is it in HEAD's history"; one ``git log --no-walk``
resolves every sha to a commit and lists the files each changed (a merge: against its
first parent). Only a sha from before the start costs a ``merge-base`` of its own. A sha
that is not hex-shaped is never handed to git.
"""

from __future__ import annotations

from dos.errors import GitError
from dos.git import collect, run_git, start_git
from dos.kernel.resume import MIN_PREFIX, Commit, is_hex_sha

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Iterable


class Facts:
    """Commits by the sha the ledger recorded, and the commits since the run's start (None: no usable start)."""

    __slots__ = ("commits", "since")

    def __init__(self, commits: dict[str, Commit], since: list[str] | None) -> None:
        self.commits, self.since = commits, since

    @property
    def commits_since_start(self) -> int:
        return len(self.since or ())


def head(root: Path) -> str:
    """HEAD's full sha ('' in an empty repository or outside git)."""
    try:
        return run_git(root, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], check=False).strip()
    except GitError:
        return ""


def resolve(root: Path, ref: str) -> str:
    """The full sha REF names, or '' (REF is agent text: anything that is not a sha or a plain ref is refused)."""
    ref = (ref or "").strip()
    if not ref or ref.startswith("-") or any(c.isspace() or ord(c) < 32 for c in ref):
        return ""
    try:
        return run_git(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
                       check=False).strip()
    except GitError:
        return ""


def footprints(root: Path, shas: Iterable[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """sha (as given) -> (full sha, files it changed), for each hex sha that names a commit."""
    wanted = [s for s in dict.fromkeys(shas) if is_hex_sha(s)]
    if not wanted:
        return {}
    try:
        out = run_git(root, ["log", "--no-walk=unsorted", "--ignore-missing", "--format=%x1e%H", "--name-only",
                             "--no-renames", "-m", "--first-parent", "--end-of-options", *wanted], check=False)
    except GitError:
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for chunk in out.split("\x1e")[1:]:
        lines = chunk.split("\n")
        full = lines[0].strip().lower()
        if len(full) >= 40:
            found[full] = tuple(p for p in lines[1:] if p.strip())
    result = {}
    for sha in wanted:
        low = sha.lower()
        matches = [f for f in found if f.startswith(low)] if len(low) >= MIN_PREFIX else []
        if len(matches) == 1:
            result[sha] = (matches[0], found[matches[0]])
    return result


def _since_args(start: str) -> list[str]:
    return ["rev-list", "--boundary", "HEAD", "--not", start, "--"]


def since(root: Path, start: str, *, started: Any = None) -> tuple[list[str], bool] | None:
    """(full shas reachable from HEAD but not from START, newest first; is START itself in HEAD's history).

    None when git cannot walk from START. START is a boundary of the walk exactly when it is an
    ancestor of HEAD other than HEAD; with nothing since it, it is in HEAD's history only as HEAD.
    STARTED: that very ``rev-list`` already started (``git.start_git``), to collect here.
    """
    if not start:
        if started is not None:
            started.close()
        return None
    try:
        out = collect(started if started is not None else start_git(root, _since_args(start)))
    except GitError:
        return None
    lines = [x.strip() for x in out.splitlines() if x.strip()]
    included = [x for x in lines if not x.startswith("-")]
    if included:
        return included, start in {x[1:] for x in lines if x.startswith("-")}
    return [], head(root) == start


def gather(root: Path, shas: Iterable[str], start: str = "") -> Facts:
    """Git's facts about SHAS (and the commits since START), as of HEAD now."""
    from dos.git import is_ancestor

    wanted = [s for s in dict.fromkeys([*shas, start]) if s and is_hex_sha(s)]
    early = None
    if len(start) == 40 and is_hex_sha(start):  # the walk needs no lookup first: it runs beside the log
        try:
            early = start_git(root, _since_args(start.lower()))
        except GitError:
            early = None
    try:
        printed = footprints(root, wanted)
    except BaseException:
        if early is not None:
            early.close()
        raise
    start_full = printed.get(start, ("", ()))[0] if start else ""
    if early is not None and start_full != start.lower():
        early.close()
        early = None
    walked = since(root, start_full, started=early) if start_full else None
    reach, start_in = walked if walked is not None else (None, False)
    in_reach = set(reach or ())
    commits = {}
    for sha in wanted:
        if sha not in printed:
            commits[sha] = Commit(sha)
            continue
        full, files = printed[sha]
        if full in in_reach:
            ancestor = True
        elif full == start_full and walked is not None:
            ancestor = start_in
        else:
            ancestor = is_ancestor(root, full, "HEAD")
        commits[sha] = Commit(sha, full, ancestor, files)
    return Facts(commits, reach)
