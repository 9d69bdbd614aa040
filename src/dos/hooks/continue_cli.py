"""Continue CLI (cn): Claude Code's hook events and envelope; its file tools name the file
``filepath``, read here as ``file_path``.
"""

from __future__ import annotations

from dos.hooks.event import POST, PRE, START, STOP, Rendered, cc_render, cc_tools_parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "continue"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": STOP, "SessionStart": START}
TOOLS = {"edit": "Edit", "write": "Write", "multiedit": "MultiEdit"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return cc_render(verdict, event)
