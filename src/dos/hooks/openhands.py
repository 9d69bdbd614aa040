"""OpenHands: .openhands/hooks.json in Claude Code's groups; the payload names its event
``event_type`` and its directory ``working_dir``; PreToolUse and Stop block by exit 2
(with ``{"decision": "deny", "reason": ...}``).
"""

from __future__ import annotations

from dos.hooks.event import POST, PRE, START, STOP, Rendered, cc_tools_parse, context_envelope, decision_render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "openhands"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": STOP, "SessionStart": START}
TOOLS = {"file_editor": "editor", "str_replace_editor": "editor", "execute_bash": "Bash", "terminal": "Bash"}
NAME_KEYS = ("hook_event_name", "event_type")


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS, NAME_KEYS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    if event.moment == START:
        return context_envelope(verdict)
    return decision_render(verdict, event, "deny", 2)
