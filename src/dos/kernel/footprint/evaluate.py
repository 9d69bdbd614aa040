"""The evaluator: walks the tree with every directory the shell may be in, collecting writes.

It follows ``cd``, ``pushd`` and ``popd`` through lists, conditionals and loops, runs substitutions
and nested shells (``bash -c``) in their own scope, and hands each simple command to the table in
commands.py. ``_shell_footprint`` is the entry the package imports lazily for shell tools.
"""

from __future__ import annotations

from dos.kernel.footprint.commands import (_BUILTIN_ONLY, _HANDLERS, _SHELLS, _WRAPPERS,
                                           _command_name)
from dos.kernel.footprint.lexer import _MAX_DEPTH
from dos.kernel.footprint.parser import _parse
from dos.kernel.footprint.paths import _join, _lexical, _literal_arg, _render, _tidy, _Unknown
from dos.kernel.footprint.words import _args_of, _is_assignment
from dos.kernel.footprint.wrappers import _shell_script, _unwrap

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from dos.kernel.footprint.paths import _Arg
    from dos.kernel.footprint.words import _Word

_WRITE_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>", "<>"})
_MAX_STATES = 64
_MAX_STACK = 16
_LOOP_ROUNDS = 4
_EMPTY: frozenset = frozenset()
_UNKNOWN_STATES = frozenset({(None, None)})


def _shell_footprint(command: str | list[str], workdir: str) -> tuple[str, ...] | None:
    """Paths a shell command line (or argv list) writes, relative to WORKDIR; None if unknown."""
    try:
        return tuple(_Run().command_line(command, workdir))
    except _Unknown:
        return None


class _Run:
    """Walks the tree with every (cwd, directory stack) the shell may be in, collecting writes.

    A state's cwd is relative to the start directory ("" is the start), absolute, or None when
    unknown; each node returns the states after success and after failure, so that ``cd x &&``
    only moves what follows it.
    """

    __slots__ = ("found", "depth")

    def __init__(self) -> None:
        self.found: dict[str, None] = {}
        self.depth = 0

    def command_line(self, command: str | list[str], workdir: str) -> list[str]:
        states = frozenset({(workdir, ())})
        if isinstance(command, list):
            self.command([_literal_arg(w) for w in command], states, None)
        else:
            self.run(_parse(command, 0), states)
        return list(self.found)

    def run(self, node: tuple, states: frozenset) -> tuple[frozenset, frozenset]:
        if not states:
            return states, states
        if len(states) > _MAX_STATES:
            states = _UNKNOWN_STATES
        return _NODES[node[0]](self, node, states)

    def seq(self, node: tuple, states: frozenset) -> tuple[frozenset, frozenset]:
        ok, fail = states, _EMPTY
        for child, background in node[1]:
            if background:
                self.run(child, states)
                ok, fail = states, _EMPTY
            else:
                ok, fail = self.run(child, states)
                states = ok | fail
        return ok, fail

    def and_or(self, node: tuple, states: frozenset) -> tuple[frozenset, frozenset]:
        ok, fail = self.run(node[1], states)
        for op, child in node[2]:
            if op == "&&":
                done, failed = self.run(child, ok)
                ok, fail = done, fail | failed
            else:
                done, failed = self.run(child, fail)
                ok, fail = ok | done, failed
        return ok, fail

    def pipe(self, node: tuple, states: frozenset) -> tuple[frozenset, frozenset]:
        for child in node[1]:
            self.run(child, states)  # each part of a pipeline runs in a subshell
        return states, states

    def negate(self, node: tuple, states: frozenset) -> tuple[frozenset, frozenset]:
        ok, fail = self.run(node[1], states)
        return fail, ok

    def subshell(self, node: tuple, states: frozenset) -> tuple[frozenset, frozenset]:
        self.run(node[1], states)
        return states, states

    def group(self, node: tuple, states: frozenset) -> tuple[frozenset, frozenset]:
        return self.run(node[1], states)

    def redirected(self, node: tuple, states: frozenset) -> tuple[frozenset, frozenset]:
        self.redirects(node[2], states)
        return self.run(node[1], states)

    def if_(self, node: tuple, states: frozenset) -> tuple[frozenset, frozenset]:
        out: set = set()
        for cond, body in node[1]:
            ok, fail = self.run(cond, states)
            done, failed = self.run(body, ok)
            out |= done | failed
            states = fail
        if node[2] is not None:
            done, failed = self.run(node[2], states)
            out |= done | failed
        else:
            out |= states
        return frozenset(out), frozenset(out)

    def loop(self, node: tuple, states: frozenset) -> tuple[frozenset, frozenset]:
        cond, body = (node[1], node[2]) if node[0] == "loop" else (None, node[2])
        if node[0] == "for":
            for word in node[1]:
                self.substitutions(word, states)
        seen = states
        for _ in range(_LOOP_ROUNDS):
            ok, fail = self.run(cond, seen) if cond is not None else (seen, _EMPTY)
            done, failed = self.run(body, ok)
            grown = seen | ok | fail | done | failed
            if grown == seen:
                return seen, seen
            seen = grown
        ok, _fail = self.run(cond, _UNKNOWN_STATES) if cond is not None else (_UNKNOWN_STATES, _EMPTY)
        self.run(body, ok)
        return _UNKNOWN_STATES, _UNKNOWN_STATES

    def case(self, node: tuple, states: frozenset) -> tuple[frozenset, frozenset]:
        self.substitutions(node[1], states)
        out = set(states)
        carried = _EMPTY
        for patterns, body, end in node[2]:
            for word in patterns:
                self.substitutions(word, states)
            done, failed = self.run(body, states | carried)
            out |= done | failed
            carried = (done | failed) if end in (";&", ";;&") else _EMPTY
        return frozenset(out), frozenset(out)

    def test(self, node: tuple, states: frozenset) -> tuple[frozenset, frozenset]:
        for word in node[1]:
            self.substitutions(word, states)
        return states, states

    def simple(self, node: tuple, states: frozenset) -> tuple[frozenset, frozenset]:
        _, words, redirects = node
        for word in words:
            self.substitutions(word, states)
        self.redirects(redirects, states)
        i = 0
        while i < len(words) and _is_assignment(words[i]):
            i += 1
        if i == len(words):
            return states, states
        args = [arg for word in words[i:] for arg in _args_of(word)]
        return self.command(args, states, _stdin(redirects))

    def substitutions(self, word: _Word, states: frozenset) -> None:
        for sub in word.subs:
            self.run(sub, states)  # a substitution runs in a subshell: its cd does not leak

    def redirects(self, redirects: list[tuple], states: frozenset) -> None:
        for op, word, _doc in redirects:
            if word is None:
                continue
            self.substitutions(word, states)
            if op in _WRITE_REDIRECTS or (op == ">&" and not _is_fd_target(word)):
                if not word.procsub:
                    args = _args_of(word, redirect=True)
                    if args[0].argv is None:
                        raise _Unknown("redirection to an expansion")
                    self.record(args, states)

    def record(self, args: list[_Arg], states: frozenset) -> None:
        for arg in args:
            for cwd, _stack in states:
                path = _render(arg, cwd)
                if path:
                    self.found[path] = None

    def command(self, args: list[_Arg], states: frozenset, stdin: str | None,
                builtins: bool = True) -> tuple[frozenset, frozenset]:
        """Run one command (after assignments): builtins, wrappers, shells, then the tables."""
        name, by_path = _command_name(args[0])
        rest = args[1:]
        if (by_path or not builtins) and name in _BUILTIN_ONLY:
            raise _Unknown("builtin run as a program")
        if name in ("command", "builtin"):
            return self.command_builtin(name, rest, states, stdin)
        if name in ("cd", "pushd", "popd", "dirs"):
            return self.change_directory(name, rest, states)
        if name in _SHELLS:
            self.nested(_shell_script(rest, stdin), states)
            return states, states
        if name in _WRAPPERS:
            inner, extra = _unwrap(name, rest)
            self.record(extra, states)
            if inner:
                self.command(inner, states, stdin, builtins=False)
            return states, states
        handler = _HANDLERS.get(name)
        if handler is None:
            raise _Unknown("unknown command")
        self.record(handler(rest, stdin), states)
        return states, states

    def command_builtin(self, name: str, args: list[_Arg], states: frozenset,
                        stdin: str | None) -> tuple[frozenset, frozenset]:
        i = 0
        while i < len(args) and args[i].argv in ("-p", "-v", "-V", "-pv", "-pV", "--"):
            if name == "command" and args[i].argv not in ("-p", "--"):
                return states, states  # command -v only prints
            i += 1
        if i == len(args):
            return states, states
        return self.command(args[i:], states, stdin, builtins=True)

    def change_directory(self, name: str, args: list[_Arg], states: frozenset) -> tuple[frozenset, frozenset]:
        texts = [a.argv for a in args]
        if name == "dirs":
            if "-c" in texts:
                cleared = frozenset((cwd, ()) for cwd, _ in states)
                return cleared, states
            return states, states
        options = ""
        while args and args[0].argv is not None and args[0].argv[:1] == "-" and args[0].argv[1:] \
                and not args[0].argv[1:].isdigit():
            text = args.pop(0).argv
            if text == "--":
                break
            options += text[1:]
        if set(options) - set("LPe@n"):
            raise _Unknown("cd option")
        moved = set()
        for cwd, stack in states:
            moved.update(_moves(name, options, args, cwd, stack))
        if len(moved) > _MAX_STATES:
            moved = set(_UNKNOWN_STATES)
        return frozenset(moved), states

    def nested(self, script: str, states: frozenset) -> None:
        """A child shell's script (``bash -c``): it starts in our directory, its cd stays inside."""
        if self.depth >= _MAX_DEPTH:
            raise _Unknown("too deep")
        tree = _parse(script, self.depth + 1)
        self.depth += 1
        try:
            self.run(tree, frozenset((cwd, ()) for cwd, _ in states))
        finally:
            self.depth -= 1


_NODES = {"seq": _Run.seq, "andor": _Run.and_or, "pipe": _Run.pipe, "not": _Run.negate,
          "subshell": _Run.subshell, "group": _Run.group, "redirect": _Run.redirected, "if": _Run.if_,
          "loop": _Run.loop, "for": _Run.loop, "case": _Run.case, "test": _Run.test, "simple": _Run.simple}


def _is_fd_target(word: _Word) -> bool:
    values = word.values
    return bool(values) and not word.pwd and len(values) == 1 and (values[0].isdigit() or values[0] == "-")


def _stdin(redirects: list[tuple]) -> str | None:
    """The text a command reads on stdin when a here-document or here-string gives it literally."""
    text = None
    for op, word, doc in redirects:
        if op == "<<":
            text = doc.body if doc.quoted or not any(c in doc.body for c in "$`\\") else None
        elif op == "<<<":
            values = word.values
            text = values[0] + "\n" if values and len(values) == 1 and not word.pwd else None
        elif op in ("<", "<&", "<>"):
            text = None
    return text


def _moves(name: str, options: str, args: list[_Arg], cwd: str | None, stack: tuple | None) -> list[tuple]:
    """The states a successful cd, pushd or popd leads to from (CWD, STACK)."""
    if name == "cd":
        if len(args) != 1:
            return [(None, stack)]
        return [(d, stack) for d in _cd_targets(cwd, args[0], options.rfind("P") > options.rfind("L"))]
    if "n" in options or any(a.argv is None or a.argv[:1] in "+-" for a in args) or len(args) > 1:
        return [(None, None)]
    if name == "popd":
        if args or stack is None:
            return [(None, None)]
        return [(stack[0], stack[1:])] if stack else []
    if not args:
        if stack is None:
            return [(None, None)]
        return [(stack[0], (cwd, *stack[1:]))] if stack else []
    pushed = None if stack is None or len(stack) >= _MAX_STACK else (cwd, *stack)
    return [(d, pushed) for d in _cd_targets(cwd, args[0], False)]


def _cd_targets(cwd: str | None, arg: _Arg, physical: bool) -> list[str | None]:
    """Where ``cd ARG`` may land: the logical (textual) directory, and the physical one if they differ."""
    if arg.argv in (None, "", "-") or arg.glob:
        return [None]
    path = arg.path
    if not path.startswith("/"):
        if arg.fixed or cwd is None:
            return [None]
        path = _join(cwd, path)
    if physical:
        return [_tidy(path)]
    logical = _lexical(path)
    return [logical, _tidy(path)] if ".." in path.split("/") else [logical]
