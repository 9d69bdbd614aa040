"""Where each agent host keeps its hooks, and which of them run a DOS hook today.

The one description of the hosts' config files that the installers write and that
``dos doctor`` and ``dos hook selftest`` read back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FENCE_OPEN = "# >>> dos hooks (managed by `dos init --hooks`) >>>"
FENCE_CLOSE = "# <<< dos hooks <<<"


@dataclass(frozen=True)
class HostSpec:
    """Where HOST keeps its hooks and which of its events run which DOS hook."""

    host: str
    path: str  # relative to the workspace root
    events: tuple[tuple[str, str], ...]  # (host event, dos verb)
    shape: str  # "groups" (Claude Code style), "flat" (Cursor) or "toml" (Codex)
    note: str = ""


SPECS: dict[str, HostSpec] = {s.host: s for s in (
    HostSpec("claude-code", ".claude/settings.json",
             (("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop")), "groups"),
    HostSpec("codex", ".codex/config.toml",
             (("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop")), "toml",
             "Codex runs PreToolUse only for Bash, apply_patch and MCP tools."),
    HostSpec("cursor", ".cursor/hooks.json",  # no after-hook: Cursor carries no message back from one
             (("preToolUse", "pretool"), ("beforeShellExecution", "pretool"), ("stop", "stop")), "flat",
             "Cursor fails open on a hook error; add \"failClosed\": true to an entry to change that."),
    HostSpec("gemini", ".gemini/settings.json",
             (("BeforeTool", "pretool"), ("AfterTool", "posttool"), ("AfterAgent", "stop")), "groups"),
    HostSpec("antigravity", ".agents/hooks.json",
             (("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop")), "groups",
             "Antigravity may let a user approve a denied call; the deny is still recorded."),
)}
HOST_MARKERS = {"claude-code": (".claude", "claude"), "codex": (".codex", "codex"),
                "cursor": (".cursor", "cursor-agent"), "gemini": (".gemini", "gemini"),
                "antigravity": (".agents", "antigravity")}


def is_dos_command(cmd: Any) -> bool:
    """True for a command this installer (or the reference's) wrote."""
    if not isinstance(cmd, str):
        return False
    words = cmd.strip().split()
    if not words:
        return False
    first = words[0].strip("'\"").rsplit("/", 1)[-1]
    return first == "dos-hook" or cmd.strip().startswith("dos hook ") or "-m dos.hooks " in cmd + " "


def _entries(group: Any) -> list[Any]:
    hooks = group.get("hooks") if isinstance(group, dict) else None
    return hooks if isinstance(hooks, list) else []


def _event_is_dos(items: Any, shape: str) -> bool:
    if not isinstance(items, list):
        return False
    if shape == "flat":
        return any(isinstance(e, dict) and is_dos_command(e.get("command")) for e in items)
    return any(isinstance(e, dict) and is_dos_command(e.get("command")) for g in items for e in _entries(g))


def _fenced(text: str):
    """``(event, line, is_header)`` for each stripped line inside DOS's fenced block of a Codex TOML."""
    inside, event = False, ""
    for line in text.splitlines():
        s = line.strip()
        if s == FENCE_OPEN:
            inside = True
        elif s == FENCE_CLOSE:
            inside = False
        elif inside and s.startswith("[[hooks.") and not s.endswith(".hooks]]"):
            event = s[len("[[hooks."):-2]
            yield event, s, True
        elif inside:
            yield event, s, False


def toml_events(text: str) -> list[str]:
    """The hook events DOS's fenced block wires, in order."""
    return [event for event, _, header in _fenced(text) if header]


def wired_hosts(root: Path) -> dict[str, list[str]]:
    """host -> the events that run a DOS hook, for every host wired under ROOT."""
    out: dict[str, list[str]] = {}
    for host, spec in SPECS.items():
        path = root / spec.path
        try:
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            if spec.shape == "toml":
                events = toml_events(text)
            else:
                hooks = json.loads(text).get("hooks", {})
                events = [e for e, items in hooks.items() if _event_is_dos(items, spec.shape)] \
                    if isinstance(hooks, dict) else []
        except (OSError, ValueError, AttributeError):
            continue
        if events:
            out[host] = events
    return out


def installed_command(root: Path, host: str, event: str) -> str | None:
    """The DOS command HOST runs for EVENT under ROOT, as written in its config."""
    spec = SPECS[host]
    path = root / spec.path
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    if spec.shape == "toml":
        return next((json.loads(s[len("command = "):]) for ev, s, header in _fenced(text)
                     if not header and ev == event and s.startswith("command = ")), None)
    items = json.loads(text).get("hooks", {}).get(event, [])
    entries = items if spec.shape == "flat" else [e for g in items for e in _entries(g)]
    return next((e["command"] for e in entries if isinstance(e, dict) and is_dos_command(e.get("command"))), None)
