"""The neutral hook event every host's payload is normalised into, and envelope helpers.

A dialect module parses its host's stdin JSON into a ``HookEvent`` and renders a kernel
``Verdict`` back into the host's own envelope: ``(stdout_text, exit_code, stderr_text)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

PRE, POST, STOP = "pre", "post", "stop"
VERB_MOMENT = {"pretool": PRE, "posttool": POST, "stop": STOP}


@dataclass(frozen=True, slots=True)
class HookEvent:
    """One tool call or stop request, whatever host sent it."""

    moment: str  # pre | post | stop
    host: str
    event_name: str  # the host's own event name, echoed in the envelope where the host wants it
    tool: str = ""
    tool_input: Any = field(default_factory=dict)
    tool_response: Any = None
    session: str = ""
    cwd: str = ""
    stop_hook_active: bool = False
    fence: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"moment": self.moment, "host": self.host, "event_name": self.event_name,
                "tool": self.tool, "tool_input": self.tool_input, "session": self.session,
                "cwd": self.cwd, "stop_hook_active": self.stop_hook_active, "fence": self.fence}


Rendered = tuple[str, int, str]
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
    return json.dumps(obj, sort_keys=True, ensure_ascii=True) + "\n"


def joined(*parts: str) -> str:
    return " ".join(p for p in parts if p)


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
        tool_input=payload.get("tool_input") if isinstance(payload.get("tool_input"), (dict, str, list)) else {},
        tool_response=response, session=text(payload.get("session_id")), cwd=text(payload.get("cwd")),
        stop_hook_active=payload.get("stop_hook_active") is True, fence=fence_of(payload))


def _default_name(names: Mapping[str, str], moment: str | None) -> str:
    return next((k for k, v in names.items() if v == moment), "")
