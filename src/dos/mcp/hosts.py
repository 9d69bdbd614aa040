"""Where each agent host reads its MCP server list, and the ``dos`` entry it gets there.

One row per host, from the host's own documentation or source (docs/mcp-hosts.md names
each source). A host with a project file gets a portable entry (``dos-mcp --workspace
<the host's project-dir variable, or .>``, committed with the repository); a host that
reads only the user's file gets this interpreter's absolute command and the workspace's
absolute path, so the entry works whatever PATH the host starts with.

Formats: "json" (strict), "jsonc" (comments and trailing commas allowed: kept as written),
"toml" (``[mcp_servers.dos]``), "toml-list" (``[[mcp_servers]]`` tables naming themselves),
"yaml" (a mapping of servers) and "yaml-list" (a list of servers naming themselves: ``- name: dos``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NAME = "dos"
ENV = {"PYTHONIOENCODING": "utf-8"}
DESKTOP_ENV = "DOS_CLAUDE_DESKTOP_CONFIG"


@dataclass(frozen=True)
class McpHost:
    """How HOST holds MCP servers: FILE (project-relative) or USER (a function of env -> Path)."""

    host: str
    label: str
    fmt: str  # json | jsonc | toml | toml-list | yaml | yaml-list
    keys: tuple[str, ...]  # the path to the server map ("mcpServers",), ("amp.mcpServers",), ...
    shape: str  # the entry shape: see entry()
    project: str = ""  # the project file ("" when the host reads only the user's)
    user: Callable[[Mapping[str, str]], Path] | None = None
    workspace_var: str = "."  # what --workspace gets in a project entry
    alt: str = ""  # a project file the host reads instead when it exists (opencode.jsonc, ...)
    note: str = ""
    seed: str = ""  # what a file DOS creates starts with (keys the host needs to load it at all)
    new_note: str = ""  # said (after NOTE) when DOS created the file

    @property
    def scope(self) -> str:
        return "project" if self.project else "user"


def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or os.path.expanduser("~"))


def _xdg(env: Mapping[str, str]) -> Path:
    return Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else _home(env) / ".config"


def _under(var: str, default: Callable[[Mapping[str, str]], Path], rel: str) -> Callable[[Mapping[str, str]], Path]:
    return lambda env: (Path(env[var]) if env.get(var) else default(env)) / rel


def _desktop(env: Mapping[str, str]) -> Path:
    if env.get(DESKTOP_ENV):
        return Path(env[DESKTOP_ENV])
    if sys.platform == "darwin":
        return _home(env) / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    if sys.platform == "win32":
        return Path(env.get("APPDATA") or _home(env)) / "Claude" / "claude_desktop_config.json"
    return _xdg(env) / "Claude" / "claude_desktop_config.json"


def _goose(env: Mapping[str, str]) -> Path:
    if sys.platform == "win32" and env.get("APPDATA"):
        return Path(env["APPDATA"]) / "Block" / "goose" / "config" / "config.yaml"
    return _xdg(env) / "goose" / "config.yaml"


def _cline(env: Mapping[str, str]) -> Path:
    if env.get("CLINE_MCP_SETTINGS_PATH"):
        return Path(env["CLINE_MCP_SETTINGS_PATH"])
    return _home(env) / ".cline" / "data" / "settings" / "cline_mcp_settings.json"


_MCP = ("mcpServers",)
# The Continue CLI refuses a config.yaml without `name` and `version` ("Failed to parse config"), and
# with them but no model says "No model specified in headless mode": DOS writes the first, never a model.
_CN_SEED = "name: Local Config\nversion: 1.0.0\nschema: v1\n"
_GEMINI_NOTE = "loads a project's settings only in a trusted folder"

TABLE: dict[str, McpHost] = {h.host: h for h in (
    # ---- project files: a portable entry, committed with the repository
    McpHost("claude-code", "Claude Code", "json", _MCP, "claude", ".mcp.json",
            workspace_var="${CLAUDE_PROJECT_DIR:-.}"),
    McpHost("cursor", "Cursor", "json", _MCP, "plain", ".cursor/mcp.json", workspace_var="${workspaceFolder}"),
    McpHost("gemini", "Gemini CLI", "jsonc", _MCP, "plain", ".gemini/settings.json", note=_GEMINI_NOTE),
    McpHost("qwen", "Qwen Code", "jsonc", _MCP, "plain", ".qwen/settings.json", note=_GEMINI_NOTE),
    McpHost("tabnine", "Tabnine CLI", "jsonc", _MCP, "plain", ".tabnine/agent/settings.json", note=_GEMINI_NOTE),
    McpHost("vscode", "VS Code (Copilot agent mode)", "jsonc", ("servers",), "vscode", ".vscode/mcp.json",
            workspace_var="${workspaceFolder}"),
    McpHost("copilot", "GitHub Copilot CLI", "json", _MCP, "copilot", ".github/mcp.json",
            note="loads a repository's MCP servers only in a trusted folder, and under -p only with "
                 "GITHUB_COPILOT_PROMPT_MODE_WORKSPACE_MCP=true"),
    McpHost("crush", "Crush", "json", ("mcp",), "crush", ".crush.json"),
    McpHost("opencode", "OpenCode", "jsonc", ("mcp",), "opencode", "opencode.json", alt="opencode.jsonc"),
    McpHost("kilo", "Kilo Code", "jsonc", ("mcp",), "opencode", "kilo.json", alt="kilo.jsonc"),
    McpHost("factory", "Factory Droid", "json", _MCP, "typed", ".factory/mcp.json"),
    McpHost("kimi", "Kimi Code", "json", _MCP, "plain", ".kimi-code/mcp.json",
            note="runs a project's stdio servers at session start: trust the repository first"),
    McpHost("amp", "Amp", "jsonc", ("amp.mcpServers",), "plain", ".amp/settings.json", alt=".amp/settings.jsonc",
            note="asks the user to approve MCP servers from a workspace's settings"),
    McpHost("roo", "Roo Code", "json", _MCP, "plain", ".roo/mcp.json", workspace_var="${workspaceFolder}"),
    McpHost("continue", "Continue", "json", _MCP, "plain", ".continue/mcpServers/dos.json",
            note="(the IDE extension) uses MCP tools in agent mode only; the cn CLI does not read this folder: "
                 "dos init --mcp continue-cli"),
    # ---- the user's own file: this interpreter, the workspace by absolute path
    McpHost("claude-desktop", "Claude Desktop", "json", _MCP, "absolute", user=_desktop),
    McpHost("codex", "Codex", "toml", ("mcp_servers",), "absolute",
            user=_under("CODEX_HOME", lambda e: _home(e) / ".codex", "config.toml")),
    McpHost("vibe", "Mistral Vibe", "toml-list", ("mcp_servers",), "vibe",
            user=_under("VIBE_HOME", lambda e: _home(e) / ".vibe", "config.toml"),
            note="reads ./.vibe/config.toml instead of the user's file when the project has one; DOS then "
                 "writes there"),
    McpHost("windsurf", "Windsurf", "json", _MCP, "absolute",
            user=lambda e: _home(e) / ".codeium" / "windsurf" / "mcp_config.json"),
    McpHost("antigravity", "Antigravity", "json", _MCP, "absolute",
            user=lambda e: _home(e) / ".gemini" / "antigravity" / "mcp_config.json"),
    McpHost("augment", "Augment Auggie", "json", _MCP, "absolute",
            user=lambda e: _home(e) / ".augment" / "settings.json"),
    McpHost("openhands", "OpenHands CLI", "json", _MCP, "absolute",
            user=lambda e: _home(e) / ".openhands" / "mcp.json"),
    McpHost("cline", "Cline CLI", "json", _MCP, "cline", user=_cline),
    McpHost("goose", "Goose", "yaml", ("extensions",), "goose", user=_goose),
    McpHost("hermes", "Hermes Agent", "yaml", ("mcp_servers",), "absolute",
            user=_under("HERMES_HOME", lambda e: _home(e) / ".hermes", "config.yaml")),
    McpHost("continue-cli", "Continue CLI", "yaml-list", _MCP, "named",
            user=_under("CONTINUE_GLOBAL_DIR", lambda e: _home(e) / ".continue", "config.yaml"),
            note="(cn) reads this file when run without --config, or with --config naming it",
            seed=_CN_SEED,
            new_note="; the file is new: cn now loads it instead of its default (Continue Hub) config, and needs a "
                     "model in its `models` list before it can run"),
)}

# Names that reach another host's MCP file (the same file, the same entry).
ALIASES = {"cursor-cli": "cursor", "copilot-cli": "copilot"}

# Hosts DOS wires hooks for (or that users ask about) that have no MCP file DOS writes, and why.
BY_HAND = {
    "claude-cowork": "Claude Cowork reaches MCP servers through the Claude desktop app's connectors; register "
                     "with the app instead: dos init --mcp claude-desktop",
    "codebuddy": "CodeBuddy Code's MCP file was not confirmed from its documentation; add `dos mcp serve` to its "
                 "MCP list by hand",
    "qoder": "Qoder CLI's MCP file was not confirmed from its documentation; add `dos mcp serve` to its MCP list "
             "by hand",
    "devin": "Devin CLI's MCP file was not confirmed from its documentation; add `dos mcp serve` to its MCP list "
             "by hand",
    "grok": "Grok CLI's MCP file was not confirmed from its documentation; add `dos mcp serve` to its MCP list "
            "by hand",
}

HOSTS = tuple(TABLE)


def resolve(host: str) -> str:
    return ALIASES.get(host, host)


def absolute_command(root: Path) -> tuple[str, list[str]]:
    return sys.executable, ["-m", "dos.mcp", "--workspace", str(root)]


def entry(spec: McpHost, root: Path, path: Path) -> dict[str, Any]:
    """The ``dos`` entry SPEC's file at PATH gets for workspace ROOT."""
    portable = (bool(spec.project) or spec.host == "vibe") and root in path.parents  # Vibe: ./.vibe/config.toml
    if portable:
        command, args = "dos-mcp", ["--workspace", spec.workspace_var]
    else:
        command, args = absolute_command(root)
    shape = spec.shape
    if shape == "claude":
        return {"type": "stdio", "command": command, "args": args, "env": dict(ENV)}
    if shape == "vscode":
        return {"type": "stdio", "command": command, "args": args, "env": dict(ENV)}
    if shape == "copilot":
        return {"type": "local", "command": command, "args": args, "env": dict(ENV), "tools": ["*"]}
    if shape in ("crush", "typed"):
        return {"type": "stdio", "command": command, "args": args, "env": dict(ENV)}
    if shape == "opencode":
        return {"type": "local", "command": [command, *args], "environment": dict(ENV), "enabled": True}
    if shape == "vibe":
        return {"name": NAME, "transport": "stdio", "command": command, "args": args, "env": dict(ENV)}
    if shape == "cline":
        return {"command": command, "args": args, "env": dict(ENV), "disabled": False}
    if shape == "goose":
        return {"type": "stdio", "name": NAME, "enabled": True, "cmd": command, "args": args, "envs": dict(ENV),
                "env_keys": [], "timeout": 300}
    if shape == "named":
        return {"name": NAME, "command": command, "args": args, "env": dict(ENV)}
    return {"command": command, "args": args, "env": dict(ENV)}  # plain / absolute
