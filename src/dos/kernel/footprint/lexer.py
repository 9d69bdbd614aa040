"""The shell lexer: shlex over a character stream that sees what shlex does not.

shlex splits words and operators; ``_Stream`` feeds it one character at a time, skips comments,
hands plain runs over in bulk and stops at the "(" of ``$(`` so that the lexer can parse the
substitution, with the class parser.py registers as ``_Lexer.parser`` (importing it here would be
an import cycle). Here-document bodies are read at the newline that ends their line. shlex itself
is imported lazily: it imports re.
"""

from __future__ import annotations

from dos.kernel.footprint.paths import _Unknown
from dos.kernel.footprint.variables import _is_name_char, _sensitive
from dos.kernel.footprint.words import _make_word

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from dos.kernel.footprint.words import _Word

_BLANK = " \t"
_PUNCT = "();<>|&\n"
_OPERATORS = ("&>>", ";;&", "<<<", "&&", "||", ";;", ";&", "|&", "&>", ">>", ">|", ">&", "<&", "<<", "<>",
              "<(", ">(", "((", ";", "&", "|", "<", ">", "(", ")", "\n")
_MAX_DEPTH = 24
_MAX_TOKENS = 3000
_MAX_CHARS = 12000  # characters shlex must see one by one
_BARE_STOPS = " \t\n();<>|&'\"\\$`"
_DOUBLE_STOPS = "\"\\$`"
_BRACE_UNSAFE = frozenset(" \t\n'\"\\`$(){};&|<>")


class _SubstitutionStart(Exception):
    """The stream reached the "(" of an active "$(": the lexer parses the substitution."""

    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.pos = pos


def _marks(src: str) -> tuple[str, str]:
    """SRC with the characters that end a bare (resp. double-quoted) run replaced by NUL."""
    return (src.translate({ord(c): 0 for c in _BARE_STOPS}), src.translate({ord(c): 0 for c in _DOUBLE_STOPS}))


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
    parser = None  # the _Parser class: parser.py sets it (it imports this module, not the reverse)

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
        parser = self.parser(inner)
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
