"""Text for one line: agent-written text made safe (control characters replaced, length bounded), short durations."""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: object, limit: int = 80) -> str:
    """TEXT with every control or line-break character replaced by '?', cut to LIMIT characters."""
    s = _UNPRINTABLE.sub("?", str(text))
    return s if len(s) <= limit else s[: limit - 1] + "…"


def short_duration(ms: int | None) -> str:
    """A short age or countdown: 45s, 12m, 3h, 2d ('-' prefix when negative, '-' for None)."""
    if ms is None:
        return "-"
    sign = "-" if ms < 0 else ""
    s = abs(int(ms)) // 1000
    if s < 120:
        return f"{sign}{s}s"
    if s < 7200:
        return f"{sign}{s // 60}m"
    if s < 172800:
        return f"{sign}{s // 3600}h"
    return f"{sign}{s // 86400}d"
