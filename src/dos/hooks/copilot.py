"""GitHub Copilot (the CLI and VS Code's agent, both reading .github/hooks/*.json): Copilot CLI
sends ``toolName`` and ``toolArgs`` (a JSON string), VS Code Claude Code's ``tool_name``/``tool_input``.
A deny is ``permissionDecision: deny`` at the top (the CLI) and in hookSpecificOutput (VS Code), exit 0.
A refused stop is ``{"decision": "block", "reason"}``, exit 0: Copilot CLI 1.0.102 runs ``Stop`` headless
(``copilot -p``) as its ``agentStop``, sends ``session_id`` (``--session-id`` fixes it) and ``stop_hook_active``
(true on each re-entry after a block), and queues the reason as the next user message; its own cap is 8 blocks.
"""

from __future__ import annotations

from dos.hooks.event import (NOTHING, POST, PRE, START, STOP, VERB_MOMENT, Rendered, context_envelope, cwd_of,
                             dumps, fence_of, normalise_tool, session_of, text, tool_input)
from dos.service.events import HookEvent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict

NAME = "copilot"
EVENTS = {"PreToolUse": PRE, "preToolUse": PRE, "PostToolUse": POST, "postToolUse": POST, "Stop": STOP,
          "agentStop": STOP, "SubagentStop": STOP, "subagentStop": STOP, "SessionStart": START, "sessionStart": START}
TOOLS = {"create": "Write", "edit": "Edit", "str_replace_editor": "editor", "view": "Read", "powershell": "Bash"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    moment = VERB_MOMENT.get(verb)
    name = text(payload.get("hook_event_name")) or text(payload.get("hookEventName"))
    if name and EVENTS.get(name) != moment:
        return None
    tool = text(payload.get("tool_name")) or text(payload.get("toolName"))
    if moment in (PRE, POST) and not tool:
        return None
    args = tool_input(payload) if "tool_input" in payload else _tool_args(payload.get("toolArgs"))
    tool, args = normalise_tool(tool, args, TOOLS) if tool else (tool, args)
    result = payload.get("tool_response", payload.get("toolResult"))
    return HookEvent(moment=moment, host=NAME, event_name=name or verb, tool=tool, tool_input=args,
                     tool_response=result, session=session_of(payload), cwd=cwd_of(payload),
                     stop_hook_active=payload.get("stop_hook_active") is True, fence=fence_of(payload))


def _tool_args(value: Any) -> Any:
    """Copilot CLI's toolArgs: a JSON text of the arguments (an object is taken as it is)."""
    if isinstance(value, str):
        from dos.kernel.jsonc import JSONError, loads

        try:
            value = loads(value)
        except JSONError:
            return value  # not JSON: the footprint reader says it cannot tell
    return value if isinstance(value, (dict, list, str)) else {}


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    if event.moment == START:
        return context_envelope(verdict)
    if verdict.action == "allow":
        return NOTHING
    if event.moment == STOP:
        return (dumps({"decision": "block", "reason": verdict.reason}), 0, "") if verdict.action == "deny" else NOTHING
    name = "PreToolUse" if event.moment == PRE else "PostToolUse"
    if verdict.action == "deny" and event.moment == PRE:
        said = {"permissionDecision": "deny", "permissionDecisionReason": verdict.reason}
        return dumps({**said, "hookSpecificOutput": {"hookEventName": name, **said}}), 0, ""
    return dumps({"hookSpecificOutput": {"hookEventName": name, "additionalContext": verdict.reason}}), 0, ""
