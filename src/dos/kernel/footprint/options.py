"""GNU-style option parsing for the command readers: bundles, long names, abbreviations, values.

``_longs`` turns a spec string into a table; ``_getopt`` splits arguments into options and operands
and raises ``_Unknown`` on any option it does not know (an unknown option may write).
"""

from __future__ import annotations

from dos.kernel.footprint.paths import _Unknown, _value_arg

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from dos.kernel.footprint.paths import _Arg


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
