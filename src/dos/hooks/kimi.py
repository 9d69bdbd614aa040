"""Kimi Code CLI (npm ``@moonshot-ai/kimi-code``): ``[[hooks]]`` tables in ~/.kimi-code/config.toml
(``$KIMI_CODE_HOME``); snake_case payload (``hook_event_name``, ``session_id``, ``cwd``, ``tool_name``,
``tool_input``, plus ``client_type``, ``session_title``, ``tool_call_id``); exit 2 blocks, with stderr
as the reason the model is told.

Kimi Code 2.1.0's own tools are Claude Code's names (``Write``, ``Edit``, ``Read``, ``Bash``, ``Glob``,
``Grep``), with the file in ``tool_input.path``, so none needs renaming. The legacy Python ``kimi-cli``
(``WriteFile``, ``StrReplaceFile``; hooks in ~/.kimi/config.toml) is not what DOS wires.
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
TOOLS: dict[str, str] = {}  # Kimi Code's tool names are already the neutral ones


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return cc_render(verdict, event)
