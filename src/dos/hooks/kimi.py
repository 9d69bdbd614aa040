"""Kimi Code CLI: ``[[hooks]]`` tables in ~/.kimi-code/config.toml; snake_case payload
(``hook_event_name``, ``session_id``, ``cwd``, ``tool_name``, ``tool_input``); exit 2 blocks.
"""

from __future__ import annotations

from dos.hooks.event import POST, PRE, START, STOP, Rendered, cc_render, cc_tools_parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "kimi"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": STOP, "SubagentStop": STOP, "SessionStart": START}
TOOLS = {"writefile": "Write", "strreplacefile": "Edit", "readfile": "Read", "shell": "Bash"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return cc_render(verdict, event)
