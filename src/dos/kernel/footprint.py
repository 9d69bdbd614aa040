"""Which files an agent's tool call writes, read from the call alone (pure: no I/O, stdlib only).

``footprint(tool, tool_input)`` names the paths a call writes as the shell would see them
(relative to the directory the call starts in, or absolute; ``:/`` is the top of the git work
tree), ``()`` when it writes nothing DOS guards, and None when it cannot tell. It may name more
than is written (a directory for the files in it) but never less: anything it cannot read with
certainty makes the answer None. Shell commands are split by shlex; comments, here-documents,
substitutions and the directory each command runs in are followed around it.

Normal form: relative paths are joined to the directories ``cd`` moved to but not normalised
(``api/../web/x`` stays), ``.`` is the start directory, ``~`` and ``~user`` prefixes are left for
the caller, and a literal (quoted) leading ``~`` is written ``./~...`` so it is not expanded.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["PATCH_TOOLS", "READ_TOOLS", "SHELL_TOOLS", "WRITE_TOOLS", "footprint"]

PATH_KEYS = ("file_path", "path", "notebook_path", "filePath", "absolute_path", "target_file",
             "TargetFile", "AbsolutePath", "file")
READ_TOOLS = frozenset({
    "read", "grep", "glob", "ls", "notebookread", "webfetch", "websearch", "todowrite", "task",
    "exitplanmode", "read_file", "read_many_files", "list_directory", "search_file_content",
    "google_web_search", "web_fetch", "codebase_search", "file_search", "grep_search", "list_dir",
    "view_file", "find_by_name", "read_url_content", "search_web", "save_memory", "write_todos",
    "agent", "taskcreate", "taskupdate", "tasklist", "taskget", "taskoutput", "taskstop", "skill",
    "slashcommand", "croncreate", "crondelete", "cronlist", "schedulewakeup", "sendmessage",
    "enterworktree", "exitworktree", "enterplanmode", "askuserquestion", "bashoutput", "killshell",
    "killbash", "listmcpresources", "listmcpresourcestool", "readmcpresource", "readmcpresourcetool",
    "toolsearch", "lsp", "monitor",
})
WRITE_TOOLS = frozenset({
    "edit", "write", "multiedit", "notebookedit", "write_file", "replace", "edit_file", "create_file",
    "delete_file", "delete", "search_replace", "str_replace", "write_to_file", "replace_file_content",
    "multi_replace_file_content",
})
SHELL_TOOLS = frozenset({"bash", "shell", "run_shell_command", "exec_command", "unified_exec",
                         "local_shell", "run_command", "run_terminal_cmd", "container.exec"})
PATCH_TOOLS = frozenset({"apply_patch", "applypatch"})
PATCH_HEADERS = ("*** Add File:", "*** Update File:", "*** Delete File:", "*** Move to:")
COMMAND_KEYS = ("command", "cmd", "CommandLine", "commandLine")
WORKDIR_KEYS = ("workdir", "dir_path", "directory", "cwd", "Cwd", "working_directory", "workingDirectory")


def footprint(tool: str, tool_input: object) -> tuple[str, ...] | None:
    """The paths a tool call writes: () writes nothing we guard; None = cannot tell."""
    try:
        return _tool_footprint(tool, tool_input)
    except Exception:  # malformed input of any kind is "cannot tell", never an error
        return None


# --------------------------------------------------------------------------- tools


def _tool_footprint(tool: object, tool_input: object) -> tuple[str, ...] | None:
    if not isinstance(tool, str):
        return None
    name = tool.casefold()
    if name in READ_TOOLS:
        return ()
    args = tool_input if isinstance(tool_input, dict) else {}
    if name in PATCH_TOOLS:
        text = tool_input if isinstance(tool_input, str) else _patch_text(args)
        return _patch_tool(text, args)
    if name in SHELL_TOOLS:
        return _shell_tool(args)
    if name in WRITE_TOOLS:
        return _edit_tool(name, args)
    return None


def _edit_tool(name: str, args: Mapping) -> tuple[str, ...] | None:
    """Every path an edit-style call names (a leading ``~`` both expanded and literal)."""
    found: list[str] = []
    text = _patch_text(args) if name in ("edit", "write") else ""
    if text:
        found += _patch_paths(text) or ()
    for key in PATH_KEYS:
        value = args.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            return None
        for path in dict.fromkeys((value, value.strip())):
            if path:
                found += [path, "./" + path] if path.startswith("~") else [path]
    return tuple(dict.fromkeys(found)) or None


def _patch_text(args: Mapping) -> str:
    for key in ("command", "patch", "input"):
        value = args.get(key)
        if isinstance(value, list):
            value = next((w for w in value if isinstance(w, str) and _looks_like_patch(w)), None)
        if isinstance(value, str) and _looks_like_patch(value):
            return value
    return ""


def _looks_like_patch(text: str) -> bool:
    return "*** Begin Patch" in text or "\n+++ " in text or text.startswith("--- ")


def _patch_tool(text: object, args: Mapping) -> tuple[str, ...] | None:
    if not isinstance(text, str) or not text:
        return None
    paths = _patch_paths(text)
    workdir = _workdir(args)
    if paths is None or workdir is None:
        return None
    rendered = (_render(_Arg(p, p, p.startswith("/")), workdir) for p in paths)
    return tuple(dict.fromkeys(p for p in rendered if p)) or None


def _patch_paths(text: str) -> tuple[str, ...] | None:
    """Files an apply_patch (or unified diff) text names; None if it names none."""
    found: list[str] = []
    for line in text.splitlines():
        found += _patch_line_paths(line)
    return tuple(dict.fromkeys(p for p in found if p and p != "/dev/null")) or None


def _patch_line_paths(line: str) -> list[str]:
    for head in PATCH_HEADERS:
        if line.startswith(head):
            return [line[len(head):].strip()]
    if line.startswith(("+++ ", "--- ")):
        name = line[4:].split("\t", 1)[0].strip()
        return [name[2:] if name.startswith(("a/", "b/")) else name]
    for head in ("rename from ", "rename to ", "copy from ", "copy to "):
        if line.startswith(head):
            return [line[len(head):].strip()]
    return []


def _shell_tool(args: Mapping) -> tuple[str, ...] | None:
    if not any(k in args for k in COMMAND_KEYS) and isinstance(args.get("action"), dict):
        args = args["action"]  # Codex local_shell: {"action": {"command": [...], ...}}
    commands: list = []
    for key in COMMAND_KEYS:
        value = args.get(key)
        if value is not None and value not in commands:
            commands.append(value)
    workdir = _workdir(args)
    if len(commands) != 1 or workdir is None:
        return None
    command = commands[0]
    if isinstance(command, list) and command and all(isinstance(w, str) for w in command):
        return _shell_footprint(command, workdir)
    if isinstance(command, str):
        return _shell_footprint(command, workdir)
    return None


def _workdir(args: Mapping) -> str | None:
    """The tool's own working-directory argument: "" if none, None if it cannot be used."""
    found: list[str] = []
    for key in WORKDIR_KEYS:
        value = args.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or value.startswith("~") or "\x00" in value:
            return None
        if value not in found:
            found.append(value)
    if len(found) > 1:
        return None
    if not found or found[0] in (".", "./"):
        return ""
    return found[0].rstrip("/") or "/"


# --------------------------------------------------------------------------- shell: entry

_BLANK = " \t"
_PUNCT = "();<>|&\n"
_OPERATORS = ("&>>", ";;&", "<<<", "&&", "||", ";;", ";&", "|&", "&>", ">>", ">|", ">&", "<&", "<<", "<>",
              "<(", ">(", "((", ";", "&", "|", "<", ">", "(", ")", "\n")
_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>", "<>", "<", "<<", "<<<", ">&", "<&"})
_WRITE_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>", "<>"})
_MAX_DEPTH = 24
_MAX_TOKENS = 3000
_MAX_CHARS = 12000  # characters shlex must see one by one
_MAX_STATES = 64
_MAX_STACK = 16
_MAX_BRACES = 256
_LOOP_ROUNDS = 4
_EMPTY: frozenset = frozenset()
_UNKNOWN_STATES = frozenset({(None, None)})
_BARE_STOPS = " \t\n();<>|&'\"\\$`"
_DOUBLE_STOPS = "\"\\$`"
_BRACE_UNSAFE = frozenset(" \t\n'\"\\`$(){};&|<>")
_LOGIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


class _Unknown(Exception):
    """Raised wherever the footprint cannot be named with certainty."""


class _SubstitutionStart(Exception):
    """The stream reached the "(" of an active "$(": the lexer parses the substitution."""

    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.pos = pos


def _shell_footprint(command: str | list[str], workdir: str) -> tuple[str, ...] | None:
    """Paths a shell command line (or argv list) writes, relative to WORKDIR; None if unknown."""
    try:
        return tuple(_Run().command_line(command, workdir))
    except _Unknown:
        return None


def _parse(src: str, depth: int) -> tuple:
    """The syntax tree of a whole script; refuses anything left unread."""
    if depth > _MAX_DEPTH or "\x00" in src:
        raise _Unknown("too deep or NUL")
    lexer = _Lexer(src, 0, _marks(src), depth, [0, 0])
    parser = _Parser(lexer)
    tree = parser.parse_list()
    if parser.tok.kind != "eof" or lexer.heredocs:
        raise _Unknown("unread input")
    return tree


def _marks(src: str) -> tuple[str, str]:
    """SRC with the characters that end a bare (resp. double-quoted) run replaced by NUL."""
    return (src.translate({ord(c): 0 for c in _BARE_STOPS}), src.translate({ord(c): 0 for c in _DOUBLE_STOPS}))


# --------------------------------------------------------------------------- shell: lexer


class _Stream:
    """Feeds shlex the source one character at a time and sees what shlex does not.

    It skips comments, hands runs of plain characters straight to the token, logs the position
    of every character it hands out singly, and stops at the "(" of an active "$(" (or refuses
    backquotes and unsafe ``${``) so that the lexer can deal with it.
    """

    __slots__ = ("src", "end", "pos", "lex", "log", "dollar", "bare", "double", "spill", "budget")

    def __init__(self, src: str, marks: tuple[str, str], budget: list[int]) -> None:
        self.src, self.end, self.budget = src, len(src), budget
        self.bare, self.double = marks
        self.pos, self.lex, self.log, self.dollar, self.spill = 0, None, [], False, []

    def reset(self, lex: object, pos: int) -> None:
        self.lex, self.pos, self.log, self.dollar, self.spill = lex, pos, [], False, []

    def take_spill(self, tail: str) -> str:
        """The whole token whose end shlex returned as TAIL."""
        if not self.spill:
            return tail
        whole = "".join(self.spill) + tail
        self.spill = []
        return whole

    def read(self, _size: int = 1) -> str:
        src, p, end, lex = self.src, self.pos, self.end, self.lex
        state = lex.state
        if state == " ":
            while p < end and src[p] in _BLANK:
                p += 1
        if p >= end:
            self.pos = end
            return ""
        c = src[p]
        if self.dollar:
            self.dollar = False
            _after_dollar(src, p, c, state)
        if state == "'":
            if c != "'":
                q = src.find("'", p)
                q = end if q < 0 else q
                if q > p + 1:
                    lex.token += src[p:q - 1]
                    p = q - 1
                    c = src[p]
        elif state == "\\":
            pass
        elif c == "$":
            self.dollar = True
        elif c == "`":
            raise _Unknown("backquote")
        elif c == "#" and state in (" ", "c"):
            p = src.find("\n", p)
            if p < 0:
                self.pos = end
                return ""
            c = "\n"
        elif state == "a" or state == '"':
            marks = self.bare if state == "a" else self.double
            if marks[p] != "\x00":
                q = marks.find("\x00", p + 1)
                q = end if q < 0 else q
                if q > p + 1:
                    lex.token += src[p:q - 1]
                    p = q - 1
                    c = src[p]
        if len(lex.token) > 1024:  # keep shlex's += cheap: move all but the last character aside
            self.spill.append(lex.token[:-1])
            lex.token = lex.token[-1:]
        self.budget[1] += 1
        if self.budget[1] > _MAX_CHARS:
            raise _Unknown("too long")
        self.log.append(p)
        self.pos = p + 1
        return c


def _after_dollar(src: str, p: int, c: str, state: str) -> None:
    """Check what follows an active "$": substitutions, arithmetic and odd quoting."""
    if c == "(":
        if src.startswith("(", p + 1):
            raise _Unknown("arithmetic")
        raise _SubstitutionStart(p)
    if c == "[":
        raise _Unknown("arithmetic")
    if c == "{":
        _check_braced(src, p)
    elif c == "'" and state != '"':
        end = src.find("'", p + 1)
        if end < 0 or "\\" in src[p + 1:end]:
            raise _Unknown("ANSI-C quoting")


def _check_braced(src: str, p: int) -> None:
    """Refuse the ``${...}`` whose "{" is at P unless it is a plain parameter expansion."""
    end = src.find("}", p + 1)
    body = src[p + 1:end] if end > 0 else ""
    if not body or len(body) > 4096 or any(c in _BRACE_UNSAFE for c in body):
        raise _Unknown("parameter expansion")
    if body[0] == "!":
        if not body.endswith(("*", "@", "[@]", "[*]")):
            raise _Unknown("indirect expansion")
        return
    i = 1 if body[0] == "#" and len(body) > 1 else 0
    j = i
    if body[j] in "@*#?-!":
        j += 1
    while j < len(body) and _is_name_char(body[j]):
        j += 1
    if j == i:
        raise _Unknown("parameter expansion")
    name, rest = body[i:j], body[j:]
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0 or not (rest[1:close].isdigit() or rest[1:close] in ("@", "*")):
            raise _Unknown("subscript")
        rest = rest[close + 1:]
    if not rest:
        return
    if (rest.startswith(("=", ":=")) and _sensitive(name)) or rest[0] == "@":
        raise _Unknown("assignment or transformation")
    if rest[0] == ":" and rest[1:2] not in ("-", "=", "+", "?"):
        if not all(c.isdigit() or c == ":" for c in rest[1:]):
            raise _Unknown("substring")
    elif rest[0] not in "-=+?#%/^,:":
        raise _Unknown("parameter expansion")


class _Tok:
    __slots__ = ("kind", "text", "start", "end", "word")

    def __init__(self, kind: str, text: str, start: int, end: int, word: _Word | None = None) -> None:
        self.kind, self.text, self.start, self.end, self.word = kind, text, start, end, word


class _Heredoc:
    __slots__ = ("delimiter", "strip_tabs", "quoted", "body")

    def __init__(self, delimiter: str, strip_tabs: bool, quoted: bool) -> None:
        self.delimiter, self.strip_tabs, self.quoted, self.body = delimiter, strip_tabs, quoted, None


class _Lexer:
    """Shell tokens (words and operators) with their positions, from shlex over a _Stream."""

    __slots__ = ("src", "marks", "depth", "budget", "stream", "lex", "queue", "heredocs", "resume", "subs",
                 "eof", "in_heredoc_line")

    def __init__(self, src: str, start: int, marks: tuple[str, str], depth: int, budget: list[int],
                 in_heredoc_line: bool = False) -> None:
        self.src, self.marks, self.depth, self.budget = src, marks, depth, budget
        self.heredocs: list[_Heredoc] = []
        self.subs: list = []
        self.eof: _Tok | None = None
        self.in_heredoc_line = in_heredoc_line
        self.queue: list[_Tok] = []  # tokens read ahead; a restart keeps those before it
        self.stream = _Stream(src, marks, budget)
        self.restart(start)

    def restart(self, pos: int) -> None:
        """Start a fresh shlex at POS (after a here-document, or at first)."""
        import shlex  # lazily: shlex imports re, which costs milliseconds

        lex = shlex.shlex(self.stream, posix=True, punctuation_chars=_PUNCT)
        lex.whitespace, lex.commenters, lex.whitespace_split = _BLANK, "", True
        if not hasattr(lex, "_pushback_chars"):
            raise _Unknown("unsupported shlex")
        self.stream.reset(lex, pos)
        self.lex, self.resume = lex, pos

    def next(self) -> _Tok:
        while not self.queue:
            self._read()
        return self.queue.pop(0)

    def peek(self) -> _Tok:
        while not self.queue:
            self._read()
        return self.queue[0]

    def _read(self) -> None:
        if self.eof is not None:
            self.queue.append(self.eof)
            return
        self.budget[0] += 1
        if self.budget[0] > _MAX_TOKENS:
            raise _Unknown("too long")
        lex, stream, src = self.lex, self.stream, self.src
        self.subs = []
        while True:
            try:
                value = lex.get_token()
                break
            except _SubstitutionStart as sub:
                self._substitute(sub.pos)
            except ValueError as error:  # unbalanced quotes, a trailing backslash
                raise _Unknown("shlex") from error
        if value is None:
            stream.spill = []
            self.eof = _Tok("eof", "", len(src), len(src))
            self.queue.append(self.eof)
            return
        log = stream.log
        ended = lex.state is not None  # ended by a blank or a pushed-back character, logged last
        end = log[-1] if ended else stream.pos
        start = self.resume
        while start < end and src[start] in _BLANK:
            start += 1
        stream.log = log[-1:] if lex._pushback_chars else []
        self.resume = end
        value = stream.take_spill(value)
        if src[start] in _PUNCT or src[start] == "#":
            positions = log[-len(value) - 1:-1] if ended else log[-len(value):]
            self._operators(value, positions)
            return
        word = _make_word(src[start:end], self.subs)
        if word is not None:
            self.queue.append(_Tok("word", src[start:end], start, end, word))

    def _operators(self, value: str, positions: list[int]) -> None:
        k = 0
        while k < len(value):
            op = value if len(value) == 1 else next(o for o in _OPERATORS if value.startswith(o, k))
            tok = _Tok("op", op, positions[k], positions[k + len(op) - 1] + 1)
            self.queue.append(tok)
            k += len(op)
            if op == "\n" and (self.heredocs or self.in_heredoc_line):
                if self.in_heredoc_line:
                    raise _Unknown("newline in a substitution on a here-document line")
                self.restart(self._read_heredocs(tok.end))
                return

    def _read_heredocs(self, pos: int) -> int:
        """Read the pending here-document bodies from POS; return where the script resumes."""
        for doc in self.heredocs:
            doc.body, pos = _heredoc_body(self.src, pos, doc)
            if not doc.quoted:
                _check_expansions(doc.body)
        self.heredocs = []
        return pos

    def _substitute(self, pos: int) -> None:
        """Parse the ``$(...)`` whose "(" is at POS, then resume the current token after it."""
        lex = self.lex
        if self.depth >= _MAX_DEPTH or not lex.token.endswith("$"):
            raise _Unknown("substitution")
        lex.token = lex.token[:-1] + "\x00"
        inner = _Lexer(self.src, pos + 1, self.marks, self.depth + 1, self.budget,
                       bool(self.heredocs) or self.in_heredoc_line)
        parser = _Parser(inner)
        body = parser.parse_list(stops=(")",))
        if not parser.at_op(")") or inner.heredocs:
            raise _Unknown("unclosed substitution")
        self.subs.append(body)
        self.stream.pos = parser.tok.end
        self.stream.dollar = False


def _heredoc_body(src: str, pos: int, doc: _Heredoc) -> tuple[str, int]:
    """The body of DOC starting at POS and the position after its delimiter line."""
    if not doc.strip_tabs:
        needle = "\n" + doc.delimiter + "\n"
        k = src.find(needle, pos - 1)
        if k >= 0:
            return src[pos:k + 1], k + len(needle)
        tail = "\n" + doc.delimiter
        if src.endswith(tail) and len(src) - len(tail) >= pos - 1:
            return src[pos:len(src) - len(doc.delimiter)], len(src)
        raise _Unknown("unterminated here-document")
    lines = []
    while pos < len(src):
        nl = src.find("\n", pos)
        stop = len(src) if nl < 0 else nl
        line = src[pos:stop].lstrip("\t")
        pos = stop + 1
        if line == doc.delimiter:
            return "".join(x + "\n" for x in lines), min(pos, len(src))
        lines.append(line)
    raise _Unknown("unterminated here-document")


def _check_expansions(text: str) -> None:
    """Refuse expansions in an unquoted here-document that could run a command or assign."""
    if "`" in text or "\\\n" in text:
        raise _Unknown("expansion in here-document")
    i = text.find("$")
    while i >= 0:
        nxt = text[i + 1:i + 2]
        if nxt in ("(", "["):
            raise _Unknown("substitution in here-document")
        if nxt == "{":
            _check_braced(text, i + 1)
        i = text.find("$", i + 1)


# --------------------------------------------------------------------------- shell: words


class _Word:
    """One shell word: its possible values (None: not known statically) and substitutions."""

    __slots__ = ("raw", "values", "subs", "fixed", "pwd", "pwd_bare", "glob", "procsub")

    def __init__(self, raw: str, values: tuple[str, ...] | None, subs: Sequence = (), fixed: bool = False,
                 pwd: bool = False, pwd_bare: bool = False, glob: bool = False, procsub: bool = False) -> None:
        self.raw, self.values, self.subs = raw, values, list(subs)
        self.fixed, self.pwd, self.pwd_bare, self.glob, self.procsub = fixed, pwd, pwd_bare, glob, procsub


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
_SPECIAL_WORD_CHARS = "'\"\\$~{*?["
_PWD_HEADS = (('"${PWD}', True), ('"$PWD', True), ("${PWD}", False), ("$PWD", False), ("~+", None))


def _make_word(raw: str, subs: list) -> _Word | None:
    """The word a token's source text stands for; None for a bare line continuation."""
    if subs:
        return _Word(raw, None, subs=subs)
    if not any(c in raw for c in _SPECIAL_WORD_CHARS):
        return _Word(raw, (raw,))  # the common case: nothing to unquote or expand
    pwd = _pwd_word(raw) if raw[0] in "$\"~" else None
    if pwd is not None:
        return pwd
    chunks = _scan(raw)
    if not chunks:
        return None
    if any("$" in text for text, quote in chunks if quote in ("", '"')):
        return _Word(raw, None)
    bare = [text for text, quote in chunks if not quote]
    glob = any(_has_glob(text) for text in bare)
    fixed = False
    if raw.startswith("~"):
        prefix = raw.split("/", 1)[0]
        if not any(c in prefix for c in "'\"\\"):
            if prefix[1:2] in ("+", "-") or prefix[1:].isdigit() or "{" in raw:
                return _Word(raw, None)  # ~-, ~+N, ~N: the directory stack; braces before tildes
            fixed = all(c in _LOGIN_CHARS for c in prefix[1:])
    values: tuple[str, ...] | None = ("".join(text for text, _ in chunks),)
    if any("{" in text for text in bare):
        values = _expand_braces(chunks)
    return _Word(raw, values, fixed=fixed, glob=glob)


def _pwd_word(raw: str) -> _Word | None:
    """A word that starts with ``$PWD``, ``${PWD}`` or ``~+``: a path below the current directory."""
    for head, quoted in _PWD_HEADS:
        if not raw.startswith(head):
            continue
        rest = raw[len(head):]
        if head.endswith("PWD") and rest[:1] and _is_name_char(rest[0]):
            return None
        if head == "~+" and rest[:1] not in ("", "/"):
            return None
        chunks = _scan('"' + rest if quoted else rest)
        suffix = "".join(text for text, _ in chunks)
        bare = [text for text, quote in chunks if not quote]
        if (any("$" in text for text, quote in chunks if quote in ("", '"')) or (suffix and suffix[0] != "/")
                or any("{" in text for text in bare)):
            return _Word(raw, None)
        return _Word(raw, (suffix,), pwd=True, pwd_bare=quoted is False, glob=any(_has_glob(t) for t in bare))
    return None


def _has_glob(text: str) -> bool:
    """Unquoted TEXT holds a pattern character ("[" only counts with a "]" after it)."""
    return "*" in text or "?" in text or ("[" in text and "]" in text[text.index("["):])


def _scan(raw: str) -> list[tuple[str, str]]:
    """Split one word's source into (text, quote) chunks; quote is "", "'", '"' or "\\" (escaped)."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "'":
            j = raw.find("'", i + 1)
            if j < 0:
                raise _Unknown("quote")
            out.append((raw[i + 1:j], "'"))
            i = j + 1
        elif c == '"':
            i = _scan_double(raw, i + 1, out)
        elif c == "\\":
            if i + 1 >= n:
                raise _Unknown("escape")
            if raw[i + 1] != "\n":
                out.append((raw[i + 1], "\\"))
            i += 2
        else:
            j = _find_any(raw, "'\"\\", i)
            out.append((raw[i:j], ""))
            i = j
    return out


def _scan_double(raw: str, i: int, out: list[tuple[str, str]]) -> int:
    seg = i
    while True:
        j = _find_any(raw, '"\\', i)
        if j >= len(raw):
            raise _Unknown("quote")
        if raw[j] == '"':
            out.append((raw[seg:j], '"'))
            return j + 1
        nxt = raw[j + 1:j + 2]
        if nxt and nxt in '$`"\\\n':
            out.append((raw[seg:j], '"'))
            if nxt != "\n":
                out.append((nxt, "\\"))
            i = seg = j + 2
        else:
            i = j + 1


def _find_any(s: str, chars: str, i: int) -> int:
    best = len(s)
    for c in chars:
        k = s.find(c, i, best)
        if k >= 0:
            best = k
    return best


def _expand_braces(chunks: list[tuple[str, str]]) -> tuple[str, ...] | None:
    items = [(c, not quote) for text, quote in chunks for c in text]
    out = _brace_alternatives(items)
    return None if out is None else tuple(dict.fromkeys(out))


def _brace_alternatives(items: list[tuple[str, bool]]) -> list[str] | None:
    """Bash brace expansion of (char, unquoted) pairs; None for sequences or too many words."""
    for i, (c, bare) in enumerate(items):
        if c != "{" or not bare:
            continue
        close, commas, dots = _brace_close(items, i)
        if close < 0:
            continue
        if not commas:
            if dots:
                return None
            continue
        head, tail = items[:i], items[close + 1:]
        bounds = [i, *commas, close]
        results: list[str] = []
        for a, b in zip(bounds, bounds[1:]):
            sub = _brace_alternatives(head + items[a + 1:b] + tail)
            if sub is None or len(results) + len(sub) > _MAX_BRACES:
                return None
            results += sub
        return results
    return ["".join(c for c, _ in items)]


def _brace_close(items: list[tuple[str, bool]], i: int) -> tuple[int, list[int], bool]:
    depth, commas, dots = 0, [], False
    for k in range(i, len(items)):
        c, bare = items[k]
        if not bare:
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return k, commas, dots
        elif depth == 1 and c == ",":
            commas.append(k)
        elif depth == 1 and c == "." and k + 1 < len(items) and items[k + 1] == (".", True):
            dots = True
    return -1, [], False


def _args_of(word: _Word, redirect: bool = False) -> list[_Arg]:
    """The arguments a word becomes (an unquoted $PWD is only trusted where it is not split)."""
    if word.values is None or (word.pwd_bare and not redirect):
        return [_Arg(None, None, False, raw=word.raw)]
    if word.pwd:
        suffix = word.values[0].lstrip("/")
        return [_Arg("\x00PWD/" + suffix, suffix or ".", False, glob=word.glob)]
    return [_Arg(v, v, word.fixed or v.startswith("/"), glob=word.glob) for v in word.values]


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


def _is_assignment(word: _Word) -> bool:
    """True for a NAME=value word before the command name; refuses assignments DOS cannot follow."""
    raw = word.raw
    eq = raw.find("=")
    if eq <= 0:
        return False
    name = raw[:eq - 1] if raw[eq - 1] == "+" else raw[:eq]
    subscript = None
    if name.endswith("]") and "[" in name:
        name, _, subscript = name[:-1].partition("[")
    if not _is_name(name):
        return False
    if (subscript is not None and not subscript.isdigit()) or _sensitive(name):
        raise _Unknown("assignment DOS cannot follow")
    return True


# --------------------------------------------------------------------------- shell: parser

_COMPOUND_STARTS = frozenset({"{", "if", "while", "until", "for", "case", "[["})
_MISPLACED = frozenset({"then", "elif", "else", "fi", "do", "done", "esac", "}", "function", "select", "coproc"})
_ARITH_TESTS = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge"})


class _Parser:
    """A recursive-descent reader of the shell grammar, building a small tree of tuples."""

    __slots__ = ("lexer", "tok")

    def __init__(self, lexer: _Lexer) -> None:
        self.lexer = lexer
        self.tok = lexer.next()

    def advance(self) -> None:
        self.tok = self.lexer.next()

    def at_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def at_word(self, *words: str) -> bool:
        return self.tok.kind == "word" and self.tok.text in words

    def expect_word(self, word: str) -> None:
        if not self.at_word(word):
            raise _Unknown("syntax")
        self.advance()

    def skip_newlines(self) -> None:
        while self.at_op("\n"):
            self.advance()

    def parse_list(self, stops: tuple = (), ends: tuple = (), required: bool = False) -> tuple:
        """A list of and-or lists up to EOF, an operator in STOPS or a keyword in ENDS (not consumed)."""
        items = []
        while True:
            self.skip_newlines()
            if self.tok.kind == "eof" or self.at_op(*stops) or self.at_word(*ends):
                break
            node = self.parse_and_or()
            if self.at_op(";", "&"):
                items.append((node, self.tok.text == "&"))
                self.advance()
                continue
            items.append((node, False))
            if not self.at_op("\n"):
                break
        if required and not items:
            raise _Unknown("empty list")
        return ("seq", items)

    def parse_and_or(self) -> tuple:
        first = self.parse_pipeline()
        rest = []
        while self.at_op("&&", "||"):
            op = self.tok.text
            self.advance()
            self.skip_newlines()
            rest.append((op, self.parse_pipeline()))
        return ("andor", first, rest) if rest else first

    def parse_pipeline(self) -> tuple:
        negate = False
        while True:
            if self.at_word("!"):
                negate = not negate
                self.advance()
            elif self.at_word("time"):
                self.advance()
                if self.at_word("-p"):
                    self.advance()
            else:
                break
        cmds = [self.parse_command()]
        while self.at_op("|", "|&"):
            self.advance()
            self.skip_newlines()
            cmds.append(self.parse_command())
        node = cmds[0] if len(cmds) == 1 else ("pipe", cmds)
        return ("not", node) if negate else node

    def parse_command(self) -> tuple:
        tok = self.tok
        if tok.kind == "op" and tok.text == "(":
            self.advance()
            body = self.parse_list(stops=(")",), required=True)
            if not self.at_op(")"):
                raise _Unknown("syntax")
            self.advance()
            node: tuple = ("subshell", body)
        elif tok.kind == "word" and tok.text in _COMPOUND_STARTS:
            self.advance()
            node = self.parse_compound(tok.text)
        elif tok.kind == "word" and tok.text in _MISPLACED:
            raise _Unknown("syntax")
        elif tok.kind == "eof" or (tok.kind == "op" and tok.text not in _REDIRECTS and tok.text not in ("<(", ">(")):
            raise _Unknown("syntax")
        else:
            return self.parse_simple()
        redirects = self.parse_redirects()
        return ("redirect", node, redirects) if redirects else node

    def parse_compound(self, keyword: str) -> tuple:
        if keyword == "{":
            body = self.parse_list(ends=("}",), required=True)
            self.expect_word("}")
            return ("group", body)
        if keyword == "if":
            return self.parse_if()
        if keyword in ("while", "until"):
            cond = self.parse_list(ends=("do",), required=True)
            self.expect_word("do")
            body = self.parse_list(ends=("done",), required=True)
            self.expect_word("done")
            return ("loop", cond, body)
        if keyword == "for":
            return self.parse_for()
        if keyword == "case":
            return self.parse_case()
        return self.parse_test()

    def parse_if(self) -> tuple:
        clauses = []
        while True:
            cond = self.parse_list(ends=("then",), required=True)
            self.expect_word("then")
            clauses.append((cond, self.parse_list(ends=("elif", "else", "fi"), required=True)))
            if not self.at_word("elif"):
                break
            self.advance()
        other = None
        if self.at_word("else"):
            self.advance()
            other = self.parse_list(ends=("fi",), required=True)
        self.expect_word("fi")
        return ("if", clauses, other)

    def parse_for(self) -> tuple:
        name = self.tok
        if name.kind != "word" or not _is_name(name.text) or _sensitive(name.text):
            raise _Unknown("for")
        self.advance()
        self.skip_newlines()
        words = []
        if self.at_word("in"):
            self.advance()
            while self.tok.kind == "word":
                words.append(self.tok.word)
                self.advance()
        if self.at_op(";", "\n"):
            self.advance()
        self.skip_newlines()
        self.expect_word("do")
        body = self.parse_list(ends=("done",), required=True)
        self.expect_word("done")
        return ("for", words, body)

    def parse_case(self) -> tuple:
        if self.tok.kind != "word":
            raise _Unknown("case")
        subject = self.tok.word
        self.advance()
        self.skip_newlines()
        self.expect_word("in")
        branches = []
        while True:
            self.skip_newlines()
            if self.at_word("esac"):
                self.advance()
                return ("case", subject, branches)
            if self.at_op("("):
                self.advance()
            patterns = []
            while True:
                if self.tok.kind != "word":
                    raise _Unknown("case pattern")
                patterns.append(self.tok.word)
                self.advance()
                if not self.at_op("|"):
                    break
                self.advance()
            if not self.at_op(")"):
                raise _Unknown("case pattern")
            self.advance()
            body = self.parse_list(stops=(";;", ";&", ";;&"), ends=("esac",))
            end = ";;"
            if self.at_op(";;", ";&", ";;&"):
                end = self.tok.text
                self.advance()
            elif not self.at_word("esac"):
                raise _Unknown("case")
            branches.append((patterns, body, end))

    def parse_test(self) -> tuple:
        words = []
        while not self.at_word("]]"):
            tok = self.tok
            if tok.kind == "word":
                words.append(tok.word)
            elif tok.kind == "eof" or tok.text not in ("&&", "||", "(", ")", "<", ">", "\n"):
                raise _Unknown("[[")
            self.advance()
        self.advance()
        texts = [w.raw for w in words]
        if "-v" in texts:
            raise _Unknown("[[ -v")
        for k, text in enumerate(texts):
            if text in _ARITH_TESTS:
                left, right = texts[k - 1] if k else "", texts[k + 1] if k + 1 < len(texts) else ""
                if not (_is_int(left) and _is_int(right)):
                    raise _Unknown("arithmetic in [[")
        return ("test", words)

    def parse_simple(self) -> tuple:
        words: list[_Word] = []
        redirects: list[tuple] = []
        last: _Tok | None = None
        while True:
            tok = self.tok
            if tok.kind == "word":
                words.append(tok.word)
                last = tok
                self.advance()
                if self.at_op("("):
                    raise _Unknown("function definition or array")
            elif tok.kind == "op" and tok.text in _REDIRECTS:
                if last is not None and words and words[-1] is last.word and last.end == tok.start \
                        and _is_fd_prefix(last.text):
                    words.pop()
                redirects.append(self.parse_redirect())
                last = None
            elif tok.kind == "op" and tok.text in ("<(", ">("):
                words.append(self.parse_procsub())
                last = None
            else:
                break
        if not words and not redirects:
            raise _Unknown("empty command")
        return ("simple", words, redirects)

    def parse_redirects(self) -> list[tuple]:
        out = []
        while True:
            tok = self.tok
            if tok.kind == "op" and tok.text in _REDIRECTS:
                out.append(self.parse_redirect())
            elif tok.kind == "word" and _is_fd_prefix(tok.text):
                nxt = self.lexer.peek()
                if not (nxt.kind == "op" and nxt.text in _REDIRECTS and nxt.start == tok.end):
                    return out
                self.advance()
                out.append(self.parse_redirect())
            else:
                return out

    def parse_redirect(self) -> tuple:
        op = self.tok
        self.advance()
        if op.text == "<<":
            return self.parse_heredoc(op)
        tok = self.tok
        if tok.kind == "op" and tok.text in ("<(", ">("):
            return (op.text, self.parse_procsub(), None)
        if tok.kind != "word":
            raise _Unknown("redirection target")
        self.advance()
        return (op.text, tok.word, None)

    def parse_heredoc(self, op: _Tok) -> tuple:
        tok = self.tok
        if tok.kind != "word":
            raise _Unknown("here-document")
        raw = tok.text
        strip = tok.start == op.end and raw.startswith("-")
        if strip:
            raw = raw[1:]
            if not raw:
                self.advance()
                tok = self.tok
                if tok.kind != "word":
                    raise _Unknown("here-document")
                raw = tok.text
        if tok.word.subs or "$" in raw or "`" in raw:
            raise _Unknown("here-document delimiter")
        doc = _Heredoc("".join(text for text, _ in _scan(raw)), strip, any(c in raw for c in "'\"\\"))
        self.lexer.heredocs.append(doc)  # before the next token: it may be the newline
        self.advance()
        return ("<<", None, doc)

    def parse_procsub(self) -> _Word:
        self.advance()
        body = self.parse_list(stops=(")",), required=True)
        if not self.at_op(")"):
            raise _Unknown("process substitution")
        end = self.tok.end
        self.advance()
        word = _Word("", None, subs=[body], procsub=True)
        while self.tok.kind == "word" and self.tok.start == end:
            word.subs += self.tok.word.subs
            word.procsub = False
            end = self.tok.end
            self.advance()
        return word


def _is_fd_prefix(text: str) -> bool:
    return (text.isascii() and text.isdigit()) or (text.startswith("{") and text.endswith("}") and _is_name(text[1:-1]))


def _is_int(text: str) -> bool:
    digits = text[1:] if text[:1] in "+-" else text
    return digits.isascii() and digits.isdigit()


# --------------------------------------------------------------------------- shell: evaluation


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


# --------------------------------------------------------------------------- options


def _longs(spec: str) -> dict[str, int]:
    """Long options from "name" (no value), "name=" (a value) and "name=?" (an optional glued value)."""
    out = {}
    for item in spec.split():
        if item.endswith("=?"):
            out[item[:-2]] = 2
        elif item.endswith("="):
            out[item[:-1]] = 1
        else:
            out[item] = 0
    return out


_NO_LONGS: dict[str, int] = {}
_HELP = _longs("help version")


def _parse_options(args: list[_Arg], flags: str = "", values: str = "", optional: str = "",
                   longs: dict[str, int] = _NO_LONGS, globs: bool = False, stop: bool = False) -> list[tuple]:
    """GNU-style options in order: (name, value Arg or None), operands as ("", Arg); raise on surprises."""
    items: list[tuple] = []
    i, n = 0, len(args)
    while i < n:
        arg = args[i]
        text = arg.argv
        i += 1
        if text is None:
            raise _Unknown("unknown argument")
        if text == "--":
            items += [("", a) for a in _static(args[i:])]
            break
        if text.startswith("--"):
            name, eq, value = text[2:].partition("=")
            name = _long_name(name, longs)
            kind = longs[name]
            if kind == 0:
                if eq:
                    raise _Unknown("option value")
                items.append((name, None))
            elif eq:
                items.append((name, _value_arg(value)))
            elif kind == 1:
                if i >= n or args[i].argv is None:
                    raise _Unknown("option value")
                items.append((name, args[i]))
                i += 1
            else:
                items.append((name, None))
        elif text.startswith("-") and len(text) > 1:
            i = _short_options(text, args, i, flags, values, optional, items)
        else:
            if arg.risky and not globs:
                raise _Unknown("glob that may expand to an option")
            items.append(("", arg))
            if stop:
                items += [("", a) for a in _static(args[i:])]
                break
    return items


def _short_options(text: str, args: list[_Arg], i: int, flags: str, values: str, optional: str,
                   items: list[tuple]) -> int:
    for j in range(1, len(text)):
        c = text[j]
        if c in flags:
            items.append((c, None))
            continue
        rest = text[j + 1:]
        if c in values:
            if rest:
                items.append((c, _value_arg(rest)))
            elif i < len(args) and args[i].argv is not None:
                items.append((c, args[i]))
                i += 1
            else:
                raise _Unknown("option value")
            return i
        if c in optional:
            items.append((c, _value_arg(rest) if rest else None))
            return i
        raise _Unknown("unknown option")
    return i


def _long_name(name: str, longs: dict[str, int]) -> str:
    if name in longs:
        return name
    matches = [k for k in longs if k.startswith(name)] if name else []
    if len(matches) != 1:
        raise _Unknown("unknown or ambiguous long option")
    return matches[0]


def _getopt(args: list[_Arg], flags: str = "", values: str = "", optional: str = "",
            longs: dict[str, int] = _NO_LONGS, globs: bool = False, stop: bool = False) -> tuple[list, list]:
    items = _parse_options(args, flags, values, optional, longs, globs, stop)
    return [(k, v) for k, v in items if k], [v for k, v in items if not k]


def _has(opts: list[tuple], *names: str) -> bool:
    return any(k in names for k, _ in opts)


def _vals(opts: list[tuple], *names: str) -> list[_Arg]:
    return [v for k, v in opts if k in names and v is not None]


def _static(args: list[_Arg]) -> list[_Arg]:
    if any(a.argv is None for a in args):
        raise _Unknown("unknown argument")
    return args


def _not_risky(args: list[_Arg]) -> list[_Arg]:
    if any(a.argv is None or a.risky for a in _static(args)):
        raise _Unknown("glob that may expand to an option")
    return args


# --------------------------------------------------------------------------- wrappers and shells

_SUDO_LONGS = _longs("askpass background bell preserve-env=? set-home non-interactive preserve-groups stdin "
                     "user= group= prompt= close-from= host= command-timeout= other-user= role= type= help version")
_SET_O_SAFE = frozenset("""errexit nounset xtrace pipefail noclobber noglob verbose errtrace functrace noexec hashall
allexport monitor notify ignoreeof nolog emacs vi history histexpand physical braceexpand""".split())


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


# --------------------------------------------------------------------------- command tables


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


_SORT_LONGS = _longs("ignore-leading-blanks dictionary-order ignore-case general-numeric-sort ignore-nonprinting "
                     "month-sort human-numeric-sort numeric-sort random-sort random-source= reverse sort= "
                     "version-sort batch-size= check=? compress-program= debug files0-from= key= merge output= "
                     "stable buffer-size= field-separator= temporary-directory= parallel= unique zero-terminated "
                     "help version")


def _sort(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, _ = _getopt(args, "bcCdfghiMmnRrsuVz", "kotST", "", _SORT_LONGS)
    if _has(opts, "compress-program"):
        raise _Unknown("sort runs a program")
    return [a for a in _vals(opts, "o", "output", "T", "temporary-directory") if a.argv != "-"]


def _uniq(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    _, operands = _getopt(args, "cdDiuz", "fsw", "", _longs("count repeated all-repeated=? skip-fields= group=? "
                                                          "ignore-case skip-chars= unique zero-terminated "
                                                          "check-chars= help version"))
    if len(operands) > 2 or any(a.argv.startswith("+") for a in operands):
        raise _Unknown("uniq")
    return [a for a in operands[1:] if a.argv != "-"]


_FIND_ACTIONS = frozenset({"-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprint0", "-fprintf", "-fls"})


def _find(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    if any(a.argv in _FIND_ACTIONS for a in _not_risky(args)):
        raise _Unknown("find writes")
    return []


def _fd(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    for a in _not_risky(args):
        t = a.argv
        if t.startswith("--exec") or (t[:1] == "-" and t[1:2] != "-" and ("x" in t or "X" in t)):
            raise _Unknown("fd --exec")
    return []


def _rg(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    if any(a.argv.startswith("--pre") and not a.argv.startswith("--pre-glob") for a in _not_risky(args)):
        raise _Unknown("rg --pre")
    return []


def _ag(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    for a in _not_risky(args):
        name = a.argv[2:].split("=", 1)[0] if a.argv.startswith("--") else ""
        if len(name) >= 2 and "pager".startswith(name):
            raise _Unknown("pager")
    return []


_AWK_FLAGS = frozenset({"-b", "-c", "-P", "-r", "-n", "-N", "-M", "-t", "-L", "-S", "--sandbox", "--posix",
                        "--traditional", "--characters-as-bytes", "--re-interval", "--lint"})


def _awk(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    i = 0
    while i < len(args):
        text = args[i].argv
        if text is None:
            raise _Unknown("awk")
        if text == "--":
            i += 1
            break
        if text in _AWK_FLAGS or (text[:2] in ("-F", "-v") and len(text) > 2):
            i += 1
        elif text in ("-F", "-v"):
            i += 2
        elif text.startswith("-") and text != "-":
            raise _Unknown("awk option")
        else:
            break
    program = args[i].argv if i < len(args) else None
    if program is None or any(s in program for s in (">", "|", "system", "@")):
        raise _Unknown("awk program may write")
    return []


_SED_LONGS = _longs("in-place=? expression= file= line-length= null-data zero-terminated separate unbuffered "
                    "regexp-extended posix quiet silent debug sandbox follow-symlinks binary help version")


def _sed(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, files = _getopt(args, "nrsuzEb", "efl", "i", _SED_LONGS)
    if _has(opts, "f", "file"):
        raise _Unknown("sed script file")
    scripts = [v.argv for v in _vals(opts, "e", "expression")]
    if not scripts:
        if not files:
            raise _Unknown("sed without a script")
        scripts, files = [files[0].argv], files[1:]
    if not all(_sed_script_is_safe(s) for s in [*scripts, "\n".join(scripts)]):
        raise _Unknown("sed script writes or runs")
    in_place = [(k, v) for k, v in opts if k in ("i", "in-place")]
    if not in_place:
        return []
    suffix = in_place[-1][1].argv if in_place[-1][1] is not None else ""
    if "/" in suffix or "*" in suffix:
        raise _Unknown("sed backup elsewhere")
    return files + ([_suffixed(f, suffix) for f in files] if suffix else [])


def _sed_script_is_safe(s: str) -> bool:
    """True when a sed script has no command that writes or runs anything (w, W, e, s///w, s///e)."""
    i, n = 0, len(s)
    while True:
        while i < n and s[i] in " \t\n;}":
            i += 1
        if i >= n:
            return True
        if s[i] == "#":
            i = _line_end(s, i)
            continue
        i = _sed_address(s, i)
        if i >= 0 and i < n and s[i] == ",":
            i = _sed_address(s, _skip_blanks(s, i + 1))
        if i < 0:
            return False
        i = _skip_blanks(s, i)
        while i < n and s[i] == "!":
            i = _skip_blanks(s, i + 1)
        if i >= n:
            return False
        c = s[i]
        i += 1
        if c in "{=dDgGhHnNpPxzF":
            continue
        if c in "lLqQ":
            i = _skip_blanks(s, i)
            while i < n and s[i].isdigit():
                i += 1
        elif c in "btT:v":
            while i < n and s[i] not in ";\n":
                i += 1
        elif c in "aic":
            i = _sed_text_end(s, i)
        elif c in "rR":
            i = _line_end(s, i)
        elif c in "sy":
            i = _sed_parts(s, i, bracketed=True)
            if i < 0:
                return False
            while i < n and s[i].isalnum():
                if c == "y" or s[i] not in "gpiImM0123456789":
                    return False  # w FILE and e run or write; anything else unknown
                i += 1
        else:
            return False


def _sed_address(s: str, i: int) -> int:
    n = len(s)
    if i >= n:
        return i
    if s[i].isdigit() or s[i] in "+~":
        i += 1
        while i < n and (s[i].isdigit() or s[i] == "~"):
            i += 1
        return i
    if s[i] == "$":
        return i + 1
    if s[i] in "/\\":
        delim = "/" if s[i] == "/" else s[i + 1:i + 2]
        j = _sed_regex_end(s, i + (1 if s[i] == "/" else 2), delim, bracketed=True)
        if j < 0:
            return -1
        i = j + 1
        while i < n and s[i] in "IM":
            i += 1
    return i


def _sed_parts(s: str, i: int, bracketed: bool) -> int:
    """Skip the two delimited parts of s or y starting at the delimiter at I; -1 if malformed."""
    delim = s[i:i + 1]
    if not delim or delim in "\\\n":
        return -1
    j = _sed_regex_end(s, i + 1, delim, bracketed)
    if j < 0:
        return -1
    j = _sed_regex_end(s, j + 1, delim, False)
    return -1 if j < 0 else j + 1


def _sed_regex_end(s: str, i: int, delim: str, bracketed: bool) -> int:
    """Index of the unescaped DELIM ending a part (bracket expressions skipped as GNU sed does)."""
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
        elif c == delim:
            return i
        elif c == "\n":
            return -1
        elif c == "[" and bracketed:
            i = _bracket_end(s, i)
            if i < 0:
                return -1
        else:
            i += 1
    return -1


def _bracket_end(s: str, i: int) -> int:
    j = i + 1
    if s[j:j + 1] == "^":
        j += 1
    if s[j:j + 1] == "]":
        j += 1
    while j < len(s):
        if s[j] == "]":
            return j + 1
        if s[j] == "[" and s[j + 1:j + 2] in (":", "=", "."):
            end = s.find(s[j + 1] + "]", j + 2)
            if end < 0:
                return -1
            j = end + 2
        elif s[j] == "\n":
            return -1
        else:
            j += 1
    return -1


def _sed_text_end(s: str, i: int) -> int:
    while i < len(s):
        if s[i] == "\\":
            i += 2
        elif s[i] == "\n":
            return i
        else:
            i += 1
    return len(s)


def _skip_blanks(s: str, i: int) -> int:
    while 0 <= i < len(s) and s[i] in _BLANK:
        i += 1
    return i


def _line_end(s: str, i: int) -> int:
    k = s.find("\n", i)
    return len(s) if k < 0 else k


def _perl(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    """perl -i with substitutions only: the files; any other perl is unknown."""
    in_place, codes, i = None, [], 0
    while i < len(args):
        text = args[i].argv
        if text is None:
            raise _Unknown("perl")
        if text == "--":
            i += 1
            break
        if not text.startswith("-") or text == "-":
            break
        i += 1
        j = 1
        while j < len(text):
            c = text[j]
            j += 1
            if c in "eE":
                code = text[j:] or (args[i].argv if i < len(args) else None)
                if not text[j:]:
                    i += 1
                codes.append(code)
                break
            if c == "i":
                in_place = text[j:]
                break
            if c in "0l":
                while j < len(text) and (text[j].isdigit() or text[j] in "xXabcdefABCDEF"):
                    j += 1
            elif c not in "anptTuUwWX":
                raise _Unknown("perl option")
    files = _not_risky(args[i:])
    if in_place is None or not codes or "/" in in_place or "*" in in_place:
        raise _Unknown("perl runs code")
    if not all(code is not None and _perl_is_substitution(code) for code in codes):
        raise _Unknown("perl runs code")
    return files + ([_suffixed(f, in_place) for f in files] if in_place else [])


def _perl_is_substitution(code: str) -> bool:
    """True when CODE is only s///, tr/// or y/// without parts that run code."""
    i, n, seen = 0, len(code), False
    while True:
        while i < n and (code[i].isspace() or code[i] == ";"):
            i += 1
        if i >= n:
            return seen
        if code.startswith("tr", i):
            i, flags = i + 2, "cdsr"
        elif code[i] == "s":
            i, flags = i + 1, "gimsxr"
        elif code[i] == "y":
            i, flags = i + 1, "cdsr"
        else:
            return False
        delim = code[i:i + 1]
        if not delim or delim.isalnum() or delim.isspace() or delim in "{[(<_\\":
            return False
        k = i + 1
        for _ in range(2):
            j = k
            while j < n and code[j] != delim:
                j += 2 if code[j] == "\\" else 1
            if j >= n or not _perl_part_is_inert(code[k:j]):
                return False
            k = j + 1
        while k < n and code[k].isalpha():
            if code[k] not in flags:
                return False
            k += 1
        i, seen = k, True


def _perl_part_is_inert(part: str) -> bool:
    """A regex or replacement that interpolates nothing but $1..$9 and $& and embeds no code."""
    if any(bad in part for bad in ("(?{", "(??{", "(*{", "@")):
        return False
    i = 0
    while i < len(part):
        c = part[i]
        if c == "\\":
            i += 2
            continue
        if c == "$":
            nxt = part[i + 1:i + 2]
            if nxt in ("", ")", "|"):
                i += 1
                continue
            if not (nxt.isdigit() or nxt == "&"):
                return False
            i += 2
            while i < len(part) and part[i].isdigit():
                i += 1
            if part[i:i + 1] in ("[", "{"):
                return False
            continue
        i += 1
    return True


def _tree(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    out = []
    for k, a in enumerate(_not_risky(args)):
        t = a.argv
        if t.startswith("--o"):
            raise _Unknown("tree output")
        if t[:1] == "-" and t[1:2] != "-":
            if "R" in t or ("o" in t and t != "-o"):
                raise _Unknown("tree writes")
            if t == "-o":
                if k + 1 >= len(args):
                    raise _Unknown("tree -o")
                out.append(args[k + 1])
    return out


def _file(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    for a in _not_risky(args):
        if a.argv.startswith("--comp") or (a.argv[:1] == "-" and a.argv[1:2] != "-" and "C" in a.argv):
            raise _Unknown("file -C")
    return []


def _xxd(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    if sum(1 for a in _not_risky(args) if not a.argv.startswith("-")) >= 2:
        raise _Unknown("xxd output file")
    return []


_PYTEST_WRITERS = ("basetemp", "junitxml", "junit-xml", "log-file", "report-log", "result-log", "resultlog", "html",
                   "json-report", "json-report-file", "cov", "cov-report", "debug", "override-ini", "pastebin")


def _pytest(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    """pytest writes only its caches, unless told to write reports or a temp tree elsewhere."""
    for a in _static(args):
        t = a.argv
        if t.startswith("--"):
            name = t[2:].split("=", 1)[0]
            if len(name) >= 2 and any(w.startswith(name) for w in _PYTEST_WRITERS):
                raise _Unknown("pytest writes a report")
        elif t.startswith("-"):
            for c in t[1:]:
                if c in "oc":
                    raise _Unknown("pytest -o/-c")
                if c in "kmpnrW":
                    break
    return []


_XARGS_LONGS = _longs("null arg-file= delimiter= eof=? replace=? max-lines=? max-args= max-procs= interactive "
                      "no-run-if-empty max-chars= verbose exit open-tty show-limits help version")


def _xargs(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    _, command = _getopt(args, "0oprtx", "aEdILnPs", "eil", _XARGS_LONGS, globs=True, stop=True)
    if command:
        name, _ = _command_name(command[0])
        if _HANDLERS.get(name) is not _pure or name in _BUILTIN_ONLY:
            raise _Unknown("xargs runs a command that may write")
    return []


_CURL_LONGS = _longs("""silent show-error location location-trusted fail fail-with-body fail-early include head
verbose insecure get no-buffer compressed http1.0 http1.1 http2 http2-prior-knowledge http3 ipv4 ipv6 progress-bar
no-progress-meter globoff raw path-as-is no-keepalive retry-connrefused retry-all-errors anyauth basic digest ntlm
negotiate netrc netrc-optional proxy-insecure tcp-nodelay styled-output no-styled-output parallel
junk-session-cookies list-only remote-time disable help version request= header= data= data-raw= data-binary=
data-ascii= data-urlencode= json= user= user-agent= referer= max-time= connect-timeout= retry= retry-delay=
retry-max-time= url= proxy= form= form-string= upload-file= range= cookie= cert= key= cacert= capath= resolve=
connect-to= interface= limit-rate= max-filesize= max-redirs= oauth2-bearer= proto= proto-redir= noproxy=
proxy-user= unix-socket= abstract-unix-socket= expect100-timeout= keepalive-time= dns-servers= local-port=
aws-sigv4= url-query= write-out= output= dump-header= cookie-jar= trace= trace-ascii= stderr= libcurl= etag-save=
hsts= alt-svc=""")
_CURL_WRITES = ("o", "D", "c", "output", "dump-header", "cookie-jar", "trace", "trace-ascii", "stderr", "libcurl",
                "etag-save", "hsts", "alt-svc")


def _curl(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, _ = _getopt(args, "sSLfiIvkGN46#qjZlR", "XHduAemxrUEbFTwCYyzPQtoDc", "", _CURL_LONGS)
    if any("%output" in (v.argv or "") for v in _vals(opts, "w", "write-out")):
        raise _Unknown("curl write-out to a file")
    return [v for v in _vals(opts, *_CURL_WRITES) if v.argv != "-"]


# writers ------------------------------------------------------------------

def _rm(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "fiIrRdv", "", "", _longs("force interactive=? recursive dir verbose one-file-system "
                                                   "no-preserve-root preserve-root=? help version"), globs=True)[1]


def _rmdir(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "pv", "", "", _longs("ignore-fail-on-non-empty parents verbose help version"),
                             globs=True)
    return [p for a in operands for p in _with_parents(a)] if _has(opts, "p", "parents") else operands


def _mkdir(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "pvZ", "m", "", _longs("mode= parents verbose context=? help version"), globs=True)
    return [p for a in operands for p in _with_parents(a)] if _has(opts, "p", "parents") else operands


def _touch(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "acfhm", "drt", "", _longs("date= no-create reference= no-dereference time= help version"),
                   globs=True)[1]


def _tee(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "aip", "", "", _longs("append ignore-interrupts output-error=? help version"))[1]


def _truncate(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "co", "rs", "", _longs("no-create io-blocks reference= size= help version"))[1]


def _shred(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "fuvxz", "ns", "", _longs("force iterations= random-source= size= remove=? verbose exact "
                                                   "zero help version"))[1]


def _unlink(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "", "", "", _HELP)[1]


def _link(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "", "", "", _HELP)[1][1:]


_COPY_LONGS = "backup=? suffix= target-directory= no-target-directory verbose help version "
_MV_LONGS = _longs(_COPY_LONGS + "force interactive no-clobber no-copy strip-trailing-slashes update=? context "
                   "exchange debug")
_CP_LONGS = _longs(_COPY_LONGS + "archive attributes-only copy-contents debug dereference force interactive link "
                   "no-clobber no-dereference no-preserve= one-file-system parents preserve=? recursive reflink=? "
                   "remove-destination sparse= strip-trailing-slashes symbolic-link update=? context=? "
                   "keep-directory-symlink")
_INSTALL_LONGS = _longs(_COPY_LONGS + "compare directory group= mode= owner= preserve-timestamps strip "
                        "strip-program= preserve-context context=? debug")
_LN_LONGS = _longs(_COPY_LONGS + "directory force interactive logical no-dereference physical relative symbolic")


def _backups(opts: list[tuple], paths: list[_Arg]) -> list[_Arg]:
    """PATHS plus the backups -b/--backup/-S leave beside them."""
    suffixes = [v.argv for v in _vals(opts, "S", "suffix")]
    if any("/" in s for s in suffixes):
        raise _Unknown("backup elsewhere")
    if _has(opts, "b", "backup", "S", "suffix"):
        return paths + [_suffixed(p, "*") for p in paths]
    return paths


def _destination(opts: list[tuple], operands: list[_Arg]) -> list[_Arg]:
    targets = _vals(opts, "t", "target-directory")
    if targets:
        return targets
    if len(operands) < 2:
        raise _Unknown("no destination")
    return operands[-1:]


def _mv(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "bfinuvTZ", "St", "", _MV_LONGS)
    return _backups(opts, operands + _vals(opts, "t", "target-directory"))


def _cp(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "abdfHilLnPpRrsTuvxZ", "St", "", _CP_LONGS)
    return _backups(opts, _destination(opts, operands))


def _install(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "bcCdDpsvTZ", "gmoSt", "", _INSTALL_LONGS)
    if _has(opts, "strip-program"):
        raise _Unknown("install runs a program")
    if _has(opts, "d", "directory"):
        return [p for a in operands for p in _with_parents(a)]
    dests = _destination(opts, operands)
    if _has(opts, "D"):
        dests = [p for a in dests for p in _with_parents(a)]
    return _backups(opts, dests)


def _ln(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "bdfFinLPrsTv", "St", "", _LN_LONGS)
    if len(operands) == 1 and not _vals(opts, "t", "target-directory"):
        name = (operands[0].path or "").rstrip("/").rsplit("/", 1)[-1]
        if name in ("", ".", "..") or name.startswith("~"):
            raise _Unknown("ln name")
        return _backups(opts, [_Arg(name, name, False)])
    return _backups(opts, _destination(opts, operands))


_DD_KEYS = frozenset({"bs", "cbs", "conv", "count", "ibs", "if", "iflag", "obs", "of", "oflag", "seek", "skip",
                      "status", "iseek", "oseek"})


def _dd(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    out = []
    for a in _static(args):
        key, eq, value = a.argv.partition("=")
        if a.argv in ("--help", "--version"):
            continue
        if not eq or key not in _DD_KEYS:
            raise _Unknown("dd operand")
        if key == "of":
            out.append(_value_arg(value))
    return out


_CHMOD_LONGS = _longs("changes silent quiet verbose no-preserve-root preserve-root recursive reference= help version")


def _chmod(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    mode_seen, files, i, options_done = False, [], 0, False
    while i < len(args):
        text = args[i].argv
        i += 1
        if text is None:
            raise _Unknown("chmod")
        if not options_done and text == "--":
            options_done = True
        elif not options_done and text.startswith("--"):
            name = _long_name(text[2:].split("=", 1)[0], _CHMOD_LONGS)
            if name == "reference":
                mode_seen = True
                i += 0 if "=" in text else 1
        elif not options_done and text.startswith("-") and len(text) > 1:
            if all(c in "cfvR" for c in text[1:]):
                continue
            if mode_seen or not all(c in "rwxXstugoa01234567,+-=" for c in text[1:]):
                raise _Unknown("chmod option")
            mode_seen = True
        elif not mode_seen:
            mode_seen = True
        else:
            files.append(args[i - 1])
    return files


def _chown(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "cfvhHLPR", "", "", _longs("changes silent quiet verbose dereference "
                                                             "no-dereference from= no-preserve-root preserve-root "
                                                             "reference= recursive help version"), globs=True)
    return operands if _has(opts, "reference") else operands[1:]


_TAR_LONGS = _longs("""extract get list create append update catenate concatenate diff compare delete test-label
file= directory= gzip gunzip ungzip bzip2 xz lzip lzma lzop zstd compress uncompress auto-compress verbose
keep-old-files keep-newer-files skip-old-files overwrite overwrite-dir no-overwrite-dir unlink-first recursive-unlink
strip-components= exclude= exclude-from= exclude-vcs exclude-vcs-ignores exclude-backups exclude-caches anchored
no-anchored wildcards no-wildcards wildcards-match-slash ignore-case no-ignore-case null no-null files-from=
to-stdout preserve-permissions same-permissions no-same-permissions preserve-order same-order same-owner
no-same-owner numeric-owner owner= group= mode= mtime= touch sort= format= posix old-archive portability dereference
hard-dereference one-file-system one-top-level=? transform= xform= show-transformed-names show-stored-names totals=?
checkpoint=? warning= blocking-factor= record-size= ignore-zeros ignore-failed-read read-full-records sparse
sparse-version= xattrs no-xattrs xattrs-include= xattrs-exclude= acls no-acls selinux no-selinux
delay-directory-restore no-delay-directory-restore force-local label= newer= after-date= newer-mtime= no-recursion
recursion no-unquote unquote quoting-style= quote-chars= no-quote-chars= utc full-time check-links block-number
interactive confirmation verify absolute-names remove-files to-command= use-compress-program= info-script=
new-volume-script= rsh-command= rmt-command= checkpoint-action= listed-incremental= index-file= volno-file= help
version usage""")
_TAR_FLAGS = "cxtruAdvzjJZaphkmwPOSiGlMnoUWBRs"
_TAR_VALUES = "fCbTXKLNVgIFH"
_TAR_MODES = {"c": "c", "create": "c", "x": "x", "extract": "x", "get": "x", "t": "t", "list": "t", "test-label": "t",
              "r": "r", "append": "r", "u": "u", "update": "u", "A": "A", "catenate": "A", "concatenate": "A",
              "d": "d", "diff": "d", "compare": "d", "delete": "delete"}
_TAR_FORBIDDEN = frozenset({"g", "I", "F", "to-command", "use-compress-program", "info-script", "new-volume-script",
                            "rsh-command", "rmt-command", "checkpoint-action", "listed-incremental", "index-file",
                            "volno-file", "remove-files"})


def _tar(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    items = _parse_options(_tar_bundled(args), _TAR_FLAGS, _TAR_VALUES, "", _TAR_LONGS, globs=True)
    names = {k for k, _ in items if k}
    modes = {_TAR_MODES[k] for k in names if k in _TAR_MODES}
    if names & _TAR_FORBIDDEN or len(modes) != 1:
        raise _Unknown("tar")
    mode = modes.pop()
    if mode in ("t", "d"):
        return []
    dirs, cur, member_first = [], None, False
    for k, v in items:
        if k in ("C", "directory"):
            cur = _child(cur, v)
            dirs.append(cur)
        elif not k and cur is None:
            member_first = True
    if mode == "x":
        if names & {"O", "to-stdout"}:
            return []
        if names & {"P", "absolute-names"}:
            raise _Unknown("tar -P")
        return dirs + [_DOT] if member_first or not dirs else dirs
    archives = [v for k, v in items if k in ("f", "file")]
    if not archives:
        raise _Unknown("tar archive on the default device")
    out = []
    for a in archives:
        if a.argv == "-":
            continue
        if ":" in a.argv.split("/", 1)[0] and "force-local" not in names:
            raise _Unknown("remote archive")
        out += [a] + [_child(d, a) for d in dirs]
    return out


def _tar_bundled(args: list[_Arg]) -> list[_Arg]:
    """``tar xzf A`` written as ``tar -x -z -f A``."""
    if not args or args[0].argv is None or args[0].argv.startswith("-"):
        return args
    out, rest = [], args[1:]
    for c in args[0].argv:
        out.append(_Arg("-" + c, "-" + c, False))
        if c in _TAR_VALUES:
            if not rest:
                raise _Unknown("tar")
            out.append(rest.pop(0))
    return out + rest


def _unzip(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    exdirs, archive, listing, i = [], None, False, 0
    while i < len(_static(args)):
        text = args[i].argv
        i += 1
        if text == "-d":
            if i >= len(args):
                raise _Unknown("unzip -d")
            exdirs.append(args[i])
            i += 1
        elif text.startswith("-d"):
            exdirs.append(_value_arg(text[2:]))
        elif text.startswith("-") and len(text) > 1:
            for c in text[1:]:
                if c in "lvtzZcp":
                    listing = True
                elif c not in "ofnujaqsCDKLMUVWXx$^b+":
                    raise _Unknown("unzip option")
        elif archive is None:
            archive = args[i - 1]
    if listing:
        return []
    if archive is None:
        raise _Unknown("unzip")
    return exdirs or [_DOT]


_PATCH_LONGS = _longs("backup backup-if-mismatch no-backup-if-mismatch context directory= ifdef= ed "
                      "remove-empty-files force fuzz= get= input= ignore-whitespace normal forward output= strip= "
                      "reject-file= reverse silent quiet batch set-time set-utc unified version-control= verbose "
                      "binary merge=? dry-run posix read-only= reject-format= follow-symlinks quoting-style= "
                      "prefix= basename-prefix= suffix= help version")


def _patch(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "bcEeflnNRsStuvZT", "BdDFgiopVYrzx", "", _PATCH_LONGS)
    if _has(opts, "B", "Y", "z", "prefix", "basename-prefix", "suffix"):
        raise _Unknown("patch backups elsewhere")
    if _has(opts, "dry-run"):
        return []
    dirs = _vals(opts, "d", "directory") or [_DOT]
    extra = [a for a in _vals(opts, "o", "output", "r", "reject-file") + operands[:1] if a.argv != "-"]
    return dirs + [_child(d, a) for d in dirs for a in extra]


_RSYNC_LONGS = _longs("""verbose quiet no-motd checksum archive recursive relative no-relative no-implied-dirs backup
update inplace append append-verify dirs mkpath links copy-links copy-unsafe-links safe-links munge-links
copy-dirlinks keep-dirlinks hard-links perms executability acls xattrs owner group devices specials copy-devices
write-devices times atimes open-noatime crtimes omit-dir-times omit-link-times super fake-super sparse preallocate
dry-run whole-file one-file-system existing ignore-existing remove-source-files remove-sent-files delete
delete-before delete-during delete-delay delete-after delete-excluded ignore-missing-args delete-missing-args
ignore-errors force partial delay-updates prune-empty-dirs numeric-ids ignore-times size-only compress cvs-exclude
from0 protect-args secluded-args trust-sender stats 8-bit-output human-readable progress itemize-changes list-only
ipv4 ipv6 version help no-perms no-owner no-group no-times no-recursive no-dirs no-links no-devices no-specials
no-whole-file no-compress no-inc-recursive inc-recursive msgs2stderr no-msgs2stderr blocking-io no-blocking-io
fsync copy-as= info= debug= stderr= rsync-path= exclude= include= exclude-from= include-from= files-from= filter=
chmod= chown= usermap= groupmap= suffix= compare-dest= copy-dest= link-dest= timeout= contimeout= bwlimit=
max-size= min-size= max-delete= max-alloc= modify-window= out-format= log-file-format= port= sockopts=
password-file= early-input= iconv= block-size= checksum-choice= compress-choice= compress-level= skip-compress=
checksum-seed= protocol= address= outbuf= stop-after= stop-at= time-limit= remote-option= read-batch= temp-dir=
partial-dir= backup-dir= log-file= write-batch= only-write-batch=""")
_RSYNC_WRITES = ("T", "temp-dir", "partial-dir", "backup-dir", "log-file", "write-batch", "only-write-batch")


def _rsync(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "vqcarRbudlLkKHpEAXogDtOJSnWxyCFmIhPz4680siNU", "fTBM@", "", _RSYNC_LONGS)
    out = _vals(opts, *_RSYNC_WRITES)
    if len(operands) < 2 and not _has(opts, "read-batch"):
        return out  # one operand only lists it
    if not operands or _is_remote(operands[-1].argv):
        raise _Unknown("rsync to a remote or nowhere")
    out.append(operands[-1])
    if _has(opts, "remove-source-files", "remove-sent-files"):
        out += [a for a in operands[:-1] if not _is_remote(a.argv)]
    return out


def _is_remote(text: str) -> bool:
    return text.startswith(("rsync://", "scp://", "sftp://")) or ":" in text.split("/", 1)[0]


def _scp(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "346ABCdfOpqRrTv", "cDFiJlmoPSX", "", _NO_LONGS)
    if _has(opts, "o", "F", "S", "D") or len(operands) < 2 or _is_remote(operands[-1].argv):
        raise _Unknown("scp")
    return operands[-1:]


def _apply_patch(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    text = _static(args)[0].argv if args else stdin
    paths = _patch_paths(text) if text else None
    if paths is None:
        raise _Unknown("patch names nothing")
    return [_Arg(p, p, p.startswith("/")) for p in paths]


# git ----------------------------------------------------------------------

_GIT_GLOBAL_FLAGS = frozenset({"-p", "-P", "--paginate", "--no-pager", "--no-replace-objects", "--literal-pathspecs",
                               "--glob-pathspecs", "--noglob-pathspecs", "--icase-pathspecs", "--no-optional-locks",
                               "--no-advice"})
_GIT_SAFE_KEYS = ("color.", "advice.", "user.", "i18n.", "column.")
_GIT_SAFE_KEYS_EXACT = frozenset({"core.quotepath", "core.autocrlf", "core.safecrlf", "core.filemode",
                                  "init.defaultbranch", "commit.gpgsign", "tag.gpgsign", "gc.auto", "maintenance.auto",
                                  "safe.directory", "pull.rebase", "pull.ff", "push.default", "push.autosetupremote",
                                  "merge.conflictstyle", "merge.ff", "rebase.autosquash", "rebase.autostash",
                                  "fetch.prune", "diff.noprefix", "diff.renames", "status.showuntrackedfiles"})
_GIT_READERS = frozenset("""status log diff show rev-parse ls-files grep blame annotate describe fetch push remote reflog
shortlog whatchanged cat-file ls-tree merge-base rev-list show-ref for-each-ref version help count-objects fsck gc
prune repack check-ignore check-attr check-ref-format name-rev cherry range-diff var hash-object update-index
update-ref symbolic-ref verify-commit verify-tag ls-remote show-branch maintenance diff-tree diff-files diff-index
mktree commit-tree write-tree show-index get-tar-commit-id patch-id replace pack-refs prune-packed multi-pack-index
commit-graph fmt-merge-msg merge-tree request-pull column stripspace""".split())
_GIT_QUIET = frozenset({"commit", "add", "stage", "tag", "branch", "notes"})
_GIT_RUNNERS = ("upload-pack", "receive-pack", "exec", "open-files-in-pager")
_GIT_STRATEGIES = frozenset({"ort", "recursive", "resolve", "octopus", "ours", "subtree"})


class _GitPlace:
    """Where a git command's paths land, after -C and --work-tree."""

    __slots__ = ("base", "tree", "tree_is_subdir")

    def __init__(self, base: _Arg | None, tree: _Arg | None) -> None:
        self.base = base
        self.tree = None if tree is None else _child(base, tree)
        text = tree.argv if tree is not None else ""
        self.tree_is_subdir = bool(text) and not tree.fixed and ".." not in text.split("/") \
            and any(seg not in ("", ".") for seg in text.split("/"))

    def top(self) -> list[_Arg]:
        return [_TOP] if self.tree is None else [self.tree]

    def paths(self, arg: _Arg) -> list[_Arg]:
        """The paths one pathspec may write (magic pathspecs count as the whole tree)."""
        if arg.argv is None or arg.argv.startswith(":"):
            return self.top()
        if self.tree is None:
            return [_child(self.base, arg)]
        if self.tree_is_subdir:
            return [_child(self.tree, arg)]
        return [_child(self.base, arg), _child(self.tree, arg)]

    def file(self, arg: _Arg) -> _Arg:
        return _child(self.base, arg)


def _git(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    base = tree = None
    i = 0
    while i < len(args):
        text = args[i].argv
        if text is None:
            raise _Unknown("git option")
        if text in ("-C", "-c", "--work-tree", "--namespace"):
            if i + 1 >= len(args) or args[i + 1].argv is None:
                raise _Unknown("git option value")
            value = args[i + 1]
            if text == "-C" and value.argv:
                base = _child(base, value)
            elif text == "-c":
                _check_git_key(value.argv.split("=", 1)[0])
            elif text == "--work-tree":
                tree = value
            i += 2
        elif text.startswith("--work-tree="):
            tree = _value_arg(text[len("--work-tree="):])
            i += 1
        elif text in _GIT_GLOBAL_FLAGS or text.startswith(("--namespace=", "--list-cmds=", "--attr-source=")):
            i += 1
        elif text in ("--version", "--help", "-v", "-h", "--html-path", "--man-path", "--info-path", "--exec-path"):
            return []
        elif text.startswith("-"):
            raise _Unknown("git option")  # --git-dir, --bare, --exec-path=, --config-env ...
        else:
            break
    if i >= len(args):
        return []
    sub, rest, place = args[i].argv, args[i + 1:], _GitPlace(base, tree)
    if sub in _GIT_QUIET:
        return []
    if sub in _GIT_READERS:
        return _git_reader(sub, rest, place)
    handler = _GIT_HANDLERS.get(sub)
    if handler is None:
        raise _Unknown("git subcommand")
    return handler(sub, rest, place)


def _check_git_key(key: str) -> None:
    key = key.lower()
    if not (key.startswith(_GIT_SAFE_KEYS) or key in _GIT_SAFE_KEYS_EXACT):
        raise _Unknown("git config that may run or move things")


def _long_prefix(text: str, names: tuple[str, ...], least: int = 2) -> bool:
    """True if TEXT is --NAME (or an abbreviation of it, as git and GNU accept) for one of NAMES."""
    if not text.startswith("--"):
        return False
    name = text[2:].split("=", 1)[0]
    return len(name) >= least and any(n.startswith(name) for n in names)


def _git_reader(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    """Subcommands that write only inside .git, unless told to write a file (--output)."""
    out, k = [], 0
    while k < len(rest):
        text = rest[k].argv
        k += 1
        if text is None:
            raise _Unknown("git argument")
        if text == "--":
            break
        if _long_prefix(text, _GIT_RUNNERS):
            raise _Unknown("git runs a program")
        if _long_prefix(text, ("output",)):
            if "=" in text:
                out.append(_value_arg(text.split("=", 1)[1]))
            elif k < len(rest) and rest[k].argv is not None:
                out.append(rest[k])
                k += 1
            else:
                raise _Unknown("git --output")
        elif (sub == "grep" and text.startswith("-O")) or (sub == "ls-remote" and text.startswith("-u")):
            raise _Unknown("git runs a program")
    return [place.file(a) for a in out]


def _git_texts(rest: list[_Arg]) -> list[str] | None:
    texts = [a.argv for a in rest]
    return None if None in texts else texts


def _short_has(texts: list[str], letter: str) -> bool:
    return any(t[:1] == "-" and t[1:2] != "-" and letter in t[1:] for t in texts)


def _pathspecs(rest: list[_Arg], valued: tuple[str, ...] = ()) -> list[_Arg]:
    """The pathspec operands of a git subcommand (everything after --, and non-options before)."""
    out, k = [], 0
    while k < len(rest):
        text = rest[k].argv
        k += 1
        if text == "--":
            return out + rest[k:]
        if text in valued:
            k += 1
        elif not text.startswith("-"):
            out.append(rest[k - 1])
    return out


def _git_checkout(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None or "--" not in texts or any(t.startswith("--pathspec") for t in texts):
        return place.top()  # a branch switch, or pathspecs we cannot see: the whole tree
    specs = rest[texts.index("--") + 1:]
    return [p for a in specs for p in place.paths(a)] or place.top()


def _git_restore(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None or any(t.startswith("--pathspec") for t in texts):
        return place.top()
    options = texts[:texts.index("--")] if "--" in texts else texts
    staged = "--staged" in options or _short_has(options, "S")
    worktree = "--worktree" in options or _short_has(options, "W")
    if staged and not worktree:
        return []
    specs = _pathspecs(rest, ("-s", "--source"))
    return [p for a in specs for p in place.paths(a)] or place.top()


def _git_rm_mv(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None or any(t.startswith("--pathspec") for t in texts):
        return place.top()
    options = texts[:texts.index("--")] if "--" in texts else texts
    if "--dry-run" in options or _short_has(options, "n") or (sub == "rm" and _long_prefix_any(options, "cached")):
        return []
    return [p for a in _pathspecs(rest) for p in place.paths(a)]


def _long_prefix_any(texts: list[str], name: str) -> bool:
    return any(_long_prefix(t, (name,), 3) for t in texts)


def _git_clean(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None:
        return place.top()
    options = texts[:texts.index("--")] if "--" in texts else texts
    dry = _long_prefix_any(options, "dry-run") or _short_has(options, "n")
    if dry and not (_short_has(options, "i") or _long_prefix_any(options, "interactive")):
        return []
    specs = _pathspecs(rest, ("-e", "--exclude"))
    return [p for a in specs for p in place.paths(a)] or place.top()


_RESET_INDEX_ONLY = frozenset({"--soft", "--mixed", "-q", "--quiet", "-N", "--intent-to-add", "-p", "--patch",
                               "--no-refresh", "--refresh"})


def _git_reset(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None:
        return place.top()
    options = [t for t in (texts[:texts.index("--")] if "--" in texts else texts) if t.startswith("-")]
    return [] if all(t in _RESET_INDEX_ONLY for t in options) else place.top()


def _git_stash(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts and texts[0] in ("list", "show", "drop", "clear", "create", "store"):
        return []
    return place.top()


def _git_apply(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None:
        return place.top()
    if any(t in ("--check", "--stat", "--numstat", "--summary") for t in texts) and "--apply" not in texts:
        return []
    if "--cached" in texts and "--index" not in texts:
        return []
    return place.top()


def _git_whole_tree(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    """Subcommands that may rewrite any file of the work tree, unless they run a program."""
    texts = _git_texts(rest)
    if texts is None:
        raise _Unknown("git argument")
    if any(_long_prefix(t, _GIT_RUNNERS) for t in texts):
        raise _Unknown("git runs a program")
    if sub == "rebase" and (_short_has(texts, "x") or any(_long_prefix(t, ("exec",)) for t in texts)):
        raise _Unknown("git rebase --exec")
    for k, t in enumerate(texts):
        strategy = None
        if t == "-s" or _long_prefix(t, ("strategy",), 3) and "=" not in t:
            strategy = texts[k + 1] if k + 1 < len(texts) else ""
        elif t.startswith("-s") and t[2:3] != "-" and len(t) > 2:
            strategy = t[2:]
        elif _long_prefix(t, ("strategy",), 3):
            strategy = t.split("=", 1)[1]
        if strategy is not None and strategy not in _GIT_STRATEGIES:
            raise _Unknown("git merge strategy program")
    first = next((t for t in texts if not t.startswith("-")), "")
    if (sub == "bisect" and first == "run") or (sub == "submodule" and "foreach" in texts):
        raise _Unknown("git runs a program")
    if (sub == "bisect" and first in ("log", "visualize", "view", "terms")) or \
            (sub == "submodule" and first in ("status", "summary")) or (sub == "sparse-checkout" and first == "list"):
        return []
    if sub == "read-tree" and not _short_has(texts, "u"):
        return []
    if sub == "checkout-index" and any(t.startswith("--prefix") for t in texts):
        raise _Unknown("git checkout-index --prefix")
    return place.top()


def _git_merge_file(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    opts, operands = _getopt(rest, "pq", "L", "", _longs("stdout quiet diff3 zdiff3 ours theirs union marker-size= "
                                                        "diff-algorithm= object-id"))
    if _has(opts, "p", "stdout"):
        return []
    if len(operands) != 3:
        raise _Unknown("git merge-file")
    return [place.file(operands[0])]


def _git_init(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    opts, operands = _getopt(rest, "q", "b", "", _longs("quiet bare template= separate-git-dir= shared=? "
                                                       "initial-branch= object-format= ref-format= help"))
    if _has(opts, "template"):
        raise _Unknown("git init --template")
    out = [place.file(operands[0])] if operands else ([place.base or _DOT] if _has(opts, "bare") else [])
    return out + [place.file(v) for v in _vals(opts, "separate-git-dir")]


_CLONE_LONGS = _longs("verbose quiet progress no-checkout bare mirror local no-hardlinks shared reject-shallow "
                      "no-reject-shallow dissociate sparse single-branch no-single-branch no-tags tags "
                      "shallow-submodules no-shallow-submodules remote-submodules no-remote-submodules "
                      "also-filter-submodules recurse-submodules=? recursive=? origin= branch= revision= reference= "
                      "reference-if-able= separate-git-dir= depth= shallow-since= shallow-exclude= jobs= filter= "
                      "server-option= bundle-uri= ref-format= object-format= help")


def _git_clone(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    opts, operands = _getopt(rest, "vqnls", "obj", "", _CLONE_LONGS)
    if len(operands) < 2:
        raise _Unknown("git clone into a directory named after the URL")
    return [place.file(operands[1])] + [place.file(v) for v in _vals(opts, "separate-git-dir")]


def _git_worktree(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    action = rest[0].argv if rest else None
    if action in ("list", "prune", "lock", "unlock", "repair"):
        return []
    if action == "add":
        _, operands = _getopt(rest[1:], "fqd", "bB", "", _longs("force detach checkout no-checkout lock reason= "
                                                                "orphan quiet track no-track guess-remote "
                                                                "no-guess-remote relative-paths no-relative-paths"))
        count = 1
    elif action in ("remove", "move"):
        _, operands = _getopt(rest[1:], "f", "", "", _longs("force"))
        count = 1 if action == "remove" else 2
    else:
        raise _Unknown("git worktree")
    if len(operands) < count:
        raise _Unknown("git worktree")
    return [place.file(a) for a in operands[:count]]


_GIT_CONFIG_READS = frozenset({"--get", "--get-all", "--get-regexp", "--get-urlmatch", "-l", "--list",
                               "--get-color", "--get-colorbool"})
_GIT_CONFIG_FLAGS = frozenset({"--global", "--system", "--local", "--worktree", "--bool", "--int", "--bool-or-int",
                               "--path", "--expiry-date", "--null", "-z", "--name-only", "--show-origin",
                               "--show-scope", "--includes", "--no-includes", "--fixed-value", "--all"})


def _git_config(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    files, operands, mode, k = [], [], "", 0
    while k < len(rest):
        text = rest[k].argv
        k += 1
        if text is None:
            operands.append(None)
        elif text in ("-f", "--file"):
            if k >= len(rest):
                raise _Unknown("git config --file")
            files.append(rest[k])
            k += 1
        elif text.startswith("--file="):
            files.append(_value_arg(text[len("--file="):]))
        elif text in _GIT_CONFIG_READS:
            mode = "read"
        elif text in ("--add", "--replace-all", "--unset", "--unset-all"):
            mode = "write"
        elif text.startswith("-") and not (text in _GIT_CONFIG_FLAGS or text.startswith(("--type=", "--default=",
                                                                                           "--comment="))):
            raise _Unknown("git config option")
        elif not text.startswith("-"):
            operands.append(text)
    if operands[:1] in (["get"], ["list"]):
        return []
    if operands[:1] in (["set"], ["unset"]):
        operands, mode = operands[1:], "write"
    elif operands[:1] in (["edit"], ["rename-section"], ["remove-section"]):
        raise _Unknown("git config edit")
    if mode == "write" or (mode != "read" and len(operands) >= 2):
        if not operands or operands[0] is None:
            raise _Unknown("git config key")
        _check_git_key(operands[0])
        return [place.file(f) for f in files]
    return []


def _git_archive(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None or any(_long_prefix(t, ("exec",)) for t in texts):
        raise _Unknown("git archive")
    out = [_value_arg(t[2:]) for t in texts if t.startswith("-o") and len(t) > 2]
    out += [rest[k + 1] for k, t in enumerate(texts) if t == "-o" and k + 1 < len(rest)]
    return [place.file(a) for a in out] + _git_reader(sub, [a for a in rest if not (a.argv or "").startswith("-o")],
                                                      place)


def _git_format_patch(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None:
        raise _Unknown("git format-patch")
    if "--stdout" in texts:
        return []
    for k, t in enumerate(texts):
        if t in ("-o", "--output-directory") and k + 1 < len(rest):
            return [place.file(rest[k + 1])]
        if t.startswith("--output-directory="):
            return [place.file(_value_arg(t.split("=", 1)[1]))]
        if t.startswith("-o") and len(t) > 2:
            return [place.file(_value_arg(t[2:]))]
    raise _Unknown("git format-patch into the current directory")


def _git_bundle(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None:
        raise _Unknown("git bundle")
    if texts[:1] == ["create"]:
        files = [a for a in rest[1:] if not a.argv.startswith("-")]
        if not files:
            raise _Unknown("git bundle")
        return [place.file(files[0])]
    return []


_GIT_HANDLERS = {
    "checkout": _git_checkout, "restore": _git_restore, "rm": _git_rm_mv, "mv": _git_rm_mv, "clean": _git_clean,
    "reset": _git_reset, "stash": _git_stash, "apply": _git_apply, "merge-file": _git_merge_file,
    "init": _git_init, "clone": _git_clone, "worktree": _git_worktree, "config": _git_config,
    "archive": _git_archive, "format-patch": _git_format_patch, "bundle": _git_bundle,
    **{name: _git_whole_tree for name in ("switch", "merge", "pull", "rebase", "cherry-pick", "revert", "am",
                                          "bisect", "submodule", "sparse-checkout", "rerere", "read-tree",
                                          "checkout-index")},
}

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
