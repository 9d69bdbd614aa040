"""Agent-written text inside a one-line reason: control characters replaced, length bounded."""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: object, limit: int = 80) -> str:
    """TEXT with every control or line-break character replaced by '?', cut to LIMIT characters."""
    s = _UNPRINTABLE.sub("?", str(text))
    return s if len(s) <= limit else s[: limit - 1] + "…"
