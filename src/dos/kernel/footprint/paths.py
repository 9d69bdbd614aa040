"""Arguments as paths: ``_Arg``, the path arithmetic on it, and ``_Unknown``.

An ``_Arg`` is what a command receives and how its path renders against a cwd. Every reader
raises ``_Unknown`` where it cannot name a write with certainty; the shell entry turns it into
None. The patch tools render through ``_render`` too: this module stands apart, importing nothing.
"""

from __future__ import annotations


class _Unknown(Exception):
    """Raised wherever the footprint cannot be named with certainty."""


class _Arg:
    """One argument a command receives: ARGV is what it sees (None: unknown), PATH how to render it.

    FIXED paths (absolute, or ``~``-prefixed for the caller to expand) are not joined to the cwd.
    """

    __slots__ = ("argv", "path", "fixed", "glob", "risky", "raw")

    def __init__(self, argv: str | None, path: str | None, fixed: bool, glob: bool = False, raw: str = "") -> None:
        self.argv, self.path, self.fixed, self.glob, self.raw = argv, path, fixed, glob, raw
        self.risky = glob and argv is not None and argv[:1] in "*?["  # a glob that may expand to "-opt"


_DOT = _Arg(".", ".", False)
_TOP = _Arg(":/", ":/", True)


def _literal_arg(text: str) -> _Arg:
    if "\x00" in text:
        raise _Unknown("NUL")
    return _Arg(text, text, text.startswith("/"))


def _value_arg(text: str) -> _Arg:
    """An option value glued to its option (``--output=F``, ``-oF``, ``of=F``)."""
    if text.startswith("~"):
        raise _Unknown("tilde in an option value")  # bash expands it in some of these and not others
    return _Arg(text, text, text.startswith("/"))


def _child(base: _Arg | None, arg: _Arg) -> _Arg:
    """ARG taken relative to BASE (a -C or -d directory)."""
    if base is None or arg.fixed or arg.path is None or arg.path.startswith("/"):
        return arg
    return _Arg(arg.argv, _join(base.path, arg.path), base.fixed, glob=arg.glob)


def _suffixed(arg: _Arg, suffix: str) -> _Arg:
    return _Arg(arg.argv, (arg.path or "") + suffix, arg.fixed, glob=True)


def _with_parents(arg: _Arg) -> list[_Arg]:
    """ARG and every directory above it that ``mkdir -p`` or ``install -D`` may create."""
    parts = (arg.path or "").split("/")
    out = []
    for k in range(1, len(parts) + 1):
        last = parts[k - 1]
        if last in ("", ".", "..") or (k == 1 and arg.fixed and last.startswith("~")):
            continue
        out.append(_Arg(arg.argv, "/".join(parts[:k]), arg.fixed, glob=arg.glob))
    return out or [arg]


def _render(arg: _Arg, cwd: str | None) -> str | None:
    """The path ARG names when the shell is in CWD ("" is the start directory, None unknown)."""
    path = arg.path
    if path is None:
        raise _Unknown("unknown path")
    if not path:
        return None
    if arg.fixed or path.startswith("/"):
        return path
    if cwd is None:
        raise _Unknown("relative path in an unknown directory")
    joined = _join(cwd, path)
    return "./" + joined if joined.startswith("~") else joined


def _join(base: str, path: str) -> str:
    if not base:
        return path
    if not path:
        return base
    return base + path if base.endswith("/") else base + "/" + path


def _lexical(path: str) -> str:
    """PATH with "." and ".." resolved by text, as ``cd`` does in logical mode."""
    absolute = path.startswith("/")
    parts: list[str] = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not absolute:
                parts.append("..")
        else:
            parts.append(seg)
    joined = "/".join(parts)
    return "/" + joined if absolute else joined


def _tidy(path: str) -> str:
    """PATH without "." and empty segments ("..", which symlinks make physical, is kept)."""
    kept = "/".join(seg for seg in path.split("/") if seg not in ("", "."))
    return "/" + kept if path.startswith("/") else kept
