"""Claude Code: PreToolUse / PostToolUse / Stop / SubagentStop; deny = permissionDecision + exit 2."""

from __future__ import annotations

from dos.hooks.event import NOTHING, POST, PRE, Rendered, cc_like_parse, context_envelope, dumps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict
    from dos.service.events import HookEvent

NAME = "claude-code"
EVENTS = {"PreToolUse": PRE, "PostToolUse": POST, "Stop": "stop", "SubagentStop": "stop", "TaskCompleted": "stop",
          "SessionStart": "start"}


def parse(payload: Mapping[str, Any], verb: str) -> HookEvent | None:
    return cc_like_parse(payload, verb, NAME, EVENTS)


def render(verdict: Verdict, event: HookEvent) -> Rendered:
    return render_cc(verdict, event)


def render_cc(verdict: Verdict, event: HookEvent) -> Rendered:
    """The Claude Code envelope, which Codex reads too."""
    if event.moment == "start":
        return context_envelope(verdict)
    if verdict.action == "allow":
        return NOTHING
    if event.moment == "stop":
        if verdict.action == "deny":
            return dumps({"decision": "block", "reason": verdict.reason}), 2, verdict.reason + "\n"
        return NOTHING
    name = "PreToolUse" if event.moment == PRE else "PostToolUse"
    if verdict.action == "deny" and event.moment == PRE:
        out = {"hookEventName": name, "permissionDecision": "deny", "permissionDecisionReason": verdict.reason}
        return dumps({"hookSpecificOutput": out}), 2, verdict.reason + "\n"
    return dumps({"hookSpecificOutput": {"hookEventName": name, "additionalContext": verdict.reason}}), 0, ""
