"""awk, sed and perl: programs whose script decides whether they write.

``sed -i`` and ``perl -i`` write their file operands (and backups); their scripts are checked for
anything that writes or runs (sed ``w``/``e``, perl beyond s///, tr/// and y///). awk passes only
without redirections, pipes and system().
"""

from __future__ import annotations

from dos.kernel.footprint.lexer import _BLANK
from dos.kernel.footprint.options import _getopt, _has, _longs, _not_risky, _vals
from dos.kernel.footprint.paths import _suffixed, _Unknown

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from dos.kernel.footprint.paths import _Arg

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
