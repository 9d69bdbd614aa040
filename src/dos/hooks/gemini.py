"""Gemini CLI: BeforeTool / AfterTool / AfterAgent; deny = ``decision: deny`` with exit 0.

Gemini reads exit 2 as a failed hook ("Hook(s) failed" to the user); exit 0 with the
deny envelope blocks the call cleanly and hands the reason to the model.
"""

from __future__ import annotations

from dos.hooks.event import NOTHING, POST, PRE, Rendered, cc_like_parse, context_envelope, dumps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "gemini"
EVENTS = {"BeforeTool": PRE, "AfterTool": POST, "AfterAgent": "stop", "SessionStart": "start"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_like_parse(payload, verb, NAME, EVENTS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    if event.moment == "start":
        return context_envelope(verdict)
    if verdict.action == "allow":
        return NOTHING
    if verdict.action == "deny":
        return dumps({"decision": "deny", "reason": verdict.reason}), 0, ""
    name = "BeforeTool" if event.moment == PRE else "AfterTool"
    return dumps({"hookSpecificOutput": {"hookEventName": name, "additionalContext": verdict.reason}}), 0, ""
