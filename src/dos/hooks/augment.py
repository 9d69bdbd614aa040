"""Augment Auggie: Claude Code-named events with Cursor-style ids (``conversation_id``,
``workspace_roots``); its tools save-file, str-replace-editor and launch-process are read as
Write, Edit and Bash. Exit 2 with permissionDecision denies.
"""

from __future__ import annotations

from dos.hooks.event import POST, PRE, START, STOP, Rendered, cc_render, cc_tools_parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "augment"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": STOP, "SessionStart": START}
TOOLS = {"save-file": "Write", "str-replace-editor": "Edit", "launch-process": "Bash", "view": "Read"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return cc_render(verdict, event)
