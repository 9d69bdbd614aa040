"""Cline: the hook-file payload of Cline 3.x (CLI and SDK), of the older VS Code extension, and of
the plugin ``dos init --hooks cline`` writes into ``.cline/plugins/dos.js``.

Cline runs an executable named for its event (``PreToolUse``, ``PostToolUse``, ``TaskStart``, ...)
from ``.clinerules/hooks/``, ``.cline/hooks/``, ``~/.cline/hooks/`` or ``~/Documents/Cline/Hooks/``.
3.x sends ``hookName: "tool_call"`` with the raw call in ``tool_call: {name, input}`` beside
``preToolUse: {toolName, parameters}`` (every value a string); the extension sent
``hookName: "PreToolUse"`` and only ``preToolUse``. Both carry ``taskId``, ``workspaceRoots`` and,
in 3.x, ``sessionContext.rootSessionId`` (the session ``cline --id`` resumes: DOS's session).

The answer is ``{"cancel": true, "errorMessage": ...}`` on stdout (exit code ignored). From a hook
file, 3.x ends the whole run on it; DOS's plugin turns it into Cline's per-call ``skip`` instead,
so the model reads the reason and the run goes on. ``contextModification`` carries a warning into
the conversation; DOS answers ``{"cancel": false}`` when it allows. No stop gate: nothing of
Cline's can refuse the end of a task.

3.x tools: ``editor`` (``path``, ``old_text``, ``new_text``), ``apply_patch`` (``input``: a patch),
``run_commands`` (``commands``: each runs on its own in the workspace, so DOS reads them as one
subshell each), ``read_files`` and other tools that write nothing.
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
# 3.x names its events tool_call / tool_result / agent_start; the extension used the file names.
EVENTS = {"PreToolUse": PRE, "tool_call": PRE, "PostToolUse": POST, "tool_result": POST,
          "TaskStart": START, "agent_start": START, "TaskResume": START, "agent_resume": START}
BODY = {PRE: "preToolUse", POST: "postToolUse", START: "taskStart"}
RAW = {PRE: "tool_call", POST: "tool_result"}  # 3.x: the call with its input as sent
TOOLS = {
    # the VS Code extension's tools
    "write_to_file": "Write", "replace_in_file": "Edit", "execute_command": "Bash", "read_file": "Read",
    "list_files": "Read", "search_files": "Read",
    # Cline 3.x
    "editor": "Edit", "run_commands": "Bash", "read_files": "Read", "search_codebase": "Read",
    "fetch_web_content": "Read", "ask_question": "Read", "skills": "Read", "submit_and_exit": "Read",
    "spawn_agent": "Read",  # a subagent's own calls come through the hooks one by one
}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    moment = VERB_MOMENT.get(verb)
    name = text(payload.get("hookName"))
    if name and EVENTS.get(name) != moment:
        return None
    name = name or next((k for k, v in EVENTS.items() if v == moment), "")
    body = payload.get(BODY.get(moment, ""))
    body = body if isinstance(body, dict) else {}
    raw = payload.get(RAW.get(moment, ""))
    raw = raw if isinstance(raw, dict) else {}
    tool = text(raw.get("name")) or text(body.get("toolName"))
    if moment in (PRE, POST) and not tool:
        return None
    args = raw["input"] if "input" in raw else body.get("parameters")
    args = args if isinstance(args, (dict, list, str)) else {}
    if tool.casefold() == "run_commands":
        args = _commands(args)
    elif tool.startswith("team_"):  # the team tools coordinate agents; their members' calls are judged
        tool = "Read"
    tool, args = normalise_tool(tool, args, TOOLS)
    roots = payload.get("workspaceRoots")
    cwd = roots[0] if isinstance(roots, list) and roots and isinstance(roots[0], str) else text(payload.get("cwd"))
    context = payload.get("sessionContext")
    session = text(context.get("rootSessionId")) if isinstance(context, dict) else ""
    response = raw.get("output") if "output" in raw else body.get("result")
    return HookEvent(moment=moment, host=NAME, event_name=name, tool=tool, tool_input=args,
                     tool_response=response, session=session or text(payload.get("taskId")), cwd=cwd,
                     fence=fence_of(payload))


def _commands(args: Any) -> Any:
    """``run_commands`` input as one shell text: every command in a subshell of its own.

    Cline runs each command by itself in the workspace (a ``cd`` in one does not move the next),
    which is what a subshell per command says to the shell reader. Input it cannot read stays as
    sent (its footprint is then unknown).
    """
    import json
    import shlex

    if isinstance(args, dict):
        args = next((args[k] for k in ("commands", "command", "cmd") if k in args), args)
    if isinstance(args, str) and args.lstrip().startswith("["):  # parameters: a list, sent as JSON text
        try:
            args = json.loads(args)
        except ValueError:
            pass
    items = args if isinstance(args, list) else [args]
    lines = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("command"), str):
            rest = item.get("args") or []
            if not isinstance(rest, list) or not all(isinstance(a, str) for a in rest):
                return {"commands": args}
            item = shlex.join([item["command"], *rest])
        if not isinstance(item, str):
            return {"commands": args}
        lines.append(item)
    if len(lines) == 1:
        return {"command": lines[0]}
    return {"command": "\n".join(f"(\n{line}\n)" for line in lines)}


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    if event.moment not in (PRE, POST, START):
        return NOTHING
    if verdict.action == "deny" and event.moment == PRE:
        return dumps({"cancel": True, "errorMessage": verdict.reason}), 0, ""
    if verdict.reason and (verdict.action != "allow" or event.moment == START):
        return dumps({"cancel": False, "contextModification": verdict.reason}), 0, ""
    return dumps({"cancel": False}), 0, ""
