"""``dos guard``: launch an agent host with DOS wired for that run only.

* Claude Code gets ``--settings`` (hooks) and ``--mcp-config``.
* Codex gets ``-c`` overrides. Codex runs a session-flag hook only once it is reviewed, so
  before the launch ``codex app-server`` is started with the same overrides and exactly
  DOS's hooks are reviewed (never ``--dangerously-bypass-hook-trust``, which would let the
  user's unreviewed hooks run too).
* Gemini honours a system settings file only when it and every parent are root-owned, so
  the run instead gets ``GEMINI_CLI_HOME``: a private temporary home mirroring the user's
  ``.gemini/``, whose ``settings.json`` is the user's plus DOS's hooks
  (``dos.service.host_gemini.RunHome``).

Every command is this interpreter's absolute command, so the hooks run whatever PATH the
host has. The user's own config files are never edited. Exits with the child's exit code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from dos.errors import UsageError
from dos.exitcodes import INTERRUPTED, NOT_FOUND, REFUSED
from dos.service.wiring import absolute_command

HOST_OF = {"claude": "claude-code", "codex": "codex", "gemini": "gemini"}
EVENTS = {"claude-code": (("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop")),
          "codex": (("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop")),
          "gemini": (("BeforeTool", "pretool"), ("AfterTool", "posttool"), ("AfterAgent", "stop"))}


@dataclass(frozen=True)
class LaunchPlan:
    argv: tuple[str, ...]
    host: str
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # kept for --print-config readers; always empty now
    notes: tuple[str, ...] = ()
    review: tuple[str, ...] = ()  # Codex: the -c overrides whose hooks must be reviewed before the launch
    gemini: dict[str, Any] = field(default_factory=dict)  # Gemini: {"hooks": ..., "extra": ...} for the run home

    def to_dict(self) -> dict[str, Any]:
        return {"argv": list(self.argv), "host": self.host, "env": self.env, "files": self.files,
                "notes": list(self.notes), "review": list(self.review), "gemini_settings": self.gemini}


def _hooks(host: str, verify_on_stop: bool) -> dict[str, list[dict[str, Any]]]:
    return {e: [{"hooks": [{"type": "command", "command": absolute_command(host, v)}]}]
            for e, v in EVENTS[host] if verify_on_stop or v != "stop"}


def _has_mcp() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("dos.mcp.__main__") is not None
    except (ImportError, ValueError):
        return False


def _mcp_entry(root: str) -> dict[str, Any]:
    return {"command": sys.executable, "args": ["-m", "dos.mcp", "--workspace", root],
            "env": {"PYTHONIOENCODING": "utf-8"}}


def plan_launch(cmd: list[str], *, verify_on_stop: bool, mcp: bool, root: str | None = None) -> LaunchPlan:
    """How to start CMD with DOS hooks (and the MCP server) for this run only (ROOT: the workspace)."""
    exe = os.path.basename(cmd[0])
    host = HOST_OF.get(exe)
    if host is None:
        raise UsageError(f"dos guard knows claude, codex and gemini, not {exe!r}; "
                         "for other hosts wire the workspace with dos init --hooks HOST")
    if root is None:
        from dos.config import find_workspace

        root = str(find_workspace().root)
    root = os.path.abspath(root)
    mcp = mcp and _has_mcp()
    hooks = _hooks(host, verify_on_stop)
    notes = [] if mcp else ["MCP server not registered (--no-mcp, or dos.mcp is not installed)"]
    if host == "claude-code":
        extra = ["--settings", json.dumps({"hooks": hooks}, sort_keys=True)]
        if mcp and "--mcp-config" not in cmd:
            extra += ["--mcp-config", json.dumps({"mcpServers": {"dos": _mcp_entry(root)}})]
        return LaunchPlan((cmd[0], *extra, *cmd[1:]), host, notes=tuple(notes))
    if host == "codex":
        flags: list[str] = []
        for event, groups in hooks.items():
            command = groups[0]["hooks"][0]["command"]
            flags += ["-c", f'hooks.{event}=[{{hooks=[{{type="command",command={json.dumps(command)}}}]}}]']
        review = tuple(flags)
        if mcp:
            entry = _mcp_entry(root)
            flags += ["-c", f"mcp_servers.dos.command={json.dumps(entry['command'])}",
                      "-c", f"mcp_servers.dos.args={json.dumps(entry['args'])}"]
        return LaunchPlan((cmd[0], *flags, *cmd[1:]), host, notes=tuple(notes), review=review)
    extra_settings = {"mcpServers": {"dos": _mcp_entry(root)}} if mcp else {}
    return LaunchPlan(tuple(cmd), host, notes=tuple(notes), gemini={"hooks": hooks, "extra": extra_settings})


def _err(line: str) -> None:
    sys.stderr.write(line.rstrip("\n") + "\n")
    sys.stderr.flush()


def _review_codex(plan: LaunchPlan, root: str, env: dict[str, str]) -> str:
    """Review DOS's session-flag hooks through codex app-server; '' or the one line saying why not."""
    from pathlib import Path

    from dos.service import host_codex

    codex = shutil.which(plan.argv[0], path=env.get("PATH")) or plan.argv[0]
    if not os.access(codex, os.X_OK):
        return "missing"
    try:
        hooks = host_codex.trust(Path(root), project=False, codex=codex, args=plan.review, env=env)
    except host_codex.CodexError as exc:
        return f"dos guard: could not review DOS's hooks through codex app-server ({exc})"
    flagged = [h for h in hooks if h.get("source") == "sessionFlags" or "session-flags" in str(h.get("key", ""))]
    pending = [h for h in flagged if h.get("trustStatus") not in ("trusted", "managed")]
    if not flagged or pending:
        return "dos guard: Codex did not list DOS's session hooks as reviewed, so it would skip them"
    return ""


def launch(plan: LaunchPlan, root: str) -> int:
    """Run the plan in ROOT; return the child's exit code (127 if the command is not found)."""
    env = dict(os.environ, **plan.env)
    run_home = None
    try:
        if plan.host == "codex" and plan.review:
            why = _review_codex(plan, root, env)
            if why == "missing":
                _err(f"error: dos guard: {plan.argv[0]!r} not found on PATH")
                return NOT_FOUND
            if why:
                _err(f"{why}; not starting codex without DOS (dos init --hooks codex wires the workspace instead)")
                return REFUSED
        if plan.host == "gemini" and plan.gemini:
            from dos.service.host_gemini import RunHome

            run_home = RunHome(plan.gemini["hooks"], plan.gemini.get("extra"), env)
            env.update(run_home.start())
        try:
            return subprocess.call(list(plan.argv), cwd=root, env=env)
        except FileNotFoundError:
            _err(f"error: dos guard: {plan.argv[0]!r} not found on PATH")
            return NOT_FOUND
        except KeyboardInterrupt:
            return INTERRUPTED
    finally:
        if run_home is not None:
            for note in run_home.finish():
                _err(note)
