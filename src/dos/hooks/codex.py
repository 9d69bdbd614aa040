"""OpenAI Codex CLI: Claude Code's payloads plus ``apply_patch``; Stop blocks with ``decision``."""

from __future__ import annotations

from dos.hooks.claude_code import render_cc
from dos.hooks.event import POST, PRE, Rendered, cc_like_parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "codex"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": "stop", "SubagentStop": "stop", "SessionStart": "start"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_like_parse(payload, verb, NAME, EVENTS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return render_cc(verdict, event)
