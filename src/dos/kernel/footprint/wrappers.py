"""Commands that run another command or a script: sudo, nohup, nice, timeout, env, shells ...

``_unwrap`` names the inner command and any file the wrapper writes itself; ``_shell_script`` finds
the script of ``bash -c`` (or a literal here-document on stdin) for the evaluator to read.
"""

from __future__ import annotations

from dos.kernel.footprint.options import _HELP, _NO_LONGS, _getopt, _longs, _vals
from dos.kernel.footprint.paths import _Arg, _Unknown
from dos.kernel.footprint.shell_builtins import _SET_O_SAFE
from dos.kernel.footprint.variables import _assigned_name, _check_variable

_SUDO_LONGS = _longs("askpass background bell preserve-env=? set-home non-interactive preserve-groups stdin "
                     "user= group= prompt= close-from= host= command-timeout= other-user= role= type= help version")


def _unwrap(name: str, args: list[_Arg]) -> tuple[list[_Arg], list[_Arg]]:
    """The command a wrapper runs, and any file the wrapper itself writes."""
    if name == "sudo":
        return _getopt(args, "AbBEHknNPS", "ugpChTUrt", "", _SUDO_LONGS, globs=True, stop=True)[1], []
    if name == "nohup":
        writes = [_Arg("nohup.out", "nohup.out", False), _Arg("~/nohup.out", "~/nohup.out", True)]
        return _getopt(args, "", "", "", _HELP, globs=True, stop=True)[1], writes
    if name == "nice":
        if args and args[0].argv and args[0].argv[:1] == "-" and args[0].argv[1:].lstrip("-").isdigit():
            args = args[1:]
        return _getopt(args, "", "n", "", _longs("adjustment= help version"), globs=True, stop=True)[1], []
    if name == "timeout":
        rest = _getopt(args, "v", "ks", "", _longs("kill-after= signal= preserve-status foreground verbose help "
                                                    "version"), globs=True, stop=True)[1]
        return rest[1:], []
    if name == "stdbuf":
        return _getopt(args, "", "ioe", "", _longs("input= output= error= help version"), globs=True, stop=True)[1], []
    if name == "time":
        opts, rest = _getopt(args, "apqv", "fo", "", _longs("append format= output= portability quiet verbose help "
                                                             "version"), globs=True, stop=True)
        return rest, _vals(opts, "o", "output")
    if name == "exec":
        return _getopt(args, "cl", "a", "", _NO_LONGS, globs=True, stop=True)[1], []
    return _env_command(args), []


def _env_command(args: list[_Arg]) -> list[_Arg]:
    opts, rest = _getopt(args, "i0v", "u", "", _longs("ignore-environment null unset= debug help version "
                                                      "block-signal=? default-signal=? ignore-signal=? "
                                                      "list-signal-handling"), globs=True, stop=True)
    if rest and rest[0].argv == "-":
        rest = rest[1:]
    while rest and "=" in (rest[0].argv if rest[0].argv is not None else rest[0].raw):
        _check_variable(_assigned_name(rest[0]))
        rest = rest[1:]
    return rest


def _shell_script(args: list[_Arg], stdin: str | None) -> str:
    """The script a shell runs: its -c string, or a literal here-document on stdin."""
    command_mode = False
    i = 0
    while i < len(args):
        text = args[i].argv
        if text is None:
            raise _Unknown("shell argument")
        if text in ("--", "-"):
            i += 1
            break
        if text in ("--login", "--noprofile", "--norc", "--noediting", "--verbose", "--restricted"):
            i += 1
            continue
        if text.startswith("--"):
            raise _Unknown("shell option")
        if text[:1] not in ("-", "+") or len(text) < 2:
            break
        i += 1
        for c in text[1:]:
            if c == "c":
                command_mode = True
            elif c == "o":
                value = args[i].argv if i < len(args) else None
                if value not in _SET_O_SAFE or (text[0] == "+" and value == "braceexpand"):
                    raise _Unknown("shell option")
                i += 1
            elif c not in "abefhilmnprstuvxCEHPT" and not (c == "B" and text[0] == "-"):
                raise _Unknown("shell option")
    rest = args[i:]
    if command_mode:
        if not rest or rest[0].argv is None:
            raise _Unknown("shell script")
        return rest[0].argv
    if rest or stdin is None:
        raise _Unknown("shell script file")
    return stdin
