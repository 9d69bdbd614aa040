"""Readers for shell builtins that write no file but may set variables: printf -v, declare, read.

Each returns no paths, or raises ``_Unknown`` where it assigns a variable DOS cannot follow;
``_pure`` is the reader of every command that writes nothing whatever its arguments.
"""

from __future__ import annotations

from dos.kernel.footprint.options import _getopt, _vals
from dos.kernel.footprint.paths import _Unknown
from dos.kernel.footprint.variables import _assigned_name, _check_variable, _is_name, _sensitive

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from dos.kernel.footprint.paths import _Arg

_SET_O_SAFE = frozenset("""errexit nounset xtrace pipefail noclobber noglob verbose errtrace functrace noexec hashall
allexport monitor notify ignoreeof nolog emacs vi history histexpand physical braceexpand""".split())


def _pure(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    """A command that writes nothing whatever its arguments."""
    return []


def _printf(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    if args and (args[0].argv is None or args[0].argv.startswith("-v")):
        name = args[0].argv[2:] if args[0].argv else None
        _check_variable(name or (args[1].argv if len(args) > 1 else None))
    return []


def _test_builtin(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    texts = [a.argv for a in args]
    unknown = texts.count(None)
    if "-v" in texts or unknown >= 2 or (unknown and any("[" in t for t in texts if t)):
        raise _Unknown("test -v")  # -v with a subscript evaluates it
    return []


def _declare(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    for arg in args:
        text = arg.argv
        if text is not None and text[:1] in "-+" and len(text) > 1:
            if "n" in text or "i" in text:
                raise _Unknown("nameref or integer attribute")
            continue
        _check_variable(_assigned_name(arg))
    return []


def _read_builtin(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, names = _getopt(args, "ers", "adinNptu", stop=True)
    for name in _vals(opts, "a") + names:
        _check_variable(name.argv)
    return []


def _unset(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    for name in _getopt(args, "fvn", stop=True)[1]:
        _check_variable(name.argv)
    return []


def _getopts(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    _check_variable(args[1].argv if len(args) > 1 else None)
    return []


def _wait(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    for k, arg in enumerate(args):
        if arg.argv is not None and arg.argv.startswith("-p"):
            _check_variable(arg.argv[2:] or (args[k + 1].argv if k + 1 < len(args) else None))
        elif arg.argv is not None and _is_name(arg.argv) and _sensitive(arg.argv):
            raise _Unknown("wait -p")
    return []


def _mapfile(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, names = _getopt(args, "t", "dnsu", stop=True)
    if any(not (v.argv or "").isdigit() for k, v in opts if k in "nsu") or len(names) > 1:
        raise _Unknown("mapfile")
    for name in names:
        _check_variable(name.argv)
    return []


def _set(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    i = 0
    while i < len(args):
        text = args[i].argv
        if text is None:
            raise _Unknown("set")
        if text in ("--", "-") or text[:1] not in "-+" or len(text) < 2:
            return []
        i += 1
        for c in text[1:]:
            if c == "o":
                value = args[i].argv if i < len(args) else "braceexpand"
                if value not in _SET_O_SAFE or (text[0] == "+" and value == "braceexpand"):
                    raise _Unknown("set -o")
                i += 1
            elif c not in "abefhmnptuvxCEHPT" and not (c == "B" and text[0] == "-"):
                raise _Unknown("set option")
    return []


def _alias(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    if any(a.argv is None or "=" in a.argv for a in args):
        raise _Unknown("alias definition")
    return []


def _hash(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    if any(a.argv in (None, "-p") or (a.argv or "").startswith("-p") for a in args):
        raise _Unknown("hash -p")
    return []


def _history(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    if args:
        raise _Unknown("history with arguments")
    return []
