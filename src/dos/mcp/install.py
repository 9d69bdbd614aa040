"""Register the DOS MCP server with an agent host: ``dos init --mcp HOST [--remove]``.

Project hosts (claude-code ``.mcp.json``, cursor ``.cursor/mcp.json``) get a portable
entry that runs ``dos-mcp`` for the project directory. User-level hosts (claude-desktop,
codex) get this interpreter's absolute command and the workspace's absolute path.
Idempotent; ``--remove`` undoes only our entry; a file we cannot parse is left untouched.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from dos.errors import ConfigError, UsageError

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


# --------------------------------------------------------------------------- JSON hosts


def _edit_json(path: Path, entry: dict[str, Any] | None) -> bool:
    """Set (or with ENTRY None, delete) mcpServers.dos in PATH; True if the file changed."""
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8") or "{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc}); fix or move it, then rerun") from None
        if not isinstance(data, dict) or not isinstance(data.get("mcpServers", {}), dict):
            raise ConfigError(f"{path}: expected an object with an \"mcpServers\" object; fix it, then rerun")
    servers = data.setdefault("mcpServers", {})
    if entry is None:
        if NAME not in servers:
            return False
        del servers[NAME]
        if not servers and set(data) == {"mcpServers"}:
            path.unlink()
            return True
    else:
        if servers.get(NAME) == entry:
            return False
        servers[NAME] = entry
    _write(path, json.dumps(data, indent=2) + "\n")
    return True


# --------------------------------------------------------------------------- codex TOML

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _edit_toml(path: Path, entry: dict[str, Any] | None) -> bool:
    """Replace (or delete) the [mcp_servers.dos] tables in PATH, keeping every other line and comment."""
    import tomllib

    text = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix it, then rerun") from None
    kept: list[str] = []
    ours: list[str] = []
    inside, at = False, None
    for line in text.splitlines(keepends=True):
        m = _HEADER.match(line)
        if m:
            key = m.group(1).replace('"', "").replace(" ", "")
            was, inside = inside, key == f"mcp_servers.{NAME}" or key.startswith(f"mcp_servers.{NAME}.")
            if inside and at is None:
                at = len(kept)
            if was and not inside:  # comments just above the next table belong to it
                tail = []
                while ours and (not ours[-1].strip() or ours[-1].lstrip().startswith("#")):
                    tail.insert(0, ours.pop())
                kept.extend(tail)
        (ours if inside else kept).append(line)
    if entry is None:
        if not ours:
            return False
        if at is not None and 0 < at < len(kept) and not kept[at].strip() and not kept[at - 1].strip():
            del kept[at]  # no double blank line where our block was
        new = "".join(kept).rstrip("\n") + ("\n" if kept else "")
    else:
        block = _toml_block(entry)
        if "".join(ours).strip() == block.strip():
            return False
        if at is not None:  # replace in place
            gap = "\n" if at < len(kept) and kept[at].strip() else ""
            new = "".join(kept[:at]) + block + gap + "".join(kept[at:])
        else:
            body = "".join(kept).rstrip("\n")
            new = (body + "\n\n" if body else "") + block
    tomllib.loads(new)  # what we write must load
    if new.strip():
        _write(path, new)
    else:
        path.unlink()
    return True


def _toml_block(entry: dict[str, Any]) -> str:
    q = lambda s: json.dumps(s)  # noqa: E731 - a JSON string is a valid TOML basic string
    lines = [f"[mcp_servers.{NAME}]", f"command = {q(entry['command'])}",
             "args = [" + ", ".join(q(a) for a in entry["args"]) + "]"]
    if entry.get("env"):
        lines.append("env = { " + ", ".join(f"{k} = {q(v)}" for k, v in entry["env"].items()) + " }")
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
