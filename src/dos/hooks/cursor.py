"""Cursor: preToolUse, beforeShellExecution, beforeMCPExecution, afterFileEdit, stop.

Gating answers with ``permission``; a deny also exits 2. Stop ignores ``permission``, so a
refused stop is a ``followup_message`` (Cursor bounds the loop with ``loop_limit``).
"""

from __future__ import annotations

from dos.hooks.event import NOTHING, POST, PRE, STOP, VERB_MOMENT, Rendered, dumps, fence_of, text
from dos.service.events import HookEvent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict

NAME = "cursor"
EVENTS = {"preToolUse": PRE, "beforeShellExecution": PRE, "beforeMCPExecution": PRE,
          "beforeReadFile": PRE, "postToolUse": POST, "afterFileEdit": POST,
          "afterShellExecution": POST, "afterMCPExecution": POST, "stop": STOP}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    moment = VERB_MOMENT.get(verb)
    name = text(payload.get("hook_event_name"))
    if name and EVENTS.get(name) != moment:
        return None
    tool, tool_input = text(payload.get("tool_name")), payload.get("tool_input")
    if name == "beforeShellExecution" or (not tool and isinstance(payload.get("command"), str)):
        tool, tool_input = "Shell", {"command": text(payload.get("command"))}
    elif name == "beforeReadFile":
        tool, tool_input = "Read", {"file_path": text(payload.get("file_path"))}
    elif name == "afterFileEdit":
        tool, tool_input = "Write", {"file_path": text(payload.get("file_path"))}
    elif name == "beforeMCPExecution":
        tool = "mcp__" + (tool or "unknown")
    if moment in (PRE, POST) and not tool:
        return None
    roots = payload.get("workspace_roots")
    root = roots[0] if isinstance(roots, list) and roots and isinstance(roots[0], str) else ""
    loops = payload.get("loop_count")
    return HookEvent(
        moment=moment, host=NAME, event_name=name, tool=tool,
        tool_input=tool_input if isinstance(tool_input, (dict, str, list)) else {},
        tool_response=payload.get("tool_output", payload.get("result_json", payload.get("output"))),
        session=text(payload.get("conversation_id")) or text(payload.get("session_id")),
        cwd=text(payload.get("cwd")) or root,
        stop_hook_active=isinstance(loops, int) and not isinstance(loops, bool) and loops > 0,
        fence=fence_of(payload))


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    if event.moment == "start":
        return NOTHING  # no documented way to hand the model context at session start
    if verdict.action == "allow":
        return NOTHING
    if event.moment == STOP:
        return (dumps({"followup_message": verdict.reason}), 0, "") if verdict.action == "deny" else NOTHING
    if event.moment == POST:
        return NOTHING  # Cursor's after-hooks carry no message back to the agent
    if verdict.action == "deny":
        out = {"permission": "deny", "user_message": verdict.reason, "agent_message": verdict.reason}
        return dumps(out), 2, verdict.reason + "\n"
    return dumps({"permission": "allow", "agent_message": verdict.reason}), 0, ""
