"""Shell words: from a token's source text to its possible values.

Quotes, ``$PWD``, ``~``, brace expansion and globs are read here; a word whose value hangs on an
expansion DOS does not follow has values None. ``_args_of`` turns a word into the ``_Arg``s a
command receives, and ``_is_assignment`` spots a leading ``NAME=value``.
"""

from __future__ import annotations

from dos.kernel.footprint.paths import _Arg, _Unknown
from dos.kernel.footprint.variables import _is_name, _is_name_char, _sensitive

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from collections.abc import Sequence

_MAX_BRACES = 256
_LOGIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


class _Word:
    """One shell word: its possible values (None: not known statically) and substitutions."""

    __slots__ = ("raw", "values", "subs", "fixed", "pwd", "pwd_bare", "glob", "procsub")

    def __init__(self, raw: str, values: tuple[str, ...] | None, subs: Sequence = (), fixed: bool = False,
                 pwd: bool = False, pwd_bare: bool = False, glob: bool = False, procsub: bool = False) -> None:
        self.raw, self.values, self.subs = raw, values, list(subs)
        self.fixed, self.pwd, self.pwd_bare, self.glob, self.procsub = fixed, pwd, pwd_bare, glob, procsub


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
