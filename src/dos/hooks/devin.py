"""Devin CLI: Claude Code-named events and payload in .devin/config.json; a deny is
``{"decision": "block", "reason": ...}`` with exit 2 (the reason also on stderr).
"""

from __future__ import annotations

from dos.hooks.event import POST, PRE, START, STOP, Rendered, cc_tools_parse, context_envelope, decision_render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "devin"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": STOP, "SessionStart": START}
TOOLS = {"exec": "Bash", "multi_edit": "Edit"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    if event.moment == START:
        return context_envelope(verdict)
    return decision_render(verdict, event, "block", 2)
