"""Register the DOS MCP server with an agent host: ``dos init --mcp HOST [--remove]``.

Project hosts (claude-code ``.mcp.json``, cursor ``.cursor/mcp.json``) get a portable
entry that runs ``dos-mcp`` for the project directory. User-level hosts (claude-desktop,
codex) get this interpreter's absolute command and the workspace's absolute path.
Idempotent; ``--remove`` undoes only our entry; a file we cannot parse is left untouched.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from dos.errors import UsageError

NAME = "dos"
HOSTS = ("claude-code", "claude-desktop", "cursor", "codex")
DESKTOP_ENV = "DOS_CLAUDE_DESKTOP_CONFIG"


def run_installer(root: Path, host: str, *, remove: bool = False) -> None:
    """Register (or with REMOVE, unregister) the server for ROOT with HOST; prints one line."""
    if host not in HOSTS:
        raise UsageError(f"dos init --mcp: unknown host {host!r} (hosts: {', '.join(HOSTS)})")
    root = Path(root).resolve()
    path = config_path(root, host)
    if host == "codex":
        changed = _edit_toml(path, None if remove else _absolute_entry(root))
    else:
        changed = _edit_json(path, None if remove else entry_for(root, host))
    verb = ("removed from" if changed else "was not in") if remove else \
        ("registered in" if changed else "already registered in")
    print(f"dos MCP server {verb} {path} ({host})")


def config_path(root: Path, host: str) -> Path:
    """Where HOST keeps its MCP server list."""
    if host == "claude-code":
        return root / ".mcp.json"
    if host == "cursor":
        return root / ".cursor" / "mcp.json"
    if host == "codex":
        return Path(os.environ.get("CODEX_HOME") or Path.home() / ".codex") / "config.toml"
    override = os.environ.get(DESKTOP_ENV)
    if override:
        return Path(override)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home()) / "Claude" / "claude_desktop_config.json"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "Claude" / \
        "claude_desktop_config.json"


def entry_for(root: Path, host: str) -> dict[str, Any]:
    """The server entry HOST's JSON config gets."""
    if host == "claude-code":
        return {"type": "stdio", "command": "dos-mcp", "args": ["--workspace", "${CLAUDE_PROJECT_DIR:-.}"],
                "env": {"PYTHONIOENCODING": "utf-8"}}
    if host == "cursor":
        return {"command": "dos-mcp", "args": ["--workspace", "${workspaceFolder}"],
                "env": {"PYTHONIOENCODING": "utf-8"}}
    return _absolute_entry(root)


def _absolute_entry(root: Path) -> dict[str, Any]:
    return {"command": sys.executable, "args": ["-m", "dos.mcp", "--workspace", str(root)],
            "env": {"PYTHONIOENCODING": "utf-8"}}


# --------------------------------------------------------------------------- host files
# One editor for every host config file (dos.service.wiring_files): JSON through json,
# TOML through tomlkit, which keeps the user's comments and layout.


def _edit_json(path: Path, entry: dict[str, Any] | None) -> bool:
    """Set (or with ENTRY None, delete) mcpServers.dos in PATH; True if the file changed."""
    from dos.service.wiring_files import set_json_key

    return set_json_key(path, ("mcpServers", NAME), entry)


def _edit_toml(path: Path, entry: dict[str, Any] | None) -> bool:
    """Set (or delete) mcp_servers.dos in PATH, keeping every other line and comment."""
    from dos.service.wiring_files import set_toml_key

    return set_toml_key(path, ("mcp_servers", NAME), entry)
