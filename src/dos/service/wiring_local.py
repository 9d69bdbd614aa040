"""Keep machine-local hook files out of git: Claude Code's ``.claude/settings.local.json``.

It holds this machine's absolute interpreter path, so it must not be committed. When
``git check-ignore`` says it is not ignored, two lines go into ``.git/info/exclude`` (a
comment naming DOS, then the path); ``--remove`` takes exactly those two lines out again.
"""

from __future__ import annotations

from pathlib import Path

EXCLUDE_LINE = "/.claude/settings.local.json"
EXCLUDE_NOTE = "# dos init --hooks claude-code: machine-local hook commands"


def _exclude_file(top: Path) -> Path | None:
    from dos.errors import GitError
    from dos.git import run_git

    try:
        common = run_git(top, ["rev-parse", "--git-common-dir"], timeout=30).strip()
    except GitError:
        return None
    if not common:
        return None
    base = Path(common)
    return (base if base.is_absolute() else top / base) / "info" / "exclude"


def ensure_ignored(root: Path, path: Path) -> str:
    """Make git ignore PATH (a file in ROOT's repository); returns a line to print, or ''."""
    from dos.errors import DosError, GitError
    from dos.git import find_git_top, run_git
    from dos.service.wiring_files import read_text, write_atomic

    top = find_git_top(root)
    if top is None:
        return ""
    try:
        if run_git(top, ["check-ignore", str(path)], check=False, timeout=30).strip():
            return ""
    except GitError:
        return ""
    try:
        rel = "/" + path.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return ""
    exclude = _exclude_file(top)
    if exclude is None:
        return f"  note: git does not ignore {path}; add it to .gitignore (it holds this machine's paths)"
    try:
        text = read_text(exclude) or ""
        if rel in text.splitlines():
            return ""
        sep = "" if not text or text.endswith("\n") else "\n"
        write_atomic(exclude, f"{text}{sep}{EXCLUDE_NOTE}\n{rel}\n")
    except DosError:
        return f"  note: git does not ignore {path}; add it to .gitignore (it holds this machine's paths)"
    return f"  git now ignores {rel} (added to .git/info/exclude: it holds this machine's paths)"


def unexclude(root: Path) -> bool:
    """Take out the two lines ``ensure_ignored`` added; True if they were there."""
    from dos.errors import DosError
    from dos.git import find_git_top
    from dos.service.wiring_files import read_text, write_atomic

    top = find_git_top(root)
    exclude = _exclude_file(top) if top is not None else None
    if exclude is None:
        return False
    try:
        text = read_text(exclude)
    except DosError:
        return False
    if text is None:
        return False
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    skip = False
    for i, ln in enumerate(lines):
        if skip:
            skip = False
            continue
        nxt = lines[i + 1].rstrip("\n") if i + 1 < len(lines) else ""
        if ln.rstrip("\n") == EXCLUDE_NOTE and nxt.endswith(EXCLUDE_LINE):
            skip = True
            continue
        out.append(ln)
    if len(out) == len(lines):
        return False
    try:
        write_atomic(exclude, "".join(out))
    except DosError:
        return False
    return True
