"""OpenCode: no hook commands, only plugins; DOS's plugin (.opencode/plugins/dos.js) sends
``{hook_event_name: "tool.execute.before", tool, args, sessionID, directory}`` and throws on
``{"decision": "deny", "reason": ...}`` (exit 0), which refuses the call. No stop gate.
"""

from __future__ import annotations

from dos.hooks.event import (POST, PRE, VERB_MOMENT, Rendered, cwd_of, decision_render, fence_of, normalise_tool,
                             session_of, text)
from dos.service.events import HookEvent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict

NAME = "opencode"
EVENTS = {"tool.execute.before": PRE, "tool.execute.after": POST}
TOOLS = {"patch": "apply_patch", "list": "ls", "todoread": "Read"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    moment = VERB_MOMENT.get(verb)
    name = text(payload.get("hook_event_name"))
    if moment not in (PRE, POST) or (name and EVENTS.get(name) != moment):
        return None
    tool = text(payload.get("tool")) or text(payload.get("tool_name"))
    if not tool:
        return None
    args = payload.get("args", payload.get("tool_input"))
    args = args if isinstance(args, (dict, list, str)) else {}
    if tool == "patch" and isinstance(args, dict) and isinstance(args.get("patchText"), str):
        args = {**args, "patch": args["patchText"]}
    tool, args = normalise_tool(tool, args, TOOLS)
    return HookEvent(moment=moment, host=NAME, event_name=name or verb, tool=tool, tool_input=args,
                     tool_response=payload.get("output"), session=session_of(payload), cwd=cwd_of(payload),
                     fence=fence_of(payload))


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return decision_render(verdict, event, "deny", 0)
