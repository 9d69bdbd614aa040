"""Envelope helpers every dialect shares, and the Claude Code-shaped payload several hosts send.

A dialect module parses its host's stdin JSON into the neutral ``HookEvent`` and renders
a kernel ``Verdict`` back into the host's own envelope: ``(stdout_text, exit_code, stderr_text)``.
"""

from __future__ import annotations

from dos.kernel.jsonc import dumps as _dumps
from dos.service.events import POST, PRE, START, STOP, HookEvent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

VERB_MOMENT = {"pretool": PRE, "posttool": POST, "stop": STOP, "marker": STOP, "session-start": START}

Rendered = tuple  # (stdout text, exit code, stderr text)
NOTHING: Rendered = ("", 0, "")


def text(value: Any) -> str:
    """VALUE if it is a string, else ''."""
    return value if isinstance(value, str) else ""


def fence_of(payload: Mapping[str, Any]) -> int | None:
    """A fencing token the host passed in the payload (``dos_fence``), if it is an integer."""
    value = payload.get("dos_fence")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def dumps(obj: Any) -> str:
    """One line, sorted keys, ASCII escapes: what every host reads reliably."""
    return _dumps(obj, sort_keys=True, ensure_ascii=True) + "\n"


def tool_input(payload: Mapping[str, Any], key: str = "tool_input") -> Any:
    value = payload.get(key)
    return value if isinstance(value, (dict, str, list)) else {}


def cc_like_parse(payload: Mapping[str, Any], verb: str, host: str, names: Mapping[str, str]) -> HookEvent | None:
    """Parse the Claude Code-shaped payload several hosts share; NAMES maps event names to moments."""
    moment = VERB_MOMENT.get(verb)
    name = text(payload.get("hook_event_name"))
    if name and names.get(name) != moment:
        return None
    tool = text(payload.get("tool_name"))
    if moment in (PRE, POST) and not tool:
        return None
    response = payload.get("tool_response", payload.get("tool_output"))
    return HookEvent(
        moment=moment, host=host, event_name=name or _default_name(names, moment), tool=tool,
        tool_input=tool_input(payload), tool_response=response, session=text(payload.get("session_id")),
        cwd=text(payload.get("cwd")), stop_hook_active=payload.get("stop_hook_active") is True,
        fence=fence_of(payload))


def context_envelope(verdict: Any, event_name: str = "SessionStart") -> Rendered:
    """Session-start context in the shape Claude Code, Codex and Gemini read (never blocks)."""
    if not verdict.reason:
        return NOTHING
    return dumps({"hookSpecificOutput": {"hookEventName": event_name, "additionalContext": verdict.reason}}), 0, ""


def _default_name(names: Mapping[str, str], moment: str | None) -> str:
    return next((k for k, v in names.items() if v == moment), "")
