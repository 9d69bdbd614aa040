"""CodeBuddy Code: a copy of Claude Code's hooks (its events, payload, tool names and envelope)."""

from __future__ import annotations

from dos.hooks.event import POST, PRE, START, STOP, Rendered, cc_like_parse, cc_render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "codebuddy"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": STOP, "SubagentStop": STOP, "SessionStart": START}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_like_parse(payload, verb, NAME, EVENTS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return cc_render(verdict, event)
