"""OpenAI Codex CLI: Claude Code's payloads plus ``apply_patch``; Stop blocks with ``decision``."""

from __future__ import annotations

from typing import Any, Mapping

from dos.hooks.claude_code import render_cc
from dos.hooks.event import POST, PRE, HookEvent, Rendered, cc_like_parse
from dos.kernel.enforce import Verdict

NAME = "codex"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": "stop", "SubagentStop": "stop"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_like_parse(payload, verb, NAME, EVENTS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return render_cc(verdict, event)
