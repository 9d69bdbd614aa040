"""Goose: Open Plugins hooks (a plugin's hooks/hooks.json); the payload names its event
``event`` and its directory ``working_dir``; ``{"decision": "block"}`` with exit 2 blocks.

As Goose 1.52.0 sends it: ``{"event", "session_id", "matcher_context", "tool_call_id", "tool_name",
"tool_input", "working_dir"}``, the session id Goose's own (``20260101_1``). Its builtin tools are flat:
``write`` (``path``, ``content``), ``edit`` (``path``, ``before``, ``after``), ``shell`` (``command``),
``tree``; older releases named them ``developer__text_editor`` and ``developer__shell``.

Goose reads a hook's exit 0 as an allow only when stdout is empty or says ``{"decision": "allow"}``;
anything else it logs as a failed hook and skips. So a warning is rendered as an explicit allow (its
reason rides along; Goose shows it to nobody). Its Stop payload carries no retry flag, and a refused
stop re-prompts the model at once (Goose gives up by itself only after 8 in a row): every stop is read
as a possible retry, so ``stop_block_cap`` counts the refusals in a row and lets the session end.
"""

from __future__ import annotations

from dos.hooks.event import (POST, PRE, START, STOP, Rendered, cc_tools_parse, decision_render, dumps,
                             every_stop_a_retry)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "goose"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": STOP, "SessionStart": START}
TOOLS = {"developer__text_editor": "editor", "text_editor": "editor", "developer__shell": "Bash",
         "tree": "Read", "analyze": "Read", "read_image": "Read"}
NAME_KEYS = ("hook_event_name", "event")


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return every_stop_a_retry(cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS, NAME_KEYS))


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    if event.moment != START and verdict.action not in ("allow", "deny"):
        return dumps({"decision": "allow", "reason": verdict.reason}), 0, ""
    return decision_render(verdict, event, "block", 2)
