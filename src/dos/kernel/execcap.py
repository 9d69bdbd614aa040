"""Does a command grant arbitrary code execution? Judged by the programs it runs, never by substrings.

The command is split into simple commands at the shell's control operators (``;``, ``&&``,
``||``, ``|``, ``&``, newlines, subshells and command substitutions). In each, leading
``NAME=value`` assignments and wrappers (``env``, ``nice``, ``timeout`` ...) with their options
are skipped; the first word left is the program. If any program (or a wrapper such as
``sudo``) is an interpreter, shell or runner, the command GRANTS_ARBITRARY_EXEC. BOUNDED means
only "no program in the declared set", not "safe". Advisory: a hook decides what to do.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any, Iterable

EXEC_PROGRAMS = frozenset({
    "python", "python2", "python3", "node", "deno", "tsx", "ruby", "perl", "php", "lua", "npx", "bunx", "npm",
    "yarn", "pnpm", "bun", "bash", "sh", "zsh", "fish", "dash", "ksh", "mksh", "csh", "tcsh", "pwsh",
    "powershell", "eval", "exec", "source", ".", "xargs", "ssh", "sudo", "doas", "su",
})
# wrapper -> (options that take a value, whether it runs a positional argument first: timeout's duration)
WRAPPERS: dict[str, tuple[frozenset[str], int]] = {
    "env": (frozenset({"-u", "--unset", "-C", "--chdir"}), 0),
    "sudo": (frozenset({"-u", "-g", "-C", "-h", "-p", "-r", "-t", "-D", "-U", "-T"}), 0),
    "doas": (frozenset({"-u", "-C"}), 0),
    "command": (frozenset(), 0),
    "builtin": (frozenset(), 0),
    "nice": (frozenset({"-n", "--adjustment"}), 0),
    "nohup": (frozenset(), 0),
    "time": (frozenset({"-f", "--format", "-o", "--output"}), 0),
    "timeout": (frozenset({"-s", "--signal", "-k", "--kill-after"}), 1),
    "stdbuf": (frozenset({"-i", "-o", "-e", "--input", "--output", "--error"}), 0),
}
_CONTROL = frozenset({";", ";;", "&", "&&", "|", "||", "|&", "(", ")", "<(", ">(", "$", "{", "}", "!"})
_REDIRECT = re.compile(r"^(?:[0-9]*)(?:<<<|<<-?|<>|>>|>\||>&|<&|&>>|&>|<|>)$")
_KEYWORDS = frozenset({"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "case", "esac",
                       "in", "for", "select", "function", "[[", "]]"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SUBSTITUTION = re.compile(r"\$\(([^()]*)\)|`([^`]*)`")
_VERSION = re.compile(r"(?<=[a-z])[0-9]+(?:\.[0-9]+)*$")
_MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class ExecCapability:
    capability: str  # BOUNDED | EMPTY | GRANTS_ARBITRARY_EXEC
    program: str | None
    reason: str
    evidence: dict[str, Any]

    @property
    def token(self) -> str:
        return self.capability

    def to_dict(self) -> dict[str, Any]:
        return {"capability": self.capability, "program": self.program, "reason": self.reason}


def program_name(word: str) -> str:
    """The name a word runs as: its basename, lower-cased, without a Windows suffix."""
    name = word.replace("\\", "/").rsplit("/", 1)[-1].lower()
    for suffix in (".exe", ".cmd", ".bat", ".com"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


def _matches(name: str, programs: frozenset[str]) -> bool:
    return name in programs or _VERSION.sub("", name) in programs  # python3.12, perl5.36


def _words(text: str) -> list[str]:
    lexer = shlex.shlex(text.replace("\n", " ; "), posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:  # an unbalanced quote: fall back to words and bare operators
        return re.findall(r"[;&|()<>]+|[^\s;&|()<>]+", text)


def _simple_commands(words: list[str]) -> Iterable[list[str]]:
    current: list[str] = []
    skip_next = False
    for w in words:
        if skip_next:
            skip_next = False
            continue
        if w in _CONTROL or w.startswith(("<(", ">(")):
            if current:
                yield current
            current = []
        elif _REDIRECT.match(w):
            skip_next = True  # the word after a redirection is a file, not a command
        else:
            current.append(w)
    if current:
        yield current


def _program_of(words: list[str]) -> tuple[str | None, list[str]]:
    """(the program, the wrappers passed on the way) of one simple command."""
    i, wrappers = 0, []
    while i < len(words) and (words[i] in _KEYWORDS or _ASSIGNMENT.match(words[i])):
        i += 1
    while i < len(words):
        name = program_name(words[i])
        if name not in WRAPPERS:
            return name, wrappers
        wrappers.append(name)
        takes_value, positionals = WRAPPERS[name]
        i += 1
        while i < len(words):
            w = words[i]
            if w == "--":
                i += 1
                break
            if name == "env" and (w in ("-S", "--split-string") or w.startswith("--split-string=")):
                inner = w.partition("=")[2] if "=" in w else (words[i + 1] if i + 1 < len(words) else "")
                program, more = _program_of(_words(inner) + words[i + (1 if "=" in w else 2):])
                return program, wrappers + more
            if w.startswith("-") and len(w) > 1:
                i += 2 if w in takes_value else 1
            elif name == "env" and _ASSIGNMENT.match(w):
                i += 1
            else:
                break
        i += positionals
    return None, wrappers


def classify_exec(command: str, extra: Iterable[str] = ()) -> ExecCapability:
    """GRANTS_ARBITRARY_EXEC if any simple command in COMMAND runs a program in the set (plus EXTRA)."""
    added = sorted({program_name(x.strip()) for x in extra if x.strip()})
    programs = EXEC_PROGRAMS | set(added)
    seen: list[str] = []
    hit = _scan(command, programs, seen, 0)
    evidence = {"programs": list(dict.fromkeys(seen)), "extra": added}
    if hit is not None:
        program, via = hit
        how = f"'{via}'" if via == program else f"'{program}' through '{via}'"
        return ExecCapability("GRANTS_ARBITRARY_EXEC", program,
                              f"the command runs {how}, which can execute arbitrary code and so escapes a "
                              f"per-command gate", evidence)
    if not seen:
        return ExecCapability("EMPTY", None, "the command runs no program", evidence)
    names = ", ".join(repr(p) for p in evidence["programs"])
    return ExecCapability("BOUNDED", seen[0], f"the command runs {names}, none of them in the arbitrary-exec set "
                                              f"(bounded by that set, not proven safe)", evidence)


def _scan(text: str, programs: frozenset[str], seen: list[str], depth: int) -> tuple[str, str] | None:
    """(the program, the word that grants) of the first simple command in TEXT that grants, else None."""
    if depth > _MAX_DEPTH:
        return ("(nested too deep)", "(nested too deep)")  # unreadable nesting counts as arbitrary exec
    for simple in _simple_commands(_words(text)):
        program, wrappers = _program_of(simple)
        if program is not None:
            seen.append(program)
        for w in wrappers:
            if _matches(w, programs):
                return (program or w, w)
        if program is not None and _matches(program, programs):
            return (program, program)
    for m in _SUBSTITUTION.finditer(text):
        found = _scan(m.group(1) if m.group(1) is not None else m.group(2), programs, seen, depth + 1)
        if found is not None:
            return found
    return None
