"""Claude Code: PreToolUse / PostToolUse / Stop / SubagentStop; deny = permissionDecision + exit 2."""

from __future__ import annotations

from dos.hooks.event import POST, PRE, Rendered, cc_like_parse, cc_render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "claude-code"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": "stop", "SubagentStop": "stop", "TaskCompleted": "stop",
          "SessionStart": "start"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_like_parse(payload, verb, NAME, EVENTS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return cc_render(verdict, event)


render_cc = cc_render  # the name Codex and the hosts that copy Claude Code import
