"""Gemini CLI: BeforeTool / AfterTool / AfterAgent; deny = ``decision`` + exit 2 (stderr is the reason)."""

from __future__ import annotations

from typing import Any, Mapping

from dos.hooks.event import NOTHING, POST, PRE, HookEvent, Rendered, cc_like_parse, dumps
from dos.kernel.enforce import Verdict

NAME = "gemini"
EVENTS = {"BeforeTool": PRE, "AfterTool": POST, "AfterAgent": "stop"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_like_parse(payload, verb, NAME, EVENTS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    if verdict.action == "allow":
        return NOTHING
    if verdict.action == "deny":
        return dumps({"decision": "deny", "reason": verdict.reason}), 2, verdict.reason + "\n"
    name = "BeforeTool" if event.moment == PRE else "AfterTool"
    return dumps({"hookSpecificOutput": {"hookEventName": name, "additionalContext": verdict.reason}}), 0, ""
