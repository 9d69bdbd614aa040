"""OpenHands: .openhands/hooks.json in Claude Code's groups; the payload names its event
``event_type`` and its directory ``working_dir``; PreToolUse and Stop block by exit 2
(with ``{"decision": "deny", "reason": ...}``).

As the OpenHands CLI 1.16.0 sends it (SDK 1.21.0): ``tool_input`` is the whole action, every field
present (``file_editor``: ``command``, ``path``, ``file_text``, ``old_str``, ``new_str``, ``insert_line``,
``view_range``, unused ones null, and ``kind``); ``session_id`` is the conversation id. Its Stop payload
carries no retry flag (only ``metadata.reason``), and a refused stop re-prompts the model at once, with
no loop guard of OpenHands' own: every stop is read as a possible retry, so ``stop_block_cap`` counts
the refusals in a row and lets the session end. What SessionStart and PostToolUse hooks print reaches
nobody (OpenHands records it and hands the model nothing).
"""

from __future__ import annotations

from dos.hooks.event import (POST, PRE, START, STOP, Rendered, cc_tools_parse, context_envelope, decision_render,
                             every_stop_a_retry)

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
    return every_stop_a_retry(cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS, NAME_KEYS))


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    if event.moment == START:
        return context_envelope(verdict)
    return decision_render(verdict, event, "deny", 2)
