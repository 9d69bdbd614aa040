"""The one module that runs git. Everything else asks it for evidence.

Each call runs git with a fixed, locale-free environment and maps failures to
``GitError`` with a one-line message.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Sequence

from dos.errors import GitError

_ENV_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
    env.update(LC_ALL="C", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    return env


def run_git(root: Path, args: Sequence[str], *, check: bool = True, timeout: float | None = None) -> str:
    """Run ``git -C ROOT ARGS`` and return stdout (decoded UTF-8, invalid bytes replaced)."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True, env=git_env(), timeout=timeout, check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} timed out after {timeout}s") from None
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {msg[-1] if msg else f'exit {proc.returncode}'}")
    return proc.stdout.decode("utf-8", "replace")


def find_git_top(start: Path) -> Path | None:
    """The nearest ancestor of START holding ``.git``, without running git."""
    start = start.resolve()
    for parent in (start, *start.parents):
        if (parent / ".git").exists():
            return parent
    return None


def is_repo(root: Path) -> bool:
    """True if ROOT is inside a git work tree."""
    try:
        return run_git(root, ["rev-parse", "--is-inside-work-tree"], check=False).strip() == "true"
    except GitError:
        return False


def head_sha(root: Path) -> str | None:
    """The commit HEAD points at, or None in an empty or non-git directory."""
    out = run_git(root, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], check=False).strip()
    return out or None


def resolve_ref(root: Path, ref: str) -> str:
    """The full sha REF names; GitError if it names no commit."""
    out = run_git(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
                  check=False).strip()
    if not out:
        raise GitError(f"ref {ref!r} does not name a commit in {root}")
    return out
