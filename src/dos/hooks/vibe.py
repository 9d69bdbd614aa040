"""Mistral Vibe: ``[[hooks]]`` tables in ``hooks.toml``, each with a ``name`` and a ``type`` (pre_tool,
post_tool, post_agent), as Vibe 3.0.2 reads them (no experimental flag: they always run).

The payload is Claude Code's shape with Vibe's own names: ``hook_event_name`` is the type, and
``tool_name`` is the qualified builtin (``file_system.write_file`` with ``file_path`` and
``content``, ``file_system.search_replace`` with ``file_path`` and the strings,
``file_system.bash``, ``file_system.read_file``). Vibe reads only stdout and only on exit 0: a
deny is ``{"decision": "deny", "reason": ...}``, which skips the call and hands the model the
reason; on post_agent the same answer makes the agent retry with the reason as feedback (at
most three times a turn, Vibe's own cap). A post_tool note reaches the model only as
``hook_specific_output.additional_context`` (a ``decision`` there would replace the result).
"""

from __future__ import annotations

from dos.hooks.event import NOTHING, POST, PRE, STOP, Rendered, cc_tools_parse, decision_render, dumps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "vibe"
EVENTS = {"pre_tool": PRE, "post_tool": POST, "post_agent": STOP}
TOOLS = {"file_system.write_file": "Write", "file_system.search_replace": "Edit", "file_system.bash": "Bash",
         "file_system.read_file": "Read"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    if event.moment == POST:
        if verdict.action == "allow" or not verdict.reason:
            return NOTHING
        return dumps({"hook_specific_output": {"additional_context": verdict.reason}}), 0, ""
    if event.moment == PRE and verdict.action == "warn":  # a pre_tool answer has no channel to the model
        return dumps({"system_message": verdict.reason}), 0, ""
    return decision_render(verdict, event, "deny", 0)
