"""The one module that runs git. Everything else asks it for evidence.

Each call runs git with a fixed, locale-free environment and maps failures to
``GitError`` with a one-line message. Git is started with ``os.posix_spawnp`` and read
through ``select``: a verdict verb pays for neither ``subprocess`` nor ``threading``.
"""

from __future__ import annotations

import os

from dos.errors import GitError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Iterator, Sequence

_ENV_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")
_SIGKILL = 9  # the same numbers on every POSIX system DOS runs on; spares importing ``signal``
_SIGDEF = (13, 25)  # SIGPIPE, SIGXFSZ: Python ignores them, git must not inherit that (as subprocess restores)


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
    env.update(LC_ALL="C", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    return env


class _Git:
    """One running ``git -C ROOT ARGS``: its pid and the read ends of its stdout and stderr pipes.

    ``pump`` reads both pipes (so a chatty stderr can never block git on a full pipe), ``finish``
    reaps it, ``kill`` stops it. With GROW its stdout pipe is enlarged where the system allows, so
    a long stream can run ahead of a reader that is still starting up.
    """

    __slots__ = ("pid", "out", "err", "errbuf", "code", "what")

    def __init__(self, root: Any, args: Sequence[str], env: dict[str, str] | None = None, *,
                 grow: bool = False) -> None:
        self.what = args[0] if args else "git"
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        if grow:
            _grow_pipe(out_w)
        actions = [(os.POSIX_SPAWN_DUP2, out_w, 1), (os.POSIX_SPAWN_DUP2, err_w, 2)]
        try:
            self.pid = os.posix_spawnp("git", ["git", "-C", str(root), *args], git_env() if env is None else env,
                                       file_actions=actions, setsigdef=_SIGDEF)
        except OSError as exc:
            for fd in (out_r, out_w, err_r, err_w):
                os.close(fd)
            if isinstance(exc, FileNotFoundError):
                raise GitError("git is not installed or not on PATH") from None
            raise GitError(f"git could not be started: {exc.strerror}") from None
        os.close(out_w)
        os.close(err_w)
        self.out, self.err = out_r, err_r
        self.errbuf = b""
        self.code: int | None = None

    def pump(self, deadline: float | None, timeout: float | None) -> bytes:
        """The next chunk of stdout (b'' at its end), reading stderr meanwhile; GitError past DEADLINE."""
        import select

        while True:
            fds = [self.out] if self.err < 0 else [self.out, self.err]
            if deadline is None and self.err < 0:
                ready = fds
            else:
                left = None
                if deadline is not None:
                    import time

                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise GitError(f"git {self.what} timed out after {timeout}s")
                ready = select.select(fds, [], [], left)[0]
                if not ready:
                    raise GitError(f"git {self.what} timed out after {timeout}s")
            if self.err in ready:
                self._read_err()
            if self.out in ready:
                return os.read(self.out, 1 << 16)

    def finish(self) -> int:
        """Drain stderr, reap git and return its exit code."""
        while self.err >= 0:
            self._read_err()
        if self.code is None:
            try:
                self.code = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
            except ChildProcessError:  # reaped elsewhere (SIGCHLD ignored): subprocess reads that as 0 too
                self.code = 0
        return self.code

    def _read_err(self) -> None:
        """One chunk of stderr into ``errbuf``; at its end the pipe is closed."""
        data = os.read(self.err, 1 << 16)
        if data:
            self.errbuf += data
        else:
            os.close(self.err)
            self.err = -1

    def failure(self) -> GitError:
        msg = self.errbuf.decode("utf-8", "replace").strip().splitlines()
        return GitError(f"git {self.what} failed: {msg[-1] if msg else f'exit {self.code}'}")

    def close(self) -> None:
        """Kill git if it still runs, reap it and close the pipes (idempotent)."""
        if self.code is None:
            try:
                done, status = os.waitpid(self.pid, os.WNOHANG)
                if not done:
                    os.kill(self.pid, _SIGKILL)
                    done, status = os.waitpid(self.pid, 0)
                self.code = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                self.code = -1
        for name in ("out", "err"):
            fd = getattr(self, name)
            if fd >= 0:
                os.close(fd)
                setattr(self, name, -1)


def _grow_pipe(fd: int) -> None:
    """Ask for a 1 MiB pipe (Linux ``F_SETPIPE_SZ``); where that is refused the default stays."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


def _deadline(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    import time

    return time.monotonic() + timeout


def run_git(root: Path, args: Sequence[str], *, check: bool = True, timeout: float | None = None) -> str:
    """Run ``git -C ROOT ARGS`` and return stdout (decoded UTF-8, invalid bytes replaced)."""
    return collect(_Git(root, args), check=check, timeout=timeout)


def start_git(root: Path, args: Sequence[str]) -> _Git:
    """Start ``git -C ROOT ARGS`` now, to ``collect`` later: two independent calls then overlap.
    Its stdout pipe is the default one (64 KiB on Linux): git runs ahead of the reader until that fills."""
    return _Git(root, args)


def collect(proc: _Git, *, check: bool = True, timeout: float | None = None) -> str:
    """The stdout of a started git (decoded UTF-8, invalid bytes replaced), once it has exited;
    GitError if it failed and CHECK, or past TIMEOUT. Always reaps it."""
    deadline = _deadline(timeout)
    chunks = []
    try:
        while True:
            chunk = proc.pump(deadline, timeout)
            if not chunk:
                break
            chunks.append(chunk)
        code = proc.finish()
    finally:
        proc.close()
    if check and code != 0:
        raise proc.failure()
    return b"".join(chunks).decode("utf-8", "replace")


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


def log_args(ref: str = "HEAD", *, paths: Sequence[str] = (), extra: Sequence[str] = ()) -> list[str]:
    """The ``git log`` arguments ``iter_log`` runs for REF (``start_records`` can start them early)."""
    args = ["log", f"--format={_LOG_FORMAT}", *extra, "--end-of-options", ref]
    if paths:
        args += ["--", *paths]
    return args


def iter_log(root: Path, ref: str = "HEAD", *, paths: Sequence[str] = (), timeout: float | None = None,
             extra: Sequence[str] = (), keep: Any = None, started: Any = None) -> Iterator[tuple[str, str, str]]:
    """Yield ``(sha, subject, body)`` newest first from one streaming ``git log`` process.

    Only one chunk of output is held at a time, so memory stays flat in history length.
    With KEEP (an object whose ``hits(lowercased_bytes)`` gives offsets), only records
    holding a hit are parsed and yielded; the rest are skipped at C speed.
    Closing the generator early kills git. TIMEOUT bounds the whole walk (GitError).
    STARTED: the ``start_records`` handle of these very arguments, already running.
    """
    for rec in stream_records(root, log_args(ref, paths=paths, extra=extra), timeout=timeout, keep=keep,
                              started=started):
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


def start_records(root: Path, args: Sequence[str]) -> Any:
    """Start ``git ARGS`` now, for ``stream_records(..., started=)`` to read later.

    A caller that still has work to do before reading (imports, compiling a matcher) lets git
    walk history meanwhile. The handle must reach ``stream_records`` or ``close()``.
    """
    # GIT_FLUSH=0: git otherwise flushes after every record on a pipe (one write per commit).
    return _Git(root, args, {**git_env(), "GIT_FLUSH": "0"}, grow=True)


def stream_records(root: Path, args: Sequence[str], *, timeout: float | None = None,
                   keep: Any = None, started: Any = None) -> Iterator[bytes]:
    """Run ``git ARGS`` and yield its output split on 0x1E, one chunk in memory at a time.

    A non-blank tail after the last separator is yielded too. GitError if git fails.
    """
    deadline = _deadline(timeout)
    proc = started if started is not None else start_records(root, args)
    pending = b""
    try:
        while True:
            chunk = proc.pump(deadline, timeout)
            if not chunk:
                break
            pending += chunk
            cut = pending.rfind(b"\x1e") + 1
            if not cut:
                continue
            region, pending = pending[:cut], pending[cut:]
            yield from _records(region, keep)
        if proc.finish() != 0:
            raise proc.failure()
        if pending.strip() and (keep is None or keep.hits(pending.lower())):
            yield pending
    finally:
        proc.close()


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
        proc = _Git(root, ["merge-base", "--is-ancestor", full, ref])
        try:
            deadline = _deadline(timeout)
            while proc.pump(deadline, timeout):
                pass
            code = proc.finish()
        finally:
            proc.close()
    except (GitError, OSError):
        return False
    return code == 0
