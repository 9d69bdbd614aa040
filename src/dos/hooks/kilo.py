"""Kilo Code (CLI 1.0+, and the VS Code extension that runs the same agent): a fork of OpenCode
with OpenCode's plugin API, loaded from ``.kilo/plugins/`` or ``~/.config/kilo/plugins/``. DOS's
plugin file is OpenCode's, so the payload and the envelope are OpenCode's too: the plugin sends
``{hook_event_name: "tool.execute.before", tool, args, sessionID, directory}`` and throws on
``{"decision": "deny", ...}`` (exit 0), which refuses the call. No stop gate.
"""

from __future__ import annotations

from dos.hooks import opencode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.hooks.event import Rendered
    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "kilo"
EVENTS = opencode.EVENTS


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    event = opencode.parse(payload, verb)
    return None if event is None else event.replace(host=NAME)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return opencode.render(verdict, event)
