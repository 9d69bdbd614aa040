"""The one module that runs git. Everything else asks it for evidence.

Each call runs git with a fixed, locale-free environment and maps failures to
``GitError`` with a one-line message.
"""

from __future__ import annotations

import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

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


# --------------------------------------------------------------------------- history streaming

_LOG_FORMAT = "%H%x00%s%x00%b%x1e"
_CHUNK = 1 << 16


def iter_log(root: Path, ref: str = "HEAD", *, paths: Sequence[str] = (), timeout: float | None = None,
             extra: Sequence[str] = (), keep: Any = None) -> Iterator[tuple[str, str, str]]:
    """Yield ``(sha, subject, body)`` newest first from one streaming ``git log`` process.

    Only one chunk of output is held at a time, so memory stays flat in history length.
    With KEEP (an object whose ``hits(lowercased_bytes)`` gives offsets), only records
    holding a hit are parsed and yielded; the rest are skipped at C speed.
    Closing the generator early kills git. TIMEOUT bounds the whole walk (GitError).
    """
    args = ["log", f"--format={_LOG_FORMAT}", *extra, "--end-of-options", ref]
    if paths:
        args += ["--", *paths]
    for rec in stream_records(root, args, timeout=timeout, keep=keep):
        sha, subject, body = rec.lstrip(b"\n").split(b"\x00", 2)
        yield (sha.decode("ascii", "replace"), subject.decode("utf-8", "replace"),
               body.decode("utf-8", "replace"))


def iter_headed(root: Path, args: Sequence[str], *, timeout: float | None = None) -> Iterator[tuple[str, str, str]]:
    """``(sha, subject, rest)`` per commit of a ``--format=%x1e%h%x00%s`` log; REST is what git
    printed after the header line (``--name-only`` or ``--numstat`` output)."""
    for rec in stream_records(root, args, timeout=timeout):
        text = rec.decode("utf-8", "replace").strip("\n")
        if not text:
            continue
        head, _, rest = text.partition("\n")
        sha, _, subject = head.partition("\x00")
        yield sha, subject, rest


def stream_records(root: Path, args: Sequence[str], *, timeout: float | None = None,
                   keep: Any = None) -> Iterator[bytes]:
    """Run ``git ARGS`` and yield its output split on 0x1E, one chunk in memory at a time.

    A non-blank tail after the last separator is yielded too. GitError if git fails.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        # GIT_FLUSH=0: git otherwise flushes after every record on a pipe (one write per commit).
        proc = subprocess.Popen(["git", "-C", str(root), *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env={**git_env(), "GIT_FLUSH": "0"})
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    pending = b""
    try:
        while True:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([fd], [], [], left)[0]:
                    raise GitError(f"git {args[0]} timed out after {timeout}s")
            chunk = os.read(fd, _CHUNK)
            if not chunk:
                break
            pending += chunk
            cut = pending.rfind(b"\x1e") + 1
            if not cut:
                continue
            region, pending = pending[:cut], pending[cut:]
            yield from _records(region, keep)
        if proc.wait() != 0:
            err = proc.stderr.read().decode("utf-8", "replace").strip().splitlines() if proc.stderr else []
            raise GitError(f"git {args[0]} failed: {err[-1] if err else f'exit {proc.returncode}'}")
        if pending.strip() and (keep is None or keep.hits(pending.lower())):
            yield pending
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()


def _records(region: bytes, keep: Any) -> list[bytes]:
    """The complete records in REGION; with KEEP only those holding one of its hits, in order."""
    if keep is None:
        return region.split(b"\x1e")[:-1]
    out: list[bytes] = []
    last = -1
    for pos in keep.hits(region.lower()):
        start = region.rfind(b"\x1e", 0, pos) + 1
        if start <= last:
            continue
        out.append(region[start:region.find(b"\x1e", pos)])
        last = start
    return out


def touched_files(root: Path, sha: str, *, timeout: float | None = None) -> tuple[str, ...] | None:
    """The paths commit SHA changed (no rename detection), or None if git cannot tell."""
    try:
        out = run_git(root, ["show", "--name-only", "--no-renames", "--format=", "--end-of-options", sha],
                      check=True, timeout=timeout)
    except GitError:
        return None
    return tuple(line for line in out.splitlines() if line.strip())


def is_ancestor(root: Path, sha: str, ref: str, *, timeout: float | None = None) -> bool:
    """True when SHA names an existing commit that is REF or one of its ancestors."""
    if not sha or sha.startswith("-"):
        return False
    try:
        full = resolve_ref(root, sha)
        done = subprocess.run(["git", "-C", str(root), "merge-base", "--is-ancestor", full, ref],
                              capture_output=True, env=git_env(), timeout=timeout, check=False)
    except (GitError, OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
