"""The shell parser: a recursive-descent reader of lists, pipelines, compounds and redirections.

It builds a small tree of tuples (``("seq", items)``, ``("simple", words, redirects)`` ...) for
evaluate.py and refuses (``_Unknown``) syntax it does not follow, such as functions and arrays.
"""

from __future__ import annotations

from dos.kernel.footprint.lexer import _MAX_DEPTH, _Heredoc, _Lexer, _marks
from dos.kernel.footprint.paths import _Unknown
from dos.kernel.footprint.variables import _is_name, _sensitive
from dos.kernel.footprint.words import _scan, _Word

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from dos.kernel.footprint.lexer import _Tok

_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>", "<>", "<", "<<", "<<<", ">&", "<&"})


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


_Lexer.parser = _Parser  # the lexer parses $(...) with it; importing it there would be a cycle
