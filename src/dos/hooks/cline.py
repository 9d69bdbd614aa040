"""Cline: one executable file per hook, named for its event (``.clinerules/hooks/PreToolUse``,
global ``~/Documents/Cline/Hooks/``), run only once "Enable Hooks" is on. The payload nests the
call under the event's own key (``preToolUse: {toolName, parameters}``) beside ``taskId`` and
``workspaceRoots``; the answer is ``{"cancel": true, "errorMessage": ...}`` on stdout, exit 0,
and ``contextModification`` carries text into the conversation. Cline's examples always print a
JSON answer, so DOS answers ``{"cancel": false}`` when it allows. No hook can refuse the end of a
task (TaskComplete is not documented as cancellable), so there is no stop gate.
"""

from __future__ import annotations

from dos.hooks.event import (NOTHING, POST, PRE, START, VERB_MOMENT, Rendered, dumps, fence_of, normalise_tool,
                             text)
from dos.service.events import HookEvent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict

NAME = "cline"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "TaskStart": START}
BODY = {"PreToolUse": "preToolUse", "PostToolUse": "postToolUse", "TaskStart": "taskStart"}
TOOLS = {"write_to_file": "Write", "replace_in_file": "Edit", "execute_command": "Bash", "read_file": "Read",
         "list_files": "Read", "search_files": "Read"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    moment = VERB_MOMENT.get(verb)
    name = text(payload.get("hookName"))
    if name and EVENTS.get(name) != moment:
        return None
    name = name or next((k for k, v in EVENTS.items() if v == moment), "")
    body = payload.get(BODY.get(name, ""))
    body = body if isinstance(body, dict) else {}
    tool = text(body.get("toolName"))
    if moment in (PRE, POST) and not tool:
        return None
    args = body.get("parameters")
    args = args if isinstance(args, (dict, list, str)) else {}
    tool, args = normalise_tool(tool, args, TOOLS)
    roots = payload.get("workspaceRoots")
    cwd = roots[0] if isinstance(roots, list) and roots and isinstance(roots[0], str) else text(payload.get("cwd"))
    return HookEvent(moment=moment, host=NAME, event_name=name, tool=tool, tool_input=args,
                     tool_response=body.get("result"), session=text(payload.get("taskId")), cwd=cwd,
                     fence=fence_of(payload))


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    if event.moment not in (PRE, POST, START):
        return NOTHING
    if verdict.action == "deny" and event.moment == PRE:
        return dumps({"cancel": True, "errorMessage": verdict.reason}), 0, ""
    if verdict.reason and (verdict.action != "allow" or event.moment == START):
        return dumps({"cancel": False, "contextModification": verdict.reason}), 0, ""
    return dumps({"cancel": False}), 0, ""
