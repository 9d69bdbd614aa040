"""Goose: Open Plugins hooks (a plugin's hooks/hooks.json); the payload names its event
``event`` and its directory ``working_dir``, tools are extension__tool
(developer__text_editor, developer__shell); ``{"decision": "block"}`` with exit 2 blocks.
"""

from __future__ import annotations

from dos.hooks.event import POST, PRE, START, STOP, Rendered, cc_tools_parse, decision_render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "goose"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": STOP, "SessionStart": START}
TOOLS = {"developer__text_editor": "editor", "text_editor": "editor", "developer__shell": "Bash"}
NAME_KEYS = ("hook_event_name", "event")


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS, NAME_KEYS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return decision_render(verdict, event, "block", 2)
