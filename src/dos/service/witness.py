"""test-witness: run a test command on the base tree and on the candidate, in throwaway worktrees.

The candidate is HEAD (or ``head``); the baseline is ``base`` with the candidate's test
files laid over it, so the new test meets the old code. Both run detached from this
checkout (uncommitted changes play no part) in worktrees under a temporary directory
that are removed afterwards, also on an error, Ctrl-C or SIGTERM. The command is split
like a shell would (no shell runs it) and killed with its whole process group on a
timeout or interrupt.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from dos import exitcodes, git
from dos.errors import GitError, UsageError
from dos.kernel.witness import (
    AGENT_AUTHORED,
    OS_RECORDED,
    Outcome,
    RunRecord,
    WitnessEvidence,
    WitnessVerdict,
    classify,
    is_pytest,
    looks_like_test,
    outcome_of,
)
from dos.service import journal
from dos.service.context import Context

TAIL_LINES = 20
_ENV_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX")


class ProgramNotFound(UsageError):
    """The test command's program does not exist."""

    exit_code = exitcodes.NOT_FOUND


def asserted(ctx: Context | None, baseline: str, candidate: str, *, forgeable: bool = False) -> WitnessVerdict:
    """The reference's mode: the caller states both outcomes (``forgeable``: the agent's own account)."""
    try:
        ev = WitnessEvidence(Outcome.parse(baseline), Outcome.parse(candidate),
                             AGENT_AUTHORED if forgeable else OS_RECORDED)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    verdict = classify(ev)
    journal.record(ctx, "test-witness", verdict, subject="asserted")
    return verdict


def run(ctx: Context, cmd: str, *, base: str = "HEAD~1", head: str = "HEAD", tests: Sequence[str] | None = None,
        timeout: float | None = None) -> WitnessVerdict:
    """Run CMD on HEAD and on BASE (with HEAD's test files laid over it) and judge red-to-green."""
    try:
        argv = shlex.split(cmd)
    except ValueError as exc:
        raise UsageError(f"--cmd {cmd!r} cannot be split into words: {exc}") from None
    if not argv:
        raise UsageError("--cmd is empty: give the test command, e.g. --cmd 'pytest -q tests/test_x.py'")
    root = ctx.root
    top = Path(git.run_git(root, ["rev-parse", "--show-toplevel"]).strip())
    prefix = git.run_git(root, ["rev-parse", "--show-prefix"]).strip()
    base_sha, head_sha = git.resolve_ref(root, base), git.resolve_ref(root, head)
    if base_sha == head_sha:
        raise UsageError(f"--base {base!r} and --head {head!r} are the same commit: nothing changed between them")
    overlay = _overlay(top, base_sha, head_sha, tests)
    records: dict[str, RunRecord] = {}
    scratch = Path(tempfile.mkdtemp(prefix="dos-witness-"))
    added: list[Path] = []
    try:
        with _signals_interrupt():
            for side, sha in (("candidate", head_sha), ("baseline", base_sha)):
                tree = scratch / side
                git.run_git(top, ["worktree", "add", "--detach", "--quiet", str(tree), sha])
                added.append(tree)
                if side == "baseline" and overlay:
                    git.run_git(tree, ["checkout", head_sha, "--", *overlay])
                records[side] = _run_once(argv, tree / prefix, sha, side, timeout)
    finally:
        _cleanup(top, added, scratch)
    ev = WitnessEvidence(records["baseline"].outcome, records["candidate"].outcome, OS_RECORDED,
                         runs=(records["baseline"], records["candidate"]), command=tuple(argv),
                         overlay=tuple(overlay))
    verdict = classify(ev)
    journal.record(ctx, "test-witness", verdict, subject=f"{base_sha[:12]}..{head_sha[:12]}")
    return verdict


def _overlay(top: Path, base_sha: str, head_sha: str, tests: Sequence[str] | None) -> list[str]:
    """The test paths to lay over the base tree: TESTS (checked to exist at HEAD), else the changed tests."""
    if tests is not None:
        out = []
        for t in tests:
            rel = t.strip().replace("\\", "/").strip("/")
            if not rel or rel.startswith("../") or rel == ".." or os.path.isabs(t):
                raise UsageError(f"--tests {t!r}: give a path inside the repository")
            listed = git.run_git(top, ["ls-tree", "-r", "--name-only", head_sha, "--", rel]).strip()
            if not listed:
                raise UsageError(f"--tests {t!r} names nothing in {head_sha[:12]}")
            out.append(rel)
        return out
    changed = git.run_git(top, ["diff", "--name-only", "-z", "--no-renames", "--diff-filter=AM", base_sha, head_sha])
    return [p for p in changed.split("\0") if p and looks_like_test(p)]


def _run_once(argv: list[str], cwd: Path, sha: str, side: str, timeout: float | None) -> RunRecord:
    env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
    env["DOS_WITNESS_SIDE"] = side
    started = time.monotonic()
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    except FileNotFoundError:
        raise ProgramNotFound(f"--cmd: program {argv[0]!r} not found (on PATH, or relative to the worktree)") from None
    except PermissionError:
        raise ProgramNotFound(f"--cmd: program {argv[0]!r} is not executable") from None
    timed_out = False
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        out, _ = proc.communicate()
    except BaseException:
        _kill_group(proc)
        proc.communicate()
        raise
    status = proc.returncode
    text = out.decode("utf-8", "replace")
    tail = tuple(line[:300] for line in text.splitlines()[-TAIL_LINES:])
    return RunRecord(side=side, commit=sha, exit_status=status,
                     outcome=outcome_of(status, pytest=is_pytest(argv), timed_out=timed_out),
                     duration_ms=int((time.monotonic() - started) * 1000), timed_out=timed_out,
                     output_sha256=hashlib.sha256(out).hexdigest(), output_tail=tail)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _cleanup(top: Path, trees: Sequence[Path], scratch: Path) -> None:
    """Remove the worktrees and their directory; never raises (the caller's error matters more)."""
    for tree in trees:
        try:
            git.run_git(top, ["worktree", "remove", "--force", "--force", str(tree)], check=False)
        except GitError:
            pass  # the directory goes below and prune forgets it
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        git.run_git(top, ["worktree", "prune"], check=False)
    except GitError:
        pass


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP interrupt like Ctrl-C, so the cleanup still runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    old = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)

