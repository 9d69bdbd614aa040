"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme): one byte string per JSON value.

``canonical(value)`` sorts object keys by their UTF-16 code units, writes no whitespace,
escapes only what JSON requires, and writes numbers the way ECMAScript prints a double.
``parse_strict(text)`` is the reader a signature check needs: it refuses duplicate keys,
NaN and Infinity, lone surrogates and integers a double cannot hold exactly, so two
readers can never disagree on what a signed document says.
"""

from __future__ import annotations

import json
import math

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1  # the largest integer every JSON reader holds exactly
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class NotCanonicalisable(ValueError):
    """A value has no canonical JSON form (NaN, a lone surrogate, a huge integer, a non-JSON type)."""


def canonical(value: Any) -> bytes:
    """The RFC 8785 bytes of VALUE (dicts with str keys, lists/tuples, str, int, float, bool, None)."""
    parts: list[str] = []
    _write(value, parts, 0)
    text = "".join(parts)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise NotCanonicalisable("a string holds a lone surrogate, which UTF-8 cannot carry") from None


def _write(value: Any, out: list[str], depth: int) -> None:
    if depth > 200:
        raise NotCanonicalisable("nesting deeper than 200 levels")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise NotCanonicalisable(f"integer {value} is beyond 2**53-1; a double cannot hold it exactly")
        out.append(str(value))
    elif isinstance(value, float):
        out.append(number(value))
    elif isinstance(value, dict):
        keys = list(value)
        if not all(isinstance(k, str) for k in keys):
            raise NotCanonicalisable("object keys must be strings")
        out.append("{")
        for i, key in enumerate(sorted(keys, key=_utf16)):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(value[key], out, depth + 1)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, depth + 1)
        out.append("]")
    else:
        raise NotCanonicalisable(f"{type(value).__name__} is not a JSON value")


def _utf16(key: str) -> bytes:
    try:
        return key.encode("utf-16-be")
    except UnicodeEncodeError:
        raise NotCanonicalisable("an object key holds a lone surrogate") from None


def _string(s: str) -> str:
    out = ['"']
    for ch in s:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def number(x: float) -> str:
    """X as ECMAScript's Number.prototype.toString writes it (the RFC 8785 number form)."""
    if not math.isfinite(x):
        raise NotCanonicalisable(f"{x!r} has no JSON form")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    digits, n = _shortest(abs(x))
    k = len(digits)
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        exp = n - 1
        mant = digits[0] + (f".{digits[1:]}" if k > 1 else "")
        body = f"{mant}e{'+' if exp >= 0 else '-'}{abs(exp)}"
    return sign + body


def _shortest(x: float) -> tuple[str, int]:
    """The shortest round-trip digits of positive X and N with X = 0.DIGITS * 10**N."""
    text = repr(x)
    mant, _, exp = text.partition("e")
    whole, _, frac = mant.partition(".")
    raw = whole + frac
    stripped = raw.lstrip("0")
    n = len(whole) - (len(raw) - len(stripped)) + (int(exp) if exp else 0)
    return stripped.rstrip("0"), n


# --------------------------------------------------------------------------- the strict reader


def parse_strict(text: str) -> Any:
    """Parse TEXT as I-JSON; ValueError (one line) for duplicate keys, NaN, lone surrogates, huge ints."""
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise ValueError(f"duplicate key {key!r}")
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    def integer(digits: str) -> int | float:
        n = int(digits)
        if abs(n) <= MAX_SAFE_INTEGER:
            return n
        x = float(n)  # beyond 2**53 a JSON number is a double: only its own ECMAScript form names it
        if not math.isfinite(x) or number(x) != digits.lstrip("+"):
            raise ValueError(f"integer {digits} is not exactly a double (2**53 and above must be written as one)")
        return x

    value = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_int=integer)
    _check(value, 0)
    return value


def _check(value: Any, depth: int) -> None:
    if depth > 200:
        raise ValueError("nesting deeper than 200 levels")
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, str):
        _no_surrogates(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("a number overflows a double")
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_surrogates(key)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


def _no_surrogates(s: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a string holds a lone surrogate") from None
