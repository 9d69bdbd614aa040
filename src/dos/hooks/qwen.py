"""Qwen Code: Claude Code's hook schema (PreToolUse ... SessionStart, the same payload and
envelope) in .qwen/settings.json; its tools keep Gemini CLI's names (write_file,
run_shell_command, ...), except that the edit tool is ``edit`` (0.15: file_path, old_string,
new_string). On exit 2 Qwen reads the reason from stderr as plain text, not the stdout JSON.
Its Stop payload says ``stop_hook_active: true`` on every stop, the first one included.
"""

from __future__ import annotations

from dos.hooks.event import POST, PRE, START, STOP, Rendered, cc_like_parse, cc_render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "qwen"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": STOP, "SubagentStop": STOP, "SessionStart": START}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_like_parse(payload, verb, NAME, EVENTS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return cc_render(verdict, event)
