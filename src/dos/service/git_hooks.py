"""Install and remove DOS's git hooks: prepare-commit-msg, pre-commit and pre-push.

``prepare-commit-msg`` stamps each commit with a ``DOS-Lease`` trailer for the lease the
committer is bound to; ``pre-commit`` and ``pre-push`` run ``scope-gate`` on the staged
files and on what a push sends. Each script carries a marker line, so installing twice
changes nothing and removing touches only DOS's own scripts. A hook someone else wrote
is never overwritten: without ``force`` it is left alone and reported; with ``force``
it is kept as ``<hook>.local`` and run first (its failure stops the commit or push).
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from dos import git
from dos.errors import GitError, WorkspaceError
from dos.service.scope_gate import BINDING_ENV

HOOKS = ("prepare-commit-msg", "pre-commit", "pre-push")
MARKER = "# dos-managed-hook v1"
CHAINED_SUFFIX = ".local"
_BLOCKING = {"prepare-commit-msg": False, "pre-commit": True, "pre-push": True}
# The variables without which a hook has nothing to do (pre-push always runs: commits carry trailers).
_QUICK = {"prepare-commit-msg": BINDING_ENV, "pre-commit": (*BINDING_ENV, "DOS_LANE", "DOS_REQUIRE_LEASE")}


@dataclass(frozen=True)
class HookChange:
    """What install/remove did to one hook: installed, updated, unchanged, chained, foreign, removed,
    restored or absent."""

    hook: str
    path: str
    action: str

    def to_dict(self) -> dict[str, str]:
        return {"hook": self.hook, "path": self.path, "action": self.action}


def hooks_dir(root: Path) -> Path:
    """The directory git runs hooks from for ROOT (``core.hooksPath`` honoured, shared by worktrees)."""
    try:
        out = git.run_git(root, ["rev-parse", "--path-format=absolute", "--git-path", "hooks"]).strip()
    except GitError:
        raise GitError(f"{root} is not a git repository: git hooks need one (run 'git init' first)") from None
    return Path(out)


def script(hook: str, python: str | None = None) -> str:
    """The shell script DOS installs as HOOK; PYTHON is the interpreter that runs DOS (default: this one)."""
    py = shlex.quote(python or sys.executable)
    missing_exit = "1" if _BLOCKING[hook] else "0"
    stdin = hook == "pre-push"  # pre-push reads the refs being pushed on stdin: both hooks need them
    lines = [
        "#!/bin/sh",
        f"{MARKER}: {hook}",
        "# Written by `dos scope-gate --install-hooks`; `dos scope-gate --remove-hooks` takes it out again.",
        f"hook={hook}",
        'local_hook="$(dirname "$0")/$hook' + CHAINED_SUFFIX + '"',
    ]
    if stdin:
        lines += ['input=$(cat)',
                  'if [ -x "$local_hook" ]; then',
                  '  printf "%s${input:+\\n}" "$input" | "$local_hook" "$@" || exit $?',
                  'fi']
        feed = 'printf "%s${input:+\\n}" "$input" | '
    else:
        lines += ['if [ -x "$local_hook" ]; then', '  "$local_hook" "$@" || exit $?', 'fi']
        feed = ""
    tail = ""
    if hook in _QUICK:  # nothing binds this process to a lease or a lane: the verdict is ALLOW, skip Python
        names = "".join(f"${{{v}}}" for v in _QUICK[hook])
        lines += [f'[ -n "{names}" ] || exit 0']
    if hook == "pre-commit":
        # git names the staged files here, in the hook's own environment: `git commit -a` and
        # `git commit PATH` stage into a temporary index that only $GIT_INDEX_FILE points at.
        lines += ['staged=$(mktemp "${TMPDIR:-/tmp}/dos-staged.XXXXXX") || exit 1',
                  'trap \'rm -f "$staged"\' EXIT',
                  'git diff --cached --name-only -z --no-renames > "$staged" || {',
                  '  echo "dos: the pre-commit hook cannot list the staged files" >&2; exit 1; }']
        tail = ' < "$staged"'
    lines += [
        f"py={py}",
        'if [ -x "$py" ]; then',
        f'  {feed}"$py" -m dos scope-gate --hook "$hook" "$@"{tail}',
        "  exit $?",
        "fi",
        "if command -v dos >/dev/null 2>&1; then",
        f'  {feed}dos scope-gate --hook "$hook" "$@"{tail}',
        "  exit $?",
        "fi",
        ('echo "dos: the $hook hook cannot find DOS ($py or dos on PATH); reinstall it, or remove the hook '
         'with: dos scope-gate --remove-hooks" >&2'),
        f"exit {missing_exit}",
    ]
    return "\n".join(lines) + "\n"


def _ours(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return False
    return MARKER.encode() in head


def _check(hooks: Sequence[str]) -> None:
    unknown = [h for h in hooks if h not in HOOKS]
    if unknown:
        raise WorkspaceError(f"unknown git hook(s) {', '.join(unknown)}; DOS installs {', '.join(HOOKS)}")


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.dos.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o755)
    os.replace(tmp, path)


def install(root: Path, hooks: Sequence[str] = HOOKS, force: bool = False,
            python: str | None = None) -> list[HookChange]:
    """Install HOOKS in ROOT's repository; idempotent. A foreign hook is kept (``foreign``) unless FORCE,
    which moves it to ``<hook>.local`` and chains it (``chained``)."""
    _check(hooks)
    directory = hooks_dir(Path(root))
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"cannot create the hooks directory {directory}: {exc.strerror}") from None
    out = []
    for hook in hooks:
        path = directory / hook
        text = script(hook, python)
        try:
            action = _install_one(path, text, force)
        except OSError as exc:
            raise WorkspaceError(f"cannot write the {hook} hook at {path}: {exc.strerror}") from None
        out.append(HookChange(hook, str(path), action))
    return out


def _install_one(path: Path, text: str, force: bool) -> str:
    if not path.exists() and not path.is_symlink():
        _write(path, text)
        return "installed"
    if _ours(path):
        if path.read_text(encoding="utf-8", errors="replace") == text and os.access(path, os.X_OK):
            return "unchanged"
        _write(path, text)
        return "updated"
    if not force:
        return "foreign"
    local = path.with_name(path.name + CHAINED_SUFFIX)
    if local.exists() or local.is_symlink():
        raise WorkspaceError(f"{path} is not DOS's and {local} already exists: move one of them away first")
    os.replace(path, local)
    _write(path, text)
    return "chained"


def remove(root: Path, hooks: Sequence[str] = HOOKS) -> list[HookChange]:
    """Remove DOS's HOOKS; a chained ``<hook>.local`` is put back; foreign hooks are left alone."""
    _check(hooks)
    directory = hooks_dir(Path(root))
    out = []
    for hook in hooks:
        path = directory / hook
        local = path.with_name(path.name + CHAINED_SUFFIX)
        if not path.exists() and not path.is_symlink():
            out.append(HookChange(hook, str(path), "absent"))
        elif not _ours(path):
            out.append(HookChange(hook, str(path), "foreign"))
        elif local.exists():
            os.replace(local, path)
            out.append(HookChange(hook, str(path), "restored"))
        else:
            path.unlink()
            out.append(HookChange(hook, str(path), "removed"))
    return out


def status(root: Path, hooks: Sequence[str] = HOOKS) -> list[HookChange]:
    """Each hook as it stands: installed (DOS's, current), stale (DOS's, older), foreign or absent."""
    _check(hooks)
    directory = hooks_dir(Path(root))
    out = []
    for hook in hooks:
        path = directory / hook
        if not path.exists():
            state = "absent"
        elif not _ours(path):
            state = "foreign"
        else:
            state = "installed" if path.read_text(encoding="utf-8", errors="replace") == script(hook) else "stale"
        out.append(HookChange(hook, str(path), state))
    return out
