"""Hermes Agent (Nous Research): shell hooks declared in the ``hooks:`` block of the profile's
``config.yaml``. The payload is Claude Code's shape (hook_event_name, tool_name, tool_input,
session_id, cwd, plus ``extra``) with Hermes's own event and tool names: ``pre_tool_call`` blocks
on ``{"decision": "block", "reason": ...}`` or exit 2; ``pre_verify`` (the turn's end, after an
edit) keeps the agent going on the same ``decision: block``, read from stdout whatever the exit
code, so DOS exits 0 there. Tools: ``write_file``, ``patch`` (``path`` + strings, or a V4A patch),
``terminal``, ``read_file``.
"""

from __future__ import annotations

from dos.hooks.event import POST, PRE, STOP, Rendered, cc_tools_parse, decision_render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "hermes"
EVENTS = {"pre_tool_call": PRE, "post_tool_call": POST, "pre_verify": STOP}
TOOLS = {"write_file": "Write", "terminal": "Bash", "read_file": "Read", "search_files": "Read"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    event = cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS)
    if event is None or event.tool != "patch" or not isinstance(event.tool_input, dict):
        return event
    args = event.tool_input
    if isinstance(args.get("patch"), str) and not args.get("path"):  # V4A patch text names its own files
        return event.replace(tool="apply_patch", tool_input={"command": args["patch"]})
    return event.replace(tool="Edit", tool_input={k: v for k, v in args.items() if k != "mode"})


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return decision_render(verdict, event, "block", 0 if event.moment == STOP else 2)
