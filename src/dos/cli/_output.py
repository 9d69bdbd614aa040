"""Printing for the CLI: JSON, verdict lines, and colour that honours NO_COLOR."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_COLORS = {"green": "32", "red": "31", "yellow": "33", "bold": "1", "dim": "2"}


def color_enabled(stream: Any = None) -> bool:
    """Colour only on a TTY; NO_COLOR disables, DOS_COLOR=always|never overrides."""
    forced = os.environ.get("DOS_COLOR", "").lower()
    if forced == "always":
        return True
    if forced in ("never", "0", "false") or "NO_COLOR" in os.environ:
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def paint(text: str, color: str, stream: Any = None) -> str:
    if not color_enabled(stream):
        return text
    return f"\x1b[{_COLORS[color]}m{text}\x1b[0m"


def print_json(obj: Any, *, pretty: bool = False) -> None:
    """Print OBJ as JSON with sorted keys: compact by default, indented with PRETTY."""
    import json

    text = json.dumps(obj, sort_keys=True, indent=2 if pretty else None, default=_default)
    sys.stdout.write(text + "\n")


def _default(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    return str(obj)


def print_verdict(token: str, reason: str, *, good: bool) -> None:
    """The one-line text form of a verdict: ``TOKEN  reason``."""
    sys.stdout.write(f"{paint(token, 'green' if good else 'red')}  {reason}\n")


def warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


def add_json(p: Any, help: str = "print the verdict as JSON") -> None:  # noqa: A002 - argparse's name
    """The one ``--json`` flag."""
    p.add_argument("--json", action="store_true", help=help)


def add_pretty(p: Any) -> None:
    """The one ``--pretty`` flag (indent the JSON)."""
    p.add_argument("--pretty", action="store_true", help="indent the JSON")
