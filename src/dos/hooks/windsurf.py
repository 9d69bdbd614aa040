"""Windsurf (Cascade hooks): ``{agent_action_name, trajectory_id, tool_info}``; a pre-hook
blocks only by exit 2, its stderr the reason shown. Post hooks and the rest cannot answer.
"""

from __future__ import annotations

from dos.hooks.event import NOTHING, POST, PRE, VERB_MOMENT, Rendered, fence_of, text
from dos.service.events import HookEvent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict

NAME = "windsurf"
EVENTS = {"pre_write_code": PRE, "pre_run_command": PRE, "pre_read_code": PRE, "pre_mcp_tool_use": PRE,
          "post_write_code": POST, "post_run_command": POST, "post_read_code": POST, "post_mcp_tool_use": POST}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    moment = VERB_MOMENT.get(verb)
    name = text(payload.get("agent_action_name")) or text(payload.get("hook_event_name"))
    if moment not in (PRE, POST) or EVENTS.get(name) != moment:
        return None
    info = payload.get("tool_info")
    info = info if isinstance(info, dict) else {}
    kind = name.split("_", 1)[1]
    if kind == "write_code":
        tool, args = "Write", {"file_path": info.get("file_path")}
    elif kind == "read_code":
        tool, args = "Read", {"file_path": info.get("file_path")}
    elif kind == "run_command":
        tool, args = "Bash", {"command": info.get("command_line")}
    else:
        tool = "mcp__" + (text(info.get("mcp_server_name")) or "unknown") + "__" + (text(info.get("mcp_tool_name")) or "x")
        args = info.get("mcp_tool_arguments") if isinstance(info.get("mcp_tool_arguments"), dict) else {}
    return HookEvent(moment=moment, host=NAME, event_name=name, tool=tool, tool_input=args,
                     session=text(payload.get("trajectory_id")), cwd=text(info.get("cwd")), fence=fence_of(payload))


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    if event.moment == PRE and verdict.action == "deny":
        return "", 2, verdict.reason + "\n"
    return NOTHING  # a warning has nowhere to go: Windsurf shows a hook's output only to the user
