"""Antigravity: Claude Code-shaped events; answers with ``decision``/``reason`` JSON and exit 0.

Exit 2 is not documented as a block here, so the envelope alone carries the deny.
"""

from __future__ import annotations

from dos.hooks.event import NOTHING, POST, PRE, Rendered, cc_like_parse, dumps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "antigravity"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": "stop", "preToolUse": PRE,
          "postToolUse": POST, "stop": "stop"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_like_parse(payload, verb, NAME, EVENTS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    if event.moment == "start":
        return NOTHING  # no documented way to hand the model context at session start
    if verdict.action == "allow":
        return NOTHING
    if verdict.action == "deny":
        return dumps({"decision": "deny", "reason": verdict.reason}), 0, ""
    return dumps({"reason": verdict.reason}), 0, ""
