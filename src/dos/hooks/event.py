"""Envelope helpers every dialect shares, and the Claude Code-shaped payload several hosts send.

A dialect module parses its host's stdin JSON into the neutral ``HookEvent`` and renders
a kernel ``Verdict`` back into the host's own envelope: ``(stdout_text, exit_code, stderr_text)``.
"""

from __future__ import annotations

from dos.kernel.jsonc import dumps as _dumps
from dos.service.events import POST, PRE, START, STOP, HookEvent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

VERB_MOMENT = {"pretool": PRE, "posttool": POST, "stop": STOP, "marker": STOP, "session-start": START}

Rendered = tuple  # (stdout text, exit code, stderr text)
NOTHING: Rendered = ("", 0, "")


def text(value: Any) -> str:
    """VALUE if it is a string, else ''."""
    return value if isinstance(value, str) else ""


def storable(value: str) -> str:
    """VALUE, with a lone surrogate (valid JSON, never UTF-8) written as its ``\\udXXX`` escape.

    A session id is a key in the store and on disk; one JSON can carry and UTF-8 cannot would
    fail every write that names it. The escape is stable, so every event of that session agrees.
    """
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return "".join(f"\\u{ord(c):04x}" if "\ud800" <= c <= "\udfff" else c for c in value)


def fence_of(payload: Mapping[str, Any]) -> int | None:
    """A fencing token the host passed in the payload (``dos_fence``), if it is an integer."""
    value = payload.get("dos_fence")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def dumps(obj: Any) -> str:
    """One line, sorted keys, ASCII escapes: what every host reads reliably."""
    return _dumps(obj, sort_keys=True, ensure_ascii=True) + "\n"


def tool_input(payload: Mapping[str, Any], key: str = "tool_input") -> Any:
    value = payload.get(key)
    return value if isinstance(value, (dict, str, list)) else {}


def cc_like_parse(payload: Mapping[str, Any], verb: str, host: str, names: Mapping[str, str],
                  name_keys: tuple[str, ...] = ("hook_event_name",)) -> HookEvent | None:
    """Parse the Claude Code-shaped payload several hosts share; NAMES maps event names to moments.

    NAME_KEYS are the fields that may name the event (OpenHands ``event_type``, Goose and Crush
    ``event``). The session and directory fall back to the fields other hosts use for them.
    """
    moment = VERB_MOMENT.get(verb)
    name = next((text(payload.get(k)) for k in name_keys if text(payload.get(k))), "")
    if name and names.get(name) != moment:
        return None
    tool = text(payload.get("tool_name"))
    if moment in (PRE, POST) and not tool:
        return None
    response = payload.get("tool_response", payload.get("tool_output"))
    return HookEvent(
        moment=moment, host=host, event_name=name or _default_name(names, moment), tool=tool,
        tool_input=tool_input(payload), tool_response=response, session=session_of(payload),
        cwd=cwd_of(payload), stop_hook_active=payload.get("stop_hook_active") is True,
        fence=fence_of(payload))


def session_of(payload: Mapping[str, Any]) -> str:
    """The session id, under whichever name the host sends it."""
    for key in ("session_id", "conversation_id", "sessionID", "sessionId", "trajectory_id"):
        if text(payload.get(key)):
            return payload[key]
    return ""


def cwd_of(payload: Mapping[str, Any]) -> str:
    """The directory the call runs in: ``cwd``, else the host's own name for its workspace."""
    for key in ("cwd", "working_dir", "directory"):
        if text(payload.get(key)):
            return payload[key]
    roots = payload.get("workspace_roots")
    if isinstance(roots, list) and roots and isinstance(roots[0], str):
        return roots[0]
    return ""


def context_envelope(verdict: Any, event_name: str = "SessionStart") -> Rendered:
    """Session-start context in the shape Claude Code, Codex and Gemini read (never blocks)."""
    if not verdict.reason:
        return NOTHING
    return dumps({"hookSpecificOutput": {"hookEventName": event_name, "additionalContext": verdict.reason}}), 0, ""


def _default_name(names: Mapping[str, str], moment: str | None) -> str:
    return next((k for k, v in names.items() if v == moment), "")


# --------------------------------------------------------------------------- tool names

# Tools that edit through a "command" sub-verb (OpenHands file_editor, Goose text_editor, Copilot's
# str_replace_editor): these sub-verbs only read.
READ_COMMANDS = frozenset({"view", "read"})


def normalise_tool(tool: str, args: Any, names: Mapping[str, str]) -> tuple[str, Any]:
    """TOOL and ARGS as the footprint reader knows them: NAMES maps a host's own tool names
    (case-folded) to the neutral ones (``Write``, ``Edit``, ``Bash``, ``Read``).

    The neutral name ``editor`` means a tool whose ``command`` argument says what it does:
    ``view`` reads, anything else writes its ``path``. Arguments are kept as sent, with
    Continue's ``filepath`` also given as ``file_path``.
    """
    neutral = names.get(tool.casefold())
    if isinstance(args, dict) and "filepath" in args and "file_path" not in args:
        args = {**args, "file_path": args["filepath"]}
    if neutral is None:
        return tool, args
    if neutral == "editor":
        sub = args.get("command") if isinstance(args, dict) else None
        if isinstance(sub, str) and sub.casefold() in READ_COMMANDS:
            return "Read", args
        rest = {k: v for k, v in args.items() if k != "command"} if isinstance(args, dict) else args
        return "Edit", rest
    return neutral, args


def cc_tools_parse(payload: Mapping[str, Any], verb: str, host: str, events: Mapping[str, str],
                   tools: Mapping[str, str], name_keys: tuple[str, ...] = ("hook_event_name",)) -> HookEvent | None:
    """``cc_like_parse``, then the host's own tool names made neutral (``normalise_tool``)."""
    event = cc_like_parse(payload, verb, host, events, name_keys)
    if event is None or not event.tool:
        return event
    tool, args = normalise_tool(event.tool, event.tool_input, tools)
    if tool == event.tool and args is event.tool_input:
        return event
    return event.replace(tool=tool, tool_input=args)


def every_stop_a_retry(event: HookEvent | None) -> HookEvent | None:
    """EVENT, a Stop read as a possible retry: for hosts whose Stop carries no retry flag and that
    re-prompt at once on a refusal, so ``stop_block_cap`` counts the refusals in a row and lets go."""
    if event is not None and event.moment == STOP and not event.stop_hook_active:
        return event.replace(stop_hook_active=True)
    return event


# --------------------------------------------------------------------------- envelopes


def cc_render(verdict: Any, event: HookEvent, pre: str = "PreToolUse", post: str = "PostToolUse") -> Rendered:
    """Claude Code's envelope, which every host that copies its schema reads: a deny is
    ``hookSpecificOutput.permissionDecision`` plus exit 2, a refused stop ``decision: block``
    plus exit 2, a warning ``additionalContext``; session start hands the model its context."""
    if event.moment == START:
        return context_envelope(verdict)
    if verdict.action == "allow":
        return NOTHING
    if event.moment == STOP:
        if verdict.action == "deny":
            return dumps({"decision": "block", "reason": verdict.reason}), 2, verdict.reason + "\n"
        return NOTHING
    name = pre if event.moment == PRE else post
    if verdict.action == "deny" and event.moment == PRE:
        out = {"hookEventName": name, "permissionDecision": "deny", "permissionDecisionReason": verdict.reason}
        return dumps({"hookSpecificOutput": out}), 2, verdict.reason + "\n"
    return dumps({"hookSpecificOutput": {"hookEventName": name, "additionalContext": verdict.reason}}), 0, ""


def decision_render(verdict: Any, event: HookEvent, word: str = "deny", code: int = 0,
                    stop_word: str = "") -> Rendered:
    """The ``{"decision": WORD, "reason": ...}`` envelope (Antigravity, OpenHands, Goose, Devin,
    Crush, Mistral Vibe, OpenCode's plugin): CODE is the deny's exit code (2 also puts the reason
    on stderr, for hosts that read it there). A warning is ``{"reason": ...}`` and exit 0. A
    refused stop says STOP_WORD (default: WORD). Session start carries nothing."""
    if event.moment == START or verdict.action == "allow":
        return NOTHING
    if verdict.action == "deny":
        said = (stop_word or word) if event.moment == STOP else word
        return dumps({"decision": said, "reason": verdict.reason}), code, (verdict.reason + "\n" if code else "")
    return dumps({"reason": verdict.reason}), 0, ""
