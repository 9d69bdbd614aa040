"""Factory Droid: Claude Code's hook schema and envelope (exit 2 or permissionDecision denies);
its own tool names (Create, Execute, ApplyPatch) are read as Write, Bash and apply_patch.

Droid 0.215.0 (e2e, ``droid exec``) fires Stop with ``session_id`` and ``stop_hook_active`` (true on each
stop after a hook held one), reads ``decision: block`` from the JSON on stdout whatever the exit code, and
sends ``reason`` to the model as the next user message; SessionStart's context reaches the model headless.
"""

from __future__ import annotations

from dos.hooks.event import POST, PRE, START, STOP, Rendered, cc_render, cc_tools_parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "factory"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": STOP, "SubagentStop": STOP, "SessionStart": START}
TOOLS = {"create": "Write", "execute": "Bash", "applypatch": "apply_patch"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_tools_parse(payload, verb, NAME, EVENTS, TOOLS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return cc_render(verdict, event)
