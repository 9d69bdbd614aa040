"""Tabnine CLI: Gemini CLI's hooks (BeforeTool / AfterTool / AfterAgent, its payload and its
``decision: deny`` envelope with exit 0) in .tabnine/agent/settings.json.
"""

from __future__ import annotations

from dos.hooks.event import POST, PRE, START, STOP, Rendered, cc_like_parse
from dos.hooks.gemini import render as gemini_render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "tabnine"
EVENTS = {"BeforeTool": PRE, "AfterTool": POST, "AfterAgent": STOP, "SessionStart": START}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_like_parse(payload, verb, NAME, EVENTS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return gemini_render(verdict, event)
