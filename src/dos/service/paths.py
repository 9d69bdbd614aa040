"""Resolve the paths a tool call writes to the region they really reach, before anyone judges them.

A path is made absolute (relative ones against the call's directory), ``~`` and ``~user``
are expanded, symlinks are resolved (the deepest existing ancestor through realpath,
plus the rest) and the result is made relative to the workspace root: ``""`` is the root
itself (it touches every lane). What cannot be resolved honestly (a NUL byte, ``..``
after a glob, a hard-linked file) is returned as unjudged, never dropped.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping, Sequence

GLOB = "*?[{"
DEVICES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/stdin", "/dev/tty", "/dev/zero",
                     "/dev/full", "/dev/random", "/dev/urandom"})
GIT_TOP = ":/"  # the footprint's name for the top of the git work tree


class Resolved:
    """Where a call's paths land: ``inside`` (workspace-relative), ``outside`` (as given), ``unjudged``."""

    __slots__ = ("inside", "outside", "unjudged")

    def __init__(self) -> None:
        self.inside: list[str] = []
        self.outside: list[str] = []
        self.unjudged: list[tuple[str, str]] = []


def _is_device(path: str) -> bool:
    return path in DEVICES or path.startswith(("/dev/fd/", "/proc/self/fd/")) and path.rsplit("/", 1)[1].isdigit()


def _expand_home(path: str, env: Mapping[str, str]) -> str | None:
    """``~`` and ``~user`` at the start of PATH expanded; None when ``~`` names no home."""
    head, sep, rest = path.partition("/")
    if head == "~":
        home = env.get("HOME", "")
        if not home:
            return None
        return home + sep + rest
    import pwd

    try:
        home = pwd.getpwnam(head[1:]).pw_dir
    except (KeyError, ValueError):
        return path  # bash leaves an unknown ~user as a literal name
    return home + sep + rest


def _glob_then_dotdot(path: str) -> bool:
    seen_glob = False
    for seg in path.split("/"):
        if seen_glob and seg == "..":
            return True
        seen_glob = seen_glob or any(c in seg for c in GLOB)
    return False


def _hard_links(path: str) -> int:
    try:
        st = os.lstat(path)
    except OSError:
        return 1
    import stat

    return st.st_nlink if stat.S_ISREG(st.st_mode) else 1


def resolve(raw: Sequence[str], *, root: str, base: str, env: Mapping[str, str],
            allowed_outside: Sequence[str] = ()) -> Resolved:
    """Sort RAW (as a footprint gives them) into paths inside ROOT, outside it, and unjudged.

    ROOT must be a real path (symlinks resolved). BASE is the directory relative paths are
    joined to (the call's cwd); ``:/`` paths are joined to ROOT.
    """
    out = Resolved()
    allowed = [os.path.realpath(d) for d in allowed_outside if d and os.path.isabs(d)]
    for path in raw:
        if not isinstance(path, str) or not path:
            continue
        try:
            _place(path, out, root=root, base=base, env=env, allowed=allowed)
        except (UnicodeError, ValueError, OSError) as exc:
            out.unjudged.append((path.encode("utf-8", "replace").decode("utf-8"),
                                 f"it is not a file name this system can look up ({type(exc).__name__})"))
    return out


def _place(path: str, out: Resolved, *, root: str, base: str, env: Mapping[str, str], allowed: list[str]) -> None:
    """Put one PATH into OUT's inside, outside or unjudged."""
    if "\0" in path:
        out.unjudged.append((path.replace("\0", "\\0"), "it contains a NUL byte"))
        return
    p = path
    if p.startswith(GIT_TOP):
        p = os.path.join(root, p[len(GIT_TOP):])
    elif p.startswith("~"):
        expanded = _expand_home(p, env)
        if expanded is None:
            out.unjudged.append((path, "HOME is not set, so ~ names no directory"))
            return
        p = expanded
    if not os.path.isabs(p):
        p = os.path.join(base, p)
    if _glob_then_dotdot(p):
        out.unjudged.append((path, "'..' after a glob depends on what the glob matches"))
        return
    if _is_device(os.path.normpath(p)):
        return
    real = os.path.realpath(p)
    if real == root:
        out.inside.append("")
        return
    if real.startswith(root.rstrip("/") + "/"):
        links = _hard_links(real)
        if links > 1:
            out.unjudged.append((path, f"it is a hard-linked file with {links} names"))
            return
        out.inside.append(real[len(root.rstrip("/")) + 1:])
        return
    if _is_device(real) or any(real == d or real.startswith(d.rstrip("/") + "/") for d in allowed):
        return
    out.outside.append(path)
