"""Mistral Vibe (experimental hooks): ``[[hooks]]`` tables naming their ``type``
(before_tool, after_tool, post_agent_turn); the payload carries tool_name and tool_input; a
deny is ``{"decision": "deny"}`` with exit 0, a refused turn end ``{"decision": "block"}``.
"""

from __future__ import annotations

from dos.hooks.event import POST, PRE, STOP, Rendered, cc_like_parse, decision_render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "vibe"
EVENTS = {"before_tool": PRE, "after_tool": POST, "post_agent_turn": STOP}
NAME_KEYS = ("hook_event_name", "type", "event")


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_like_parse(payload, verb, NAME, EVENTS, NAME_KEYS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return decision_render(verdict, event, "deny", 0, stop_word="block")
