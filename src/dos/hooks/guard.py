"""``dos guard``: launch an agent host with DOS wired for that run only.

Claude Code gets ``--settings`` (hooks) and ``--mcp-config``; Codex gets ``-c`` overrides;
Gemini gets a temporary system settings file through its environment variable. The
user's own config files are never touched. Exits with the child's exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any

from dos.errors import UsageError
from dos.hooks.install import command_for

HOST_OF = {"claude": "claude-code", "codex": "codex", "gemini": "gemini"}


@dataclass(frozen=True)
class LaunchPlan:
    argv: tuple[str, ...]
    host: str
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # env var -> JSON text written to a temp file
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"argv": list(self.argv), "host": self.host, "env": self.env, "files": self.files,
                "notes": list(self.notes)}


def _hooks(host: str, verify_on_stop: bool) -> dict[str, list[dict[str, Any]]]:
    events = {"claude-code": ("PreToolUse", "PostToolUse", "Stop"), "codex": ("PreToolUse", "PostToolUse", "Stop"),
              "gemini": ("BeforeTool", "AfterTool", "AfterAgent")}[host]
    verbs = ("pretool", "posttool", "stop") if verify_on_stop else ("pretool", "posttool")
    return {e: [{"hooks": [{"type": "command", "command": command_for(host, v)}]}] for e, v in zip(events, verbs)}


def _has_mcp() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("dos.mcp.__main__") is not None
    except (ImportError, ValueError):
        return False


def plan_launch(cmd: list[str], *, verify_on_stop: bool, mcp: bool) -> LaunchPlan:
    """How to start CMD with DOS hooks (and the MCP server) for this run only."""
    exe = os.path.basename(cmd[0])
    host = HOST_OF.get(exe)
    if host is None:
        raise UsageError(f"dos guard knows claude, codex and gemini, not {exe!r}; "
                         "for other hosts wire the workspace with dos init --hooks HOST")
    mcp = mcp and _has_mcp()
    hooks = _hooks(host, verify_on_stop)
    notes = [] if mcp else ["MCP server not registered (--no-mcp, or dos.mcp is not installed)"]
    if host == "claude-code":
        extra = ["--settings", json.dumps({"hooks": hooks}, sort_keys=True)]
        if mcp and "--mcp-config" not in cmd:
            extra += ["--mcp-config", json.dumps({"mcpServers": {"dos": {"command": "dos-mcp"}}})]
        return LaunchPlan((cmd[0], *extra, *cmd[1:]), host, notes=tuple(notes))
    if host == "codex":
        extra = []
        for event, groups in hooks.items():
            command = groups[0]["hooks"][0]["command"]
            extra += ["-c", f'hooks.{event}=[{{hooks=[{{type="command",command={json.dumps(command)}}}]}}]']
        if mcp:
            extra += ["-c", 'mcp_servers.dos.command="dos-mcp"']
        return LaunchPlan((cmd[0], *extra, *cmd[1:]), host, notes=tuple(notes))
    settings: dict[str, Any] = {"hooks": hooks}
    if mcp:
        settings["mcpServers"] = {"dos": {"command": "dos-mcp"}}
    return LaunchPlan(tuple(cmd), host, files={"GEMINI_CLI_SYSTEM_SETTINGS_PATH": json.dumps(settings, sort_keys=True)},
                      notes=tuple(notes))


def launch(plan: LaunchPlan, root: str) -> int:
    """Run the plan in ROOT; return the child's exit code (127 if the command is not found)."""
    env = dict(os.environ, **plan.env)
    temps = []
    try:
        for var, text in plan.files.items():
            fd, path = tempfile.mkstemp(prefix="dos-guard-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            temps.append(path)
            env[var] = path
        try:
            return subprocess.call(list(plan.argv), cwd=root, env=env)
        except FileNotFoundError:
            sys.stderr.write(f"error: dos guard: {plan.argv[0]!r} not found on PATH\n")
            return 127
        except KeyboardInterrupt:
            return 130
    finally:
        for path in temps:
            try:
                os.unlink(path)
            except OSError:
                pass
