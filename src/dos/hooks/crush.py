"""Crush: ``hooks.PreToolUse[{command}]`` in .crush.json; the payload names its event
``event`` (tool_name, tool_input, session_id, cwd); a deny is ``{"decision": "deny"}``, exit 0.
Crush has no post-tool, stop or session-start hook.
"""

from __future__ import annotations

from dos.hooks.event import POST, PRE, Rendered, cc_tools_parse, decision_render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "crush"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST}
TOOLS = {"view": "Read", "download": "Write", "fetch": "Read"}
NAME_KEYS = ("hook_event_name", "event")


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS, NAME_KEYS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return decision_render(verdict, event, "deny", 0)
