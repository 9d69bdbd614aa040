"""Grok CLI (xAI): Claude Code's hook files and payload (.grok/hooks/*.json; Claude Code tool
names are mapped to Grok's); PreToolUse is its only blocking event, denied by exit 2.
"""

from __future__ import annotations

from dos.hooks.event import POST, PRE, START, STOP, Rendered, cc_render, cc_tools_parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "grok"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": STOP, "SessionStart": START}
TOOLS = {"str_replace_editor": "editor", "create_file": "Write", "execute_bash": "Bash", "view_file": "Read"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return cc_render(verdict, event)
