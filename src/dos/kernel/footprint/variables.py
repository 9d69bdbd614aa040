"""Shell variable names: which texts are names, and which variables are sensitive.

Assigning a sensitive variable (``PATH``, ``HOME``, ``GIT_*``, ``LD_*`` ...) changes where commands
write or what they run, so any assignment DOS cannot follow makes the footprint unknown.
"""

from __future__ import annotations

from dos.kernel.footprint.paths import _Unknown

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from dos.kernel.footprint.paths import _Arg


def _is_name_char(c: str) -> bool:
    return c == "_" or (c.isascii() and c.isalnum())


def _is_name(text: str | None) -> bool:
    return bool(text) and text.isascii() and text.isidentifier()


_SENSITIVE = frozenset("""PWD OLDPWD HOME CDPATH PATH ENV BASH_ENV SHELLOPTS BASHOPTS POSIXLY_CORRECT TMPDIR
TMP TEMP TEMPDIR GLOBIGNORE IFS PS0 PS1 PS2 PS3 PS4 PROMPT_COMMAND HISTFILE EDITOR VISUAL PAGER MANPAGER
LESSOPEN LESSCLOSE TAR_OPTIONS UNZIP UNZIPOPT ZIPOPT GZIP XZ_OPT XZ_DEFAULTS BZIP BZIP2 RIPGREP_CONFIG_PATH
GREP_OPTIONS CURL_HOME WGETRC XDG_CONFIG_HOME ZDOTDIR SIMPLE_BACKUP_SUFFIX VERSION_CONTROL SUDO_ASKPASS
BASH_LOADABLES_PATH EXECIGNORE SHELL INPUTRC BASH_COMPAT""".split())
_SENSITIVE_PREFIXES = ("GIT_", "LD_", "DYLD_", "PERL", "PYTHON", "BASH_FUNC", "RSYNC_", "PYTEST_", "SSH_")


def _sensitive(name: str) -> bool:
    """A variable whose value changes where commands write or what they run."""
    return name in _SENSITIVE or name.startswith(_SENSITIVE_PREFIXES)


def _check_variable(name: str | None) -> None:
    if not _is_name(name) or _sensitive(name):
        raise _Unknown("assignment DOS cannot follow")


def _assigned_name(arg: _Arg) -> str:
    text = arg.raw if arg.argv is None else arg.argv
    name = text.split("=", 1)[0]
    return name[:-1] if name.endswith("+") else name
