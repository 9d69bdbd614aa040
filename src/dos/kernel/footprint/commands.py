"""The table of known commands: ``_HANDLERS`` maps a name to the reader of the command's arguments.

A reader takes (args, stdin) and returns the ``_Arg``s the command writes; a name missing here is
unknown. Also how a command's name is read (``/usr/bin/rm`` is rm, ``./rm`` is unknown) and which
names are builtins only.
"""

from __future__ import annotations

from dos.kernel.footprint.git import _git
from dos.kernel.footprint.options import _getopt, _longs
from dos.kernel.footprint.paths import _Unknown
from dos.kernel.footprint.readers import (_ag, _curl, _fd, _file, _find, _pytest, _rg, _sort, _tree,
                                          _uniq, _xxd)
from dos.kernel.footprint.shell_builtins import (_alias, _declare, _getopts, _hash, _history,
                                                 _mapfile, _printf, _pure, _read_builtin, _set,
                                                 _test_builtin, _unset, _wait)
from dos.kernel.footprint.stream_editors import _awk, _perl, _sed
from dos.kernel.footprint.writers import (_apply_patch, _chmod, _chown, _cp, _dd, _install, _link,
                                          _ln, _mkdir, _mv, _patch, _rm, _rmdir, _rsync, _scp,
                                          _shred, _tar, _tee, _touch, _truncate, _unlink, _unzip)

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from dos.kernel.footprint.paths import _Arg

_SYSTEM_DIRS = frozenset({"/bin", "/usr/bin", "/usr/local/bin", "/sbin", "/usr/sbin", "/usr/local/sbin",
                          "/opt/homebrew/bin"})
_BUILTIN_ONLY = frozenset("""cd pushd popd dirs export declare typeset local readonly unset read mapfile readarray
getopts set shift alias unalias hash trap eval source . let shopt enable exec command builtin history wait
break continue return exit""".split())
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh"})
_WRAPPERS = frozenset({"sudo", "nohup", "nice", "timeout", "stdbuf", "time", "env", "exec"})


def _command_name(arg: _Arg) -> tuple[str, bool]:
    """The command's name and whether it was given by path (then it is a program, not a builtin)."""
    text = arg.argv
    if not text or arg.glob or arg.path is None:
        raise _Unknown("command name")
    if "/" not in text:
        return text, False
    head, _, base = text.rpartition("/")
    if head not in _SYSTEM_DIRS or not base:
        raise _Unknown("program outside the system directories")
    return base, True


_XARGS_LONGS = _longs("null arg-file= delimiter= eof=? replace=? max-lines=? max-args= max-procs= interactive "
                      "no-run-if-empty max-chars= verbose exit open-tty show-limits help version")


def _xargs(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    _, command = _getopt(args, "0oprtx", "aEdILnPs", "eil", _XARGS_LONGS, globs=True, stop=True)
    if command:
        name, _ = _command_name(command[0])
        if _HANDLERS.get(name) is not _pure or name in _BUILTIN_ONLY:
            raise _Unknown("xargs runs a command that may write")
    return []


_PURE_COMMANDS = """echo true false : pwd ls dir vdir cat tac nl head tail wc cut tr fold column paste comm join rev seq
yes expand unexpand fmt pr strings base64 base32 basenc cksum sum md5sum sha1sum sha224sum sha256sum sha384sum
sha512sum b2sum shasum tsort numfmt grep egrep fgrep zcat bzcat xzcat zstdcat od hexdump diff diff3 cmp stat du df
basename dirname realpath readlink which whereis type date whoami id groups uname hostname nproc arch uptime free
sleep printenv locale tty jq expr getconf ps pgrep pkill kill jobs help times caller unalias umask ulimit bg fg
disown shift break continue exit return logname users who cal factor lsof"""
_HANDLERS = {name: _pure for name in _PURE_COMMANDS.split()}
_HANDLERS.update({
    "printf": _printf, "test": _test_builtin, "[": _test_builtin, "export": _declare, "declare": _declare,
    "typeset": _declare, "local": _declare, "readonly": _declare, "read": _read_builtin, "unset": _unset,
    "getopts": _getopts, "wait": _wait, "mapfile": _mapfile, "readarray": _mapfile, "set": _set, "alias": _alias,
    "hash": _hash, "history": _history, "sort": _sort, "uniq": _uniq, "find": _find, "fd": _fd, "fdfind": _fd,
    "rg": _rg, "ag": _ag, "ack": _ag, "awk": _awk, "gawk": _awk, "mawk": _awk, "nawk": _awk, "sed": _sed,
    "tree": _tree, "file": _file, "xxd": _xxd, "pytest": _pytest, "py.test": _pytest, "xargs": _xargs,
    "curl": _curl, "git": _git, "rm": _rm, "rmdir": _rmdir, "mkdir": _mkdir, "touch": _touch, "tee": _tee,
    "truncate": _truncate, "shred": _shred, "unlink": _unlink, "link": _link, "mv": _mv, "cp": _cp,
    "install": _install, "ln": _ln, "dd": _dd, "chmod": _chmod, "chown": _chown, "chgrp": _chown, "perl": _perl,
    "tar": _tar, "unzip": _unzip, "patch": _patch, "rsync": _rsync, "scp": _scp, "apply_patch": _apply_patch,
    "applypatch": _apply_patch,
})
